"""The protocol of a shared state backend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from service.state.windows import WindowRefusal, WindowSlot


class StateBackend(Protocol):
    """State that every replica must see alike. Keys are digests (`KeyedDigests`), values
    opaque bytes (sealed by their users).

    Every method raises `StateUnavailable` when the backend cannot be reached; what it was
    asked to do is then not done.
    """

    name: str
    """`in-process` or `redis`, for logs."""

    async def take_token(self, key: str, rate_per_second: float, burst: float) -> float | None:
        """Take a token from the bucket `key` (up to `burst` tokens, refilled at
        `rate_per_second`, full when new): None when one was there, else the seconds until one
        will be."""
        ...

    async def take_slots(self, slots: Sequence[WindowSlot]) -> WindowRefusal | None:
        """Count one call in each sliding window of `slots`, atomically and all or none: None
        when every window had room, else which was full and the seconds until all would
        have."""
        ...

    async def claim(self, key: str, value: bytes, ttl_seconds: float) -> bytes | None:
        """Store `value` under `key` for `ttl_seconds` unless the key holds a value already:
        None when this call stored it, else the value already there (left as it is)."""
        ...

    async def get(self, key: str) -> bytes | None:
        """The value under `key`, or None when there is none (or it expired)."""
        ...

    async def put(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Store `value` under `key` for `ttl_seconds`, replacing what was there."""
        ...

    async def delete(self, key: str) -> None:
        """Forget `key`."""
        ...

    async def aclose(self) -> None:
        """Release the backend's connections."""
        ...
