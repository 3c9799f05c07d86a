"""A token bucket: the arithmetic of every rate limit (a caller's, a log line's), in-process."""

from __future__ import annotations

import time
from collections.abc import Callable

_EPSILON = 1e-9
"""Tokens short of a whole one by less than this count as whole (float rounding in refills)."""


class TokenBucket:
    """Holds up to `burst` tokens, refilled at `rate_per_second`; each call takes one.

    The bucket starts full. Not thread-safe: the gateway uses it from its one event loop.
    """

    def __init__(
        self,
        rate_per_second: float,
        burst: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not rate_per_second > 0:
            raise ValueError("rate_per_second must be positive")
        if not burst >= 1:
            raise ValueError("burst must be at least 1, or no call could ever pass")
        self._rate = rate_per_second
        self._burst = burst
        self._clock = clock
        self._tokens = burst
        self._updated = clock()

    def try_take(self) -> float | None:
        """Take a token: None when one was there, else the seconds until one will be."""
        now = self._clock()
        if now > self._updated:
            self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
            self._updated = now
        if self._tokens >= 1 - _EPSILON:
            self._tokens -= 1
            return None
        return (1 - self._tokens) / self._rate
