"""The AggregatorService: each RPC finds the connection's provider and runs its operation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from aggregator.v1 import aggregator_service_pb2_grpc
from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    CancelOrderResponse,
    GetBalancesRequest,
    GetBalancesResponse,
    GetHoldingsRequest,
    GetHoldingsResponse,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
    GetOrderRequest,
    GetOrderResponse,
    GetPortfolioRequest,
    GetPortfolioResponse,
    GetServerInfoRequest,
    GetServerInfoResponse,
    ListInstitutionsRequest,
    ListInstitutionsResponse,
    ListInvestmentTransactionsRequest,
    ListInvestmentTransactionsResponse,
    ListOrdersRequest,
    ListOrdersResponse,
    RefreshConnectionRequest,
    RefreshConnectionResponse,
    StreamPortfolioRequest,
    StreamPortfolioResponse,
)
from service.core import rpc_context
from service.core.rpcs import Rpc
from service.portfolio.orchestration import Portfolio
from service.portfolio.summary import in_request_order, summarize
from service.providers.registry import ProviderRegistry, requested_max_age
from service.rpc.idempotent_cancel import IdempotentCancels
from service.state.read_cache import ReadCache
from service.version import VERSION

Context = grpc.aio.ServicerContext[object, object]


class AggregatorServicer(aggregator_service_pb2_grpc.AggregatorServiceServicer):
    """Thin by design: validation, upstream calls and conversions live with the providers."""

    def __init__(
        self,
        registry: ProviderRegistry,
        portfolio: Portfolio,
        institutions: ListInstitutionsResponse,
        cancels: IdempotentCancels,
        reads: ReadCache,
    ) -> None:
        self._registry = registry
        self._portfolio = portfolio
        self._institutions = institutions
        self._cancels = cancels
        self._reads = reads

    async def GetHoldingsValue(
        self, request: GetHoldingsValueRequest, context: Context
    ) -> GetHoldingsValueResponse:
        adapter = self._registry.for_connection(request.connection, Rpc.GET_HOLDINGS_VALUE)
        return await self._reads.read(
            request,
            requested_max_age(request),
            adapter.get_holdings_value,
            GetHoldingsValueResponse,
        )

    async def CancelOrder(
        self, request: CancelOrderRequest, context: Context
    ) -> CancelOrderResponse:
        adapter = self._registry.for_connection(request.connection, Rpc.CANCEL_ORDER)
        rpc = rpc_context.current()
        caller = rpc.caller if rpc is not None else "-"
        return await self._cancels.cancel(request, caller, adapter.cancel_order)

    async def GetHoldings(
        self, request: GetHoldingsRequest, context: Context
    ) -> GetHoldingsResponse:
        adapter = self._registry.for_connection(request.connection, Rpc.GET_HOLDINGS)
        return await self._reads.read(
            request, requested_max_age(request), adapter.get_holdings, GetHoldingsResponse
        )

    async def ListInstitutions(
        self, request: ListInstitutionsRequest, context: Context
    ) -> ListInstitutionsResponse:
        return self._institutions

    async def GetPortfolio(
        self, request: GetPortfolioRequest, context: Context
    ) -> GetPortfolioResponse:
        entries = [
            e
            async for e in self._portfolio.entries(request.connections, Rpc.GET_PORTFOLIO, request)
        ]
        return GetPortfolioResponse(entries=in_request_order(entries), summary=summarize(entries))

    async def StreamPortfolio(
        self, request: StreamPortfolioRequest, context: Context
    ) -> AsyncIterator[StreamPortfolioResponse]:
        entries = []
        async for entry in self._portfolio.entries(
            request.connections, Rpc.STREAM_PORTFOLIO, request
        ):
            entries.append(entry)
            yield StreamPortfolioResponse(entry=entry)
        yield StreamPortfolioResponse(summary=summarize(entries))

    async def GetOrder(self, request: GetOrderRequest, context: Context) -> GetOrderResponse:
        adapter = self._registry.for_connection(request.connection, Rpc.GET_ORDER)
        return await adapter.get_order(request)

    async def ListOrders(self, request: ListOrdersRequest, context: Context) -> ListOrdersResponse:
        adapter = self._registry.for_connection(request.connection, Rpc.LIST_ORDERS)
        return await adapter.list_orders(request)

    async def RefreshConnection(
        self, request: RefreshConnectionRequest, context: Context
    ) -> RefreshConnectionResponse:
        adapter = self._registry.for_connection(request.connection, Rpc.REFRESH_CONNECTION)
        return await adapter.refresh_connection(request)

    async def GetBalances(
        self, request: GetBalancesRequest, context: Context
    ) -> GetBalancesResponse:
        adapter = self._registry.for_connection(request.connection, Rpc.GET_BALANCES)
        return await self._reads.read(
            request, requested_max_age(request), adapter.get_balances, GetBalancesResponse
        )

    async def ListInvestmentTransactions(
        self, request: ListInvestmentTransactionsRequest, context: Context
    ) -> ListInvestmentTransactionsResponse:
        adapter = self._registry.for_connection(
            request.connection, Rpc.LIST_INVESTMENT_TRANSACTIONS
        )
        return await adapter.list_investment_transactions(request)

    async def GetServerInfo(
        self, request: GetServerInfoRequest, context: Context
    ) -> GetServerInfoResponse:
        return GetServerInfoResponse(version=VERSION)
