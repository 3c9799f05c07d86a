"""Portfolios: many connections of any providers at once, each failing on its own.

Every connection is validated before any upstream call; then the connections are fetched
concurrently (bounded), each into its own entry with its data or its own error. Entries come
out as they complete, so a slow connection never holds back a fast one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from google.rpc import status_pb2

from aggregator.v1.aggregator_service_pb2 import (
    EntryError,
    GetHoldingsRequest,
    GetHoldingsValueRequest,
    PortfolioData,
    PortfolioEntry,
)
from aggregator.v1.connection_pb2 import Connection
from service.core.converters import to_result_envelope
from service.core.errors import (
    CapabilityMissing,
    CircuitOpen,
    FieldViolation,
    GatewayError,
    InvalidRequest,
    UpstreamError,
)
from service.providers.base import ProviderAdapter
from service.providers.capabilities import Rpc, mesh_institution_supports
from service.providers.mesh.institutions import by_enum
from service.providers.registry import ProviderRegistry
from service.rpc.status import internal_rpc_status, to_rpc_status

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """One connection's entry, and the gateway error behind it when it failed."""

    entry: PortfolioEntry
    error: GatewayError | None


class Portfolio:
    def __init__(self, registry: ProviderRegistry, max_connections: int, concurrency: int):
        self._registry = registry
        self._max_connections = max_connections
        self._concurrency = concurrency

    def adapters(self, connections: Sequence[Connection], rpc: Rpc) -> list[ProviderAdapter]:
        """Each connection's adapter; INVALID_ARGUMENT naming every bad connection field."""
        violations: list[FieldViolation] = []
        missing: list[CapabilityMissing] = []
        if not connections:
            violations.append(FieldViolation("connections", "at least one is required"))
        if len(connections) > self._max_connections:
            violations.append(
                FieldViolation("connections", f"at most {self._max_connections} are allowed")
            )
        adapters = []
        for index, connection in enumerate(connections):
            field = f"connections[{index}]"
            try:
                adapter = self._registry.for_connection(connection, rpc, field)
            except CapabilityMissing as error:
                missing.append(error)
                continue
            except InvalidRequest as error:
                violations.extend(error.violations)
                continue
            violations.extend(adapter.connection_violations(connection, field))
            adapters.append(adapter)
        if missing and not violations and len({error.reason for error in missing}) == 1:
            raise CapabilityMissing(
                missing[0].capability,
                missing[0].violations[0].field,
                "; ".join(error.message for error in missing),
            )
        violations.extend(v for error in missing for v in error.violations)
        if violations:
            raise InvalidRequest(violations)
        return adapters

    async def outcomes(
        self, connections: Sequence[Connection], adapters: Sequence[ProviderAdapter]
    ) -> AsyncIterator[Outcome]:
        """Each connection's outcome, in the order they complete."""
        slots = asyncio.Semaphore(self._concurrency)
        tasks = [
            asyncio.ensure_future(self._outcome(index, connection, adapter, slots))
            for index, (connection, adapter) in enumerate(zip(connections, adapters, strict=True))
        ]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _outcome(
        self,
        index: int,
        connection: Connection,
        adapter: ProviderAdapter,
        slots: asyncio.Semaphore,
    ) -> Outcome:
        entry = PortfolioEntry(connection_index=index, provider=adapter.provider)
        if connection.HasField("mesh"):
            entry.institution = connection.mesh.institution
        else:
            entry.link_id = connection.moneykit.link_id
        async with slots:
            try:
                entry.data.CopyFrom(await _data(connection, adapter))
            except GatewayError as error:
                entry.error.CopyFrom(_entry_error(to_rpc_status(error)))
                if isinstance(error, UpstreamError):
                    entry.envelope.CopyFrom(to_result_envelope(error.context.envelope))
                return Outcome(entry, error)
            except Exception:
                logger.exception("unexpected failure of portfolio connection %d", index)
                entry.error.CopyFrom(_entry_error(internal_rpc_status()))
                return Outcome(entry, None)
        return Outcome(entry, None)


def _entry_error(status: status_pb2.Status) -> EntryError:
    # EntryError has google.rpc.Status's fields and numbers, so the bytes carry over as they are.
    return EntryError.FromString(status.SerializeToString())


async def _data(connection: Connection, adapter: ProviderAdapter) -> PortfolioData:
    """The holdings and value of a connection, as far as its institution supports them."""
    wants_holdings = wants_value = True
    if connection.HasField("mesh"):
        institution = by_enum(connection.mesh.institution)
        assert institution is not None
        wants_holdings = mesh_institution_supports(Rpc.GET_HOLDINGS, institution.wire_name)
        wants_value = mesh_institution_supports(Rpc.GET_HOLDINGS_VALUE, institution.wire_name)
    data = PortfolioData()
    holdings = value = None
    if wants_holdings:
        holdings = asyncio.ensure_future(
            adapter.get_holdings(GetHoldingsRequest(connection=connection))
        )
    if wants_value:
        value = asyncio.ensure_future(
            adapter.get_holdings_value(GetHoldingsValueRequest(connection=connection))
        )
    tasks = [task for task in (holdings, value) if task is not None]
    try:
        await asyncio.gather(*tasks)
    finally:
        # The first failure fails the entry; the other request is not worth finishing.
        for task in tasks:
            task.cancel()
    if holdings is not None:
        data.holdings.CopyFrom(holdings.result())
    if value is not None:
        data.value.CopyFrom(value.result())
    return data


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
