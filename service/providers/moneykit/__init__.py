"""The MoneyKit adapter: investment holdings, and the value the gateway computes from them."""

from __future__ import annotations

from aggregator.v1.aggregator_service_pb2 import (
    GetHoldingsRequest,
    GetHoldingsResponse,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
)
from aggregator.v1.connection_pb2 import Connection
from aggregator.v1.source_pb2 import PROVIDER_MONEYKIT
from service.core.errors import FieldViolation
from service.core.validation import Violations
from service.providers.base import ProviderAdapter
from service.providers.moneykit import holdings, holdings_value
from service.providers.moneykit.client import MoneyKitClient


class MoneyKitAdapter(ProviderAdapter):
    name = "moneykit"
    provider = PROVIDER_MONEYKIT

    def __init__(self, client: MoneyKitClient) -> None:
        self._client = client

    def connection_violations(self, connection: Connection, field: str) -> list[FieldViolation]:
        violations = Violations()
        violations.require_text(f"{field}.moneykit.link_id", connection.moneykit.link_id)
        return violations.collected

    async def get_holdings_value(
        self, request: GetHoldingsValueRequest
    ) -> GetHoldingsValueResponse:
        return await holdings_value.get_holdings_value(self._client, request)

    async def get_holdings(self, request: GetHoldingsRequest) -> GetHoldingsResponse:
        return await holdings.get_holdings(self._client, request)
