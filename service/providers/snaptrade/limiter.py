"""SnapTrade's per-client limit, kept by the gateway so that it refuses before SnapTrade would.

SnapTrade counts the requests of a client id over the trailing 60 seconds (a rolling window,
not a refilling bucket), so the gateway does the same: a request passes when fewer than the
limit were sent in the last minute.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0


class RollingMinuteLimit:
    """At most `limit` requests in any 60 seconds. Not thread-safe: one event loop uses it."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1, or no request could ever pass")
        self._limit = limit
        self._clock = clock
        self._sent: deque[float] = deque()

    def try_take(self) -> float | None:
        """Count one request: None when it may go now, else the seconds until one may."""
        now = self._clock()
        while self._sent and self._sent[0] <= now - WINDOW_SECONDS:
            self._sent.popleft()
        if len(self._sent) < self._limit:
            self._sent.append(now)
            return None
        return self._sent[0] + WINDOW_SECONDS - now
