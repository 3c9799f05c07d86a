"""A provider's documented rate limits, kept by the gateway so that it refuses a call before the
provider would.

Providers count calls per key (an Item, an account) over a window of a minute. A token bucket
refilled at that rate would let twice the limit through in the first minute after a quiet one,
so each key keeps the times of its calls in the window instead: at most `max_calls` numbers.

Keys are the provider's identifiers of a user, which may be secrets (an access token), so the
limiter keeps only a keyed hash of them, with a key of its own process. Keys idle the longest
are forgotten first once `max_keys` are kept; a key idle for a whole window has nothing left to
remember anyway.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable

_HASH_KEY = secrets.token_bytes(32)
"""Drawn per process: the hashes mean nothing outside it."""


class CallLimit:
    """At most `max_calls` calls per key in any `window_seconds`."""

    def __init__(
        self,
        max_calls: int,
        window_seconds: float,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_calls < 1 or window_seconds <= 0 or max_keys < 1:
            raise ValueError("a limit needs at least one call, a window and a key")
        self.max_calls = max_calls
        self.window_seconds = window_seconds
        self._max_keys = max_keys
        self._clock = clock
        self._calls: OrderedDict[bytes, deque[float]] = OrderedDict()

    def try_take(self, key: str) -> float | None:
        """Count a call for `key`: None when it is within the limit, else the seconds until
        one would be (the call is then not counted)."""
        now = self._clock()
        hashed = hashlib.blake2b(key.encode(), key=_HASH_KEY, digest_size=16).digest()
        calls = self._calls.pop(hashed, None)
        if calls is None:
            calls = deque()
        while calls and calls[0] <= now - self.window_seconds:
            calls.popleft()
        self._calls[hashed] = calls
        if len(self._calls) > self._max_keys:
            self._calls.popitem(last=False)
        if len(calls) >= self.max_calls:
            return calls[0] + self.window_seconds - now
        calls.append(now)
        return None

    @property
    def keys(self) -> int:
        """How many keys are remembered."""
        return len(self._calls)
