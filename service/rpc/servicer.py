"""The AggregatorService: each RPC finds the connection's adapter and delegates to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from aggregator.v1 import aggregator_service_pb2_grpc
from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    CancelOrderResponse,
    GetHoldingsRequest,
    GetHoldingsResponse,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
    GetPortfolioRequest,
    GetPortfolioResponse,
    ListInstitutionsRequest,
    ListInstitutionsResponse,
    PortfolioEntry,
    StreamPortfolioRequest,
    StreamPortfolioResponse,
)
from aggregator.v1.institution_pb2 import CancelRequirements, InstitutionInfo, ProviderInfo
from aggregator.v1.source_pb2 import PROVIDER_MESH, PROVIDER_MONEYKIT
from service.portfolio.orchestration import Outcome, Portfolio, shared_gateway_failure
from service.portfolio.summary import summarize
from service.providers.capabilities import PROVIDER_RPCS, Rpc, mesh_institution_rpcs
from service.providers.mesh.institutions import MESH_INSTITUTIONS
from service.providers.registry import ProviderRegistry

Context = grpc.aio.ServicerContext[object, object]


class AggregatorServicer(aggregator_service_pb2_grpc.AggregatorServiceServicer):
    """Thin by design: validation, upstream calls and conversions live in the adapters."""

    def __init__(self, registry: ProviderRegistry, portfolio: Portfolio) -> None:
        self._registry = registry
        self._portfolio = portfolio

    async def GetHoldingsValue(
        self, request: GetHoldingsValueRequest, context: Context
    ) -> GetHoldingsValueResponse:
        adapter = self._registry.for_connection(request.connection, Rpc.GET_HOLDINGS_VALUE)
        return await adapter.get_holdings_value(request)

    async def CancelOrder(
        self, request: CancelOrderRequest, context: Context
    ) -> CancelOrderResponse:
        adapter = self._registry.for_connection(request.connection, Rpc.CANCEL_ORDER)
        return await adapter.cancel_order(request)

    async def GetHoldings(
        self, request: GetHoldingsRequest, context: Context
    ) -> GetHoldingsResponse:
        adapter = self._registry.for_connection(request.connection, Rpc.GET_HOLDINGS)
        return await adapter.get_holdings(request)

    async def ListInstitutions(
        self, request: ListInstitutionsRequest, context: Context
    ) -> ListInstitutionsResponse:
        return LIST_INSTITUTIONS_RESPONSE

    async def GetPortfolio(
        self, request: GetPortfolioRequest, context: Context
    ) -> GetPortfolioResponse:
        connections = list(request.connections)
        adapters = self._portfolio.adapters(connections, Rpc.GET_PORTFOLIO)
        outcomes = [o async for o in self._portfolio.outcomes(connections, adapters)]
        failure = shared_gateway_failure(outcomes)
        if failure is not None:
            raise failure
        entries = _in_request_order(outcomes)
        return GetPortfolioResponse(entries=entries, summary=summarize(entries))

    async def StreamPortfolio(
        self, request: StreamPortfolioRequest, context: Context
    ) -> AsyncIterator[StreamPortfolioResponse]:
        connections = list(request.connections)
        adapters = self._portfolio.adapters(connections, Rpc.STREAM_PORTFOLIO)
        outcomes = []
        async for outcome in self._portfolio.outcomes(connections, adapters):
            outcomes.append(outcome)
            yield StreamPortfolioResponse(entry=outcome.entry)
        failure = shared_gateway_failure(outcomes)
        if failure is not None:
            raise failure
        yield StreamPortfolioResponse(summary=summarize(_in_request_order(outcomes)))


def _in_request_order(outcomes: list[Outcome]) -> list[PortfolioEntry]:
    return [o.entry for o in sorted(outcomes, key=lambda o: o.entry.connection_index)]


_PROVIDERS = {"mesh": PROVIDER_MESH, "moneykit": PROVIDER_MONEYKIT}

LIST_INSTITUTIONS_RESPONSE = ListInstitutionsResponse(
    institutions=[
        InstitutionInfo(
            institution=entry.institution,
            wire_name=entry.wire_name,
            display_name=entry.display_name,
            provider=PROVIDER_MESH,
            supports_holdings_value=Rpc.GET_HOLDINGS_VALUE in rpcs,
            supports_holdings=Rpc.GET_HOLDINGS in rpcs,
            supports_order_cancel=Rpc.CANCEL_ORDER in rpcs,
            supported_rpcs=[rpc.value for rpc in rpcs],
            cancel_requirements=CancelRequirements(
                side_required=entry.cancel_requires_side,
                symbol_pair_required=entry.cancel_requires_symbol_pair,
                mfa_code_may_be_required=entry.cancel_may_require_mfa_code,
            ),
        )
        for entry in MESH_INSTITUTIONS
        for rpcs in [mesh_institution_rpcs(entry.wire_name)]
    ],
    providers=[
        ProviderInfo(
            provider=_PROVIDERS[name],
            supported_rpcs=[rpc.value for rpc in Rpc if rpc in PROVIDER_RPCS[name]],
        )
        for name in sorted(PROVIDER_RPCS)
    ],
)
