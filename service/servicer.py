"""The AggregatorService: each RPC finds the connection's adapter and delegates to it."""

from __future__ import annotations

import grpc

from aggregator.v1 import aggregator_service_pb2_grpc
from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    CancelOrderResponse,
    GetHoldingsRequest,
    GetHoldingsResponse,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
    ListInstitutionsRequest,
    ListInstitutionsResponse,
)
from aggregator.v1.institution_pb2 import CancelRequirements, InstitutionInfo
from service.providers.mesh.institutions import MESH_INSTITUTIONS
from service.providers.registry import ProviderRegistry

Context = grpc.aio.ServicerContext[object, object]


class AggregatorServicer(aggregator_service_pb2_grpc.AggregatorServiceServicer):
    """Thin by design: validation, upstream calls and conversions live in the adapters."""

    def __init__(self, registry: ProviderRegistry) -> None:
        self._registry = registry

    async def GetHoldingsValue(
        self, request: GetHoldingsValueRequest, context: Context
    ) -> GetHoldingsValueResponse:
        adapter = self._registry.for_connection(request.connection)
        return await adapter.get_holdings_value(request)

    async def CancelOrder(
        self, request: CancelOrderRequest, context: Context
    ) -> CancelOrderResponse:
        adapter = self._registry.for_connection(request.connection)
        return await adapter.cancel_order(request)

    async def GetHoldings(
        self, request: GetHoldingsRequest, context: Context
    ) -> GetHoldingsResponse:
        adapter = self._registry.for_connection(request.connection)
        return await adapter.get_holdings(request)

    async def ListInstitutions(
        self, request: ListInstitutionsRequest, context: Context
    ) -> ListInstitutionsResponse:
        return LIST_INSTITUTIONS_RESPONSE


LIST_INSTITUTIONS_RESPONSE = ListInstitutionsResponse(
    institutions=[
        InstitutionInfo(
            institution=entry.institution,
            wire_name=entry.wire_name,
            display_name=entry.display_name,
            supports_holdings_value=entry.supports_holdings_value,
            supports_order_cancel=entry.supports_order_cancel,
            cancel_requirements=CancelRequirements(
                side_required=entry.cancel_requires_side,
                symbol_pair_required=entry.cancel_requires_symbol_pair,
                mfa_code_may_be_required=entry.cancel_may_require_mfa_code,
            ),
        )
        for entry in MESH_INSTITUTIONS
    ]
)
