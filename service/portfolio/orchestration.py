"""Portfolios: many connections of any providers at once, each failing on its own.

Every connection is validated before any upstream call; then the connections are fetched
concurrently (bounded), each into its own outcome: its data or its error. Outcomes come out as
they complete, so a slow connection never holds back a fast one. The RPC edge turns each outcome
into a portfolio entry (`EntryOf`), so errors become statuses there, as for every other RPC.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from aggregator.v1.aggregator_service_pb2 import (
    Freshness,
    GetPortfolioRequest,
    PortfolioData,
    PortfolioEntry,
    StreamPortfolioRequest,
)
from aggregator.v1.connection_pb2 import Connection
from service.core.errors import (
    CapabilityMissing,
    CircuitOpen,
    GatewayError,
    InvalidRequest,
    UpstreamError,
)
from service.core.rpcs import Rpc
from service.core.validation import Violations
from service.providers.operation import Step, run_together
from service.providers.registry import ProviderAdapter, ProviderRegistry, requested_max_age
from service.state.read_cache import ReadCache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """One connection's data, or why it has none."""

    index: int
    connection: Connection
    adapter: ProviderAdapter
    data: PortfolioData | None = None
    error: GatewayError | None = None
    """None with no data: the gateway failed unexpectedly (logged), not the upstream."""


EntryOf = Callable[[Outcome], PortfolioEntry]


class Portfolio:
    def __init__(
        self,
        registry: ProviderRegistry,
        max_connections: int,
        concurrency: int,
        entry_of: EntryOf,
        reads: ReadCache,
    ) -> None:
        self._registry = registry
        self._max_connections = max_connections
        self._concurrency = concurrency
        self._entry_of = entry_of
        self._reads = reads

    async def entries(
        self,
        connections: Sequence[Connection],
        rpc: Rpc,
        request: GetPortfolioRequest | StreamPortfolioRequest | None = None,
    ) -> AsyncIterator[PortfolioEntry]:
        """Each connection's entry, in the order they complete; `request`'s `max_age` applies
        to every connection.

        Fails as a whole only before any upstream call (invalid input), or at the end when every
        connection failed for the same reason on the gateway's side.
        """
        # INVALID_ARGUMENT before any upstream call.
        max_age = requested_max_age(request) if request is not None else None
        adapters = self._adapters(connections, rpc)
        outcomes: list[Outcome] = []
        async for outcome in self._outcomes(connections, adapters, _Reading(request, max_age)):
            outcomes.append(outcome)
            yield self._entry_of(outcome)
        failure = shared_gateway_failure(outcomes)
        if failure is not None:
            raise failure

    def _adapters(self, connections: Sequence[Connection], rpc: Rpc) -> list[ProviderAdapter]:
        """Each connection's adapter; INVALID_ARGUMENT naming every bad connection field."""
        violations = Violations()
        missing: list[CapabilityMissing] = []
        if not connections:
            violations.add("connections", "at least one is required")
        if len(connections) > self._max_connections:
            violations.add("connections", f"at most {self._max_connections} are allowed")
        adapters = []
        for index, connection in enumerate(connections):
            field = f"connections[{index}]"
            try:
                adapter = self._registry.for_connection(connection, rpc, field)
            except CapabilityMissing as error:
                missing.append(error)
                continue
            except InvalidRequest as error:
                for violation in error.violations:
                    violations.add(violation.field, violation.description)
                continue
            adapter.declaration.validate_connection(connection, violations, field)
            adapters.append(adapter)
        found = violations.collected
        if missing and not found and len({error.reason for error in missing}) == 1:
            raise CapabilityMissing(
                missing[0].capability,
                missing[0].violations[0].field,
                "; ".join(error.message for error in missing),
            )
        found.extend(v for error in missing for v in error.violations)
        if found:
            raise InvalidRequest(found)
        return adapters

    async def _outcomes(
        self,
        connections: Sequence[Connection],
        adapters: Sequence[ProviderAdapter],
        reading: _Reading,
    ) -> AsyncIterator[Outcome]:
        slots = asyncio.Semaphore(self._concurrency)
        tasks = [
            asyncio.ensure_future(_outcome(index, connection, adapter, slots, reading, self._reads))
            for index, (connection, adapter) in enumerate(zip(connections, adapters, strict=True))
        ]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


@dataclass(frozen=True)
class _Reading:
    """What a portfolio request asks of every connection's data."""

    request: GetPortfolioRequest | StreamPortfolioRequest | None
    max_age: timedelta | None


async def _outcome(
    index: int,
    connection: Connection,
    adapter: ProviderAdapter,
    slots: asyncio.Semaphore,
    reading: _Reading,
    reads: ReadCache,
) -> Outcome:
    async with slots:
        try:
            data = await _data(connection, adapter, reading, reads)
            return Outcome(index, connection, adapter, data=data)
        except GatewayError as error:
            return Outcome(index, connection, adapter, error=error)
        except Exception:
            logger.exception("unexpected failure of portfolio connection %d", index)
            return Outcome(index, connection, adapter)


async def _data(
    connection: Connection, adapter: ProviderAdapter, reading: _Reading, reads: ReadCache
) -> PortfolioData:
    """The holdings and value of a connection, as far as its provider serves them: each from
    the read cache when the request's `max_age` allows (the entries a GetHoldings or
    GetHoldingsValue of the connection keeps), else live, refreshed first when the provider
    caches them and they are older than `max_age`."""
    steps = adapter.portfolio_steps(connection)
    data = PortfolioData()
    live = await _not_cached(steps, data, reading.max_age, reads)
    if not live:
        return data
    freshness = (
        await adapter.refresh_if_older(connection, reading.request)
        if reading.request is not None
        else Freshness.FRESHNESS_UNSPECIFIED
    )
    responses = await run_together(adapter.client, list(live.values()))
    for field, response in zip(live, responses, strict=True):
        getattr(data, field).CopyFrom(reads.stamp(response))
    if "holdings" in live:
        # The holdings say how fresh they are, as a GetHoldings answer would.
        data.holdings.freshness = freshness
    if reading.max_age is not None:
        await asyncio.gather(
            *(reads.keep(step.request, getattr(data, field)) for field, step in live.items())
        )
    return data


async def _not_cached(
    steps: dict[str, Step], data: PortfolioData, max_age: timedelta | None, reads: ReadCache
) -> dict[str, Step]:
    """The steps the cache has no answer for within `max_age`; the others' answers go in
    `data`."""
    if max_age is None:
        return steps
    cached = await asyncio.gather(
        *(
            reads.lookup(step.request, max_age, type(getattr(data, field)))
            for field, step in steps.items()
        )
    )
    live = {}
    for (field, step), answer in zip(steps.items(), cached, strict=True):
        if answer is None:
            live[field] = step
        else:
            getattr(data, field).CopyFrom(answer)
    return live


def shared_gateway_failure(outcomes: Sequence[Outcome]) -> GatewayError | None:
    """The error to fail the whole call with: only when every connection failed for the same
    reason on the gateway's side (not configured, overloaded, out of time, circuit open)."""
    errors = [outcome.error for outcome in outcomes]
    if not errors or any(error is None for error in errors):
        return None
    reasons = {error.reason for error in errors if error is not None}
    first = errors[0]
    gateway_side = not isinstance(first, UpstreamError) or isinstance(first, CircuitOpen)
    return first if len(reasons) == 1 and gateway_side else None
