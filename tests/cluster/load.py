"""A steady, bounded load of reads through Envoy: a few callers, each calling one after the
other, every outcome counted."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

import grpc

from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from tests.e2e import requests

CALLERS = 8
MAX_CALLS_PER_CALLER = 4000
"""The bound: at about 20 calls/s per caller, far more than any test phase needs."""


@dataclass
class Load:
    target: str
    callers: int = CALLERS
    succeeded: int = 0
    failures: Counter[grpc.StatusCode] = field(default_factory=Counter)
    details: dict[grpc.StatusCode, str] = field(default_factory=dict)
    """The first failure's message for each code."""
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    def start(self) -> None:
        self._tasks = [asyncio.ensure_future(self._caller(n)) for n in range(self.callers)]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    async def until_succeeded(self, more: int) -> None:
        """Wait (60 s at most) until `more` further calls have succeeded."""
        target = self.succeeded + more
        async with asyncio.timeout(60):
            while self.succeeded < target:  # noqa: ASYNC110 (a counter, not an event)
                await asyncio.sleep(0.02)

    async def _caller(self, number: int) -> None:
        # A user of its own: identical reads in flight together would be coalesced by the
        # gateway into one upstream request, and upstream requests would no longer count calls.
        request = requests.holdings_value(f"cluster-user-{number}")
        async with grpc.aio.insecure_channel(self.target) as channel:
            stub = AggregatorServiceStub(channel)
            for _ in range(MAX_CALLS_PER_CALLER):
                if self._stop.is_set():
                    return
                try:
                    await stub.GetHoldingsValue(request, timeout=10)
                    self.succeeded += 1
                except grpc.aio.AioRpcError as error:
                    self.failures[error.code()] += 1
                    self.details.setdefault(error.code(), error.details() or "")
