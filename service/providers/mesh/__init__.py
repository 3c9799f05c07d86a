"""The Mesh adapter: holdings value and order cancel."""

from __future__ import annotations

from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    CancelOrderResponse,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
)
from service.providers.base import ProviderAdapter
from service.providers.mesh import cancel_order, holdings_value
from service.providers.mesh.client import MeshClient


class MeshAdapter(ProviderAdapter):
    name = "mesh"

    def __init__(self, client: MeshClient) -> None:
        self._client = client

    async def get_holdings_value(
        self, request: GetHoldingsValueRequest
    ) -> GetHoldingsValueResponse:
        return await holdings_value.get_holdings_value(self._client, request)

    async def cancel_order(self, request: CancelOrderRequest) -> CancelOrderResponse:
        return await cancel_order.cancel_order(self._client, request)
