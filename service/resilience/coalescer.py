"""Identical concurrent reads share one upstream request.

The key identifies the provider, the connection and the parameters, the user's credentials
included, so two users never share data.

The first caller runs the read in its own task, and callers arriving while it is in flight
wait for its answer (or its error). Most reads share with nobody, so they pay for nothing
more than a dictionary entry: no task of their own, no shield. A joined caller that leaves
changes nothing for the others. When the first caller leaves, its read is cancelled with it,
and the callers that joined run the read again, the first of them for the rest: a read,
never a side effect, so sending it twice is safe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar, cast

from service.observability import metrics

logger = logging.getLogger(__name__)

Result = TypeVar("Result")


class _FirstCallerLeft(Exception):
    """The read the joined callers waited for was cancelled with the caller running it."""


class _InFlight(Generic[Result]):
    """A read in flight; the future its joined callers wait on exists once one joins."""

    __slots__ = ("_joined",)

    def __init__(self) -> None:
        self._joined: asyncio.Future[Result] | None = None

    def join(self) -> asyncio.Future[Result]:
        if self._joined is None:
            self._joined = asyncio.get_running_loop().create_future()
        return self._joined

    def answered(self, result: Result) -> None:
        if self._joined is not None and not self._joined.done():
            self._joined.set_result(result)

    def failed(self, error: BaseException) -> None:
        if self._joined is not None and not self._joined.done():
            self._joined.set_exception(error)


class Coalescer:
    def __init__(self, provider: str) -> None:
        self._provider = provider
        self._in_flight: dict[Hashable, _InFlight[Any]] = {}
        self.coalesced = 0
        """How many calls joined a request already in flight."""

    async def run(self, key: Hashable, work: Callable[[], Awaitable[Result]]) -> Result:
        in_flight = cast("_InFlight[Result] | None", self._in_flight.get(key))
        if in_flight is not None:
            return await self._join(key, in_flight, work)
        in_flight = self._in_flight[key] = _InFlight()
        try:
            result = await work()
        except asyncio.CancelledError:
            self._forget(key, in_flight)
            in_flight.failed(_FirstCallerLeft())
            raise
        except BaseException as error:
            self._forget(key, in_flight)
            in_flight.failed(error)
            raise
        self._forget(key, in_flight)
        in_flight.answered(result)
        return result

    async def _join(
        self, key: Hashable, in_flight: _InFlight[Result], work: Callable[[], Awaitable[Result]]
    ) -> Result:
        self.coalesced += 1
        metrics.COALESCED.labels(self._provider).inc()
        logger.debug("coalesced an identical read into the one in flight")
        try:
            # Shielded: one joined caller leaving must not cancel the answer the others await.
            return await asyncio.shield(in_flight.join())
        except _FirstCallerLeft:
            return await self.run(key, work)

    def _forget(self, key: Hashable, in_flight: _InFlight[Any]) -> None:
        if self._in_flight.get(key) is in_flight:
            del self._in_flight[key]
