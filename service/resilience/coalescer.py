"""Identical concurrent reads share one upstream request.

The key identifies the provider, the connection and the parameters, the user's credentials
included, so two users never share data. The shared request runs on its own task: a caller
that leaves does not cancel it for the others, and it is cancelled once every caller has left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from service.observability import metrics

logger = logging.getLogger(__name__)

Result = TypeVar("Result")


@dataclass
class _Shared(Generic[Result]):
    task: asyncio.Task[Result]
    callers: int = field(default=0)


class Coalescer:
    def __init__(self, provider: str) -> None:
        self._provider = provider
        self._in_flight: dict[Hashable, _Shared[Any]] = {}
        self.coalesced = 0
        """How many calls joined a request already in flight."""

    async def run(self, key: Hashable, work: Callable[[], Awaitable[Result]]) -> Result:
        shared = cast("_Shared[Result] | None", self._in_flight.get(key))
        if shared is None:
            shared = _Shared(asyncio.ensure_future(work()))
            self._in_flight[key] = shared
            shared.task.add_done_callback(lambda _: self._forget(key, shared))
        else:
            self.coalesced += 1
            metrics.COALESCED.labels(self._provider).inc()
            logger.debug("coalesced an identical read into the one in flight")
        shared.callers += 1
        try:
            return await asyncio.shield(shared.task)
        finally:
            shared.callers -= 1
            if shared.callers == 0 and not shared.task.done():
                # Forget it now, not when it finishes: a caller arriving meanwhile starts afresh.
                self._forget(key, shared)
                shared.task.cancel()

    def _forget(self, key: Hashable, shared: _Shared[Any]) -> None:
        if self._in_flight.get(key) is shared:
            del self._in_flight[key]
