"""The in-process backend: one replica's state, in its own memory."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from service.state.buckets import TokenBucket
from service.state.windows import SlidingWindows, WindowRefusal, WindowSlot


class InProcessState:
    """State of this process only: right for one replica, and what `make run` uses.

    Values expire lazily: on every write the oldest are dropped while they have expired, and
    a read never returns an expired one. Not thread-safe: the gateway uses it from its one
    event loop.
    """

    name = "in-process"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._windows = SlidingWindows(clock=clock)
        self._values: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    async def take_token(self, key: str, rate_per_second: float, burst: float) -> float | None:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(rate_per_second, burst, self._clock)
        return bucket.try_take()

    async def take_slots(self, slots: Sequence[WindowSlot]) -> WindowRefusal | None:
        return self._windows.take(slots)

    async def claim(self, key: str, value: bytes, ttl_seconds: float) -> bytes | None:
        existing = self._live(key)
        if existing is not None:
            return existing
        self._store(key, value, ttl_seconds)
        return None

    async def get(self, key: str) -> bytes | None:
        return self._live(key)

    async def put(self, key: str, value: bytes, ttl_seconds: float) -> None:
        self._store(key, value, ttl_seconds)

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)

    async def aclose(self) -> None:
        self._values.clear()

    def _live(self, key: str) -> bytes | None:
        entry = self._values.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires <= self._clock():
            del self._values[key]
            return None
        return value

    def _store(self, key: str, value: bytes, ttl_seconds: float) -> None:
        now = self._clock()
        while self._values:
            oldest_key, (expires, _) = next(iter(self._values.items()))
            if expires > now:
                break
            del self._values[oldest_key]
        self._values.pop(key, None)
        self._values[key] = (now + ttl_seconds, value)
