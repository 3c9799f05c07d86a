"""When to try an upstream call again: the policy (gRFC A6) and a retry budget (Envoy).

Only errors the upstream layer marked retryable are retried (reads that failed transiently,
and side effects that certainly never left the gateway), with exponential back-off and full
jitter, never past the deadline; a 429 waits for its `Retry-After` if that fits. The budget
caps retries at a share of the provider's requests so a failing upstream is not hammered.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from service.core.errors import UpstreamError, UpstreamRateLimited


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_delay_seconds: float
    max_delay_seconds: float

    def delay_before(
        self,
        error: UpstreamError,
        attempts_made: int,
        time_left: float | None,
        has_side_effects: bool,
    ) -> float | None:
        """The pause before the next attempt, or None when the call must not be retried."""
        if attempts_made >= self.max_attempts:
            return None
        if isinstance(error, UpstreamRateLimited):
            if has_side_effects or error.retry_after_seconds is None:
                return None
            delay = error.retry_after_seconds
        elif error.retryable:
            ceiling = min(
                self.max_delay_seconds, self.base_delay_seconds * 2 ** (attempts_made - 1)
            )
            delay = random.uniform(0, ceiling)  # noqa: S311 (jitter, not cryptography)
        else:
            return None
        if time_left is not None and delay >= time_left:
            return None
        return delay


class RetryBudget:
    """Retries may be at most `ratio` of requests over a sliding window, or the floor."""

    def __init__(
        self,
        ratio: float,
        min_per_second: float,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ratio = ratio
        self._floor = min_per_second * window_seconds
        self._window = window_seconds
        self._clock = clock
        self._requests: deque[float] = deque()
        self._retries: deque[float] = deque()

    def record_request(self) -> None:
        now = self._clock()
        # Forgotten as they leave the window, so memory stays bounded when nothing is retried.
        self._forget_before(self._requests, now - self._window)
        self._requests.append(now)

    def try_spend(self) -> bool:
        """Count one retry if the budget allows it."""
        now = self._clock()
        for times in (self._requests, self._retries):
            self._forget_before(times, now - self._window)
        allowed = max(self._floor, self._ratio * len(self._requests))
        if len(self._retries) + 1 > allowed:
            return False
        self._retries.append(now)
        return True

    @staticmethod
    def _forget_before(times: deque[float], oldest: float) -> None:
        while times and times[0] <= oldest:
            times.popleft()
