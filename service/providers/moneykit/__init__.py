"""The MoneyKit adapter: investment holdings."""

from __future__ import annotations

from aggregator.v1.aggregator_service_pb2 import GetHoldingsRequest, GetHoldingsResponse
from service.providers.base import ProviderAdapter
from service.providers.moneykit import holdings
from service.providers.moneykit.client import MoneyKitClient


class MoneyKitAdapter(ProviderAdapter):
    name = "moneykit"

    def __init__(self, client: MoneyKitClient) -> None:
        self._client = client

    async def get_holdings(self, request: GetHoldingsRequest) -> GetHoldingsResponse:
        return await holdings.get_holdings(self._client, request)
