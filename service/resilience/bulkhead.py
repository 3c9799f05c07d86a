"""A bulkhead per provider: at most N upstream calls at once, and a bounded waiting line."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from service.core.errors import UpstreamOverloaded


class Bulkhead:
    def __init__(self, provider: str, max_concurrent: int, max_waiting: int) -> None:
        self._provider = provider
        self._slots = asyncio.Semaphore(max_concurrent)
        self._max_waiting = max_waiting
        self._waiting = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the provider's slots; fail at once when the waiting line is full."""
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
        try:
            yield
        finally:
            self._slots.release()
