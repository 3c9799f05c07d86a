"""Callers' rate limits, held in the shared state backend so that they hold across replicas.

A caller's token bucket lives in the backend under a keyed digest of its name: with Redis,
every replica takes from the same bucket. When the backend is unreachable each process falls
back to a bucket of its own with the caller's full rate (so N replicas then allow up to N
times the rate), counted in `aggregator_rate_limits_local_total`; reads keep being served.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from service.auth.callers import Caller
from service.core.errors import StateUnavailable
from service.observability import metrics
from service.state.backend import StateBackend
from service.state.buckets import TokenBucket
from service.state.keys import KeyedDigests

__all__ = ["CallerRateLimits", "TokenBucket"]


class CallerRateLimits:
    """Takes one token per call from its caller's bucket."""

    def __init__(
        self,
        backend: StateBackend,
        digests: KeyedDigests,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backend = backend
        self._digests = digests
        self._clock = clock
        self._local: dict[str, TokenBucket] = {}

    async def take(self, caller: Caller) -> float | None:
        """None when the call may go on, else the seconds until the caller's next token."""
        if caller.rate_per_second is None:
            return None
        burst = caller.burst if caller.burst is not None else max(1.0, caller.rate_per_second)
        key = self._digests.state_key("rate", caller.name.encode())
        try:
            return await self._backend.take_token(key, caller.rate_per_second, burst)
        except StateUnavailable:
            metrics.RATE_LIMITS_LOCAL.inc()
            bucket = self._local.get(caller.name)
            if bucket is None:
                bucket = TokenBucket(caller.rate_per_second, burst, self._clock)
                self._local[caller.name] = bucket
            return bucket.try_take()
