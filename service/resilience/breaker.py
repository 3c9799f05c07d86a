"""A circuit breaker per provider, like Envoy's consecutive-failure outlier detection.

After `threshold` consecutive failed attempts the circuit opens: calls fail fast with no
upstream traffic. After the cool-down one probe is let through; its success closes the
circuit, its failure opens it for another cool-down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from enum import StrEnum

from service.observability import metrics

logger = logging.getLogger(__name__)


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


_GAUGE = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}


class CircuitBreaker:
    def __init__(
        self,
        provider: str,
        threshold: int,
        cooldown_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._provider = provider
        self._threshold = threshold
        self._cooldown = cooldown_seconds
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False
        metrics.BREAKER_STATE.labels(provider).set(_GAUGE[self._state])

    @property
    def state(self) -> BreakerState:
        return self._state

    def seconds_until_probe(self) -> float | None:
        """None when a call may go upstream now; otherwise how long until the next probe."""
        if self._threshold == 0 or self._state is BreakerState.CLOSED:
            return None
        if self._state is BreakerState.OPEN:
            wait = self._opened_at + self._cooldown - self._clock()
            if wait > 0:
                return wait
            self._change(BreakerState.HALF_OPEN)
        if self._probe_in_flight:
            return self._cooldown
        self._probe_in_flight = True
        return None

    def record_success(self) -> None:
        self._failures = 0
        self._probe_in_flight = False
        if self._state is not BreakerState.CLOSED:
            self._change(BreakerState.CLOSED)

    def abandon_probe(self) -> None:
        """The attempt ended without an answer; let the next call probe instead."""
        self._probe_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        self._probe_in_flight = False
        if self._threshold == 0:
            return
        if self._state is BreakerState.HALF_OPEN or self._failures >= self._threshold:
            self._opened_at = self._clock()
            if self._state is not BreakerState.OPEN:
                self._change(BreakerState.OPEN)

    def _change(self, state: BreakerState) -> None:
        metrics.BREAKER_STATE.labels(self._provider).set(_GAUGE[state])
        logger.warning(
            "circuit breaker provider=%s state=%s consecutive_failures=%d",
            self._provider,
            state.value,
            self._failures,
        )
        self._state = state
