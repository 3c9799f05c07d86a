"""A bulkhead per provider: at most N upstream calls at once, and a bounded waiting line."""

from __future__ import annotations

import asyncio
from types import TracebackType

from service.core.errors import UpstreamOverloaded


class Bulkhead:
    def __init__(self, provider: str, max_concurrent: int, max_waiting: int) -> None:
        self._provider = provider
        self._slots = asyncio.Semaphore(max_concurrent)
        self._max_waiting = max_waiting
        self._waiting = 0

    def slot(self) -> Bulkhead:
        """Hold one of the provider's slots (`async with`); fail at once when the waiting line
        is full. The bulkhead is its own context manager: no generator per call."""
        return self

    async def __aenter__(self) -> None:
        if self._slots.locked():
            if self._waiting >= self._max_waiting:
                raise UpstreamOverloaded(self._provider)
            self._waiting += 1
            try:
                await self._slots.acquire()
            finally:
                self._waiting -= 1
        else:
            await self._slots.acquire()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._slots.release()
