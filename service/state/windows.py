"""Sliding windows: the arithmetic of a provider's documented limits ("at most N requests per
key in any minute"), in-process.

A token bucket refilled at N a minute would let 2N through in the first minute after a quiet
one, which the provider would refuse, so each key keeps the times of its calls in the window
instead: at most N numbers.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from typing import NamedTuple


class WindowSlot(NamedTuple):
    """One call to count under `key`, allowed while fewer than `max_calls` were counted there
    in the last `window_seconds`."""

    key: str
    max_calls: int
    window_seconds: float


class WindowRefusal(NamedTuple):
    """Why a call was not counted: the slot (its index) that was full, and the seconds until
    every slot of the call would have room."""

    slot: int
    wait_seconds: float


class SlidingWindows:
    """The call times of each key in its window. Keys idle the longest are forgotten first once
    `max_keys` are kept (a key idle for a whole window has nothing left to remember). Not
    thread-safe: the gateway uses it from its one event loop."""

    def __init__(self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic):
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._max_keys = max_keys
        self._clock = clock
        self._calls: OrderedDict[str, deque[float]] = OrderedDict()

    def take(self, slots: Sequence[WindowSlot]) -> WindowRefusal | None:
        """Count the call in every slot, or in none: None when each had room."""
        now = self._clock()
        refusal: WindowRefusal | None = None
        windows = []
        for index, slot in enumerate(slots):
            if slot.max_calls < 1 or slot.window_seconds <= 0:
                raise ValueError("a window needs at least one call and a length")
            calls = self._calls.pop(slot.key, None) or deque()
            while calls and calls[0] <= now - slot.window_seconds:
                calls.popleft()
            self._calls[slot.key] = calls
            windows.append(calls)
            if len(calls) >= slot.max_calls:
                wait = calls[len(calls) - slot.max_calls] + slot.window_seconds - now
                if refusal is None or wait > refusal.wait_seconds:
                    refusal = WindowRefusal(index, wait)
        while len(self._calls) > self._max_keys:
            self._calls.popitem(last=False)
        if refusal is None:
            for calls in windows:
                calls.append(now)
        return refusal

    @property
    def keys(self) -> int:
        """How many keys are remembered."""
        return len(self._calls)
