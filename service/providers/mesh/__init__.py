"""The Mesh adapter: holdings value, holdings and order cancel."""

from __future__ import annotations

from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    CancelOrderResponse,
    GetHoldingsRequest,
    GetHoldingsResponse,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
)
from aggregator.v1.connection_pb2 import Connection
from aggregator.v1.source_pb2 import PROVIDER_MESH
from service.core.errors import FieldViolation
from service.core.validation import Violations
from service.providers.base import ProviderAdapter
from service.providers.mesh import cancel_order, holdings, holdings_value
from service.providers.mesh.client import MeshClient
from service.providers.mesh.connection import validate_connection


class MeshAdapter(ProviderAdapter):
    name = "mesh"
    provider = PROVIDER_MESH

    def __init__(self, client: MeshClient) -> None:
        self._client = client

    def connection_violations(self, connection: Connection, field: str) -> list[FieldViolation]:
        violations = Violations()
        validate_connection(connection.mesh, violations, f"{field}.mesh")
        return violations.collected

    async def get_holdings_value(
        self, request: GetHoldingsValueRequest
    ) -> GetHoldingsValueResponse:
        return await holdings_value.get_holdings_value(self._client, request)

    async def get_holdings(self, request: GetHoldingsRequest) -> GetHoldingsResponse:
        return await holdings.get_holdings(self._client, request)

    async def cancel_order(self, request: CancelOrderRequest) -> CancelOrderResponse:
        return await cancel_order.cancel_order(self._client, request)
