"""What every provider adapter offers. The registry refuses, from
`service.providers.capabilities`, an RPC a provider lacks before an adapter is asked."""

from __future__ import annotations

from abc import ABC, abstractmethod

from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    CancelOrderResponse,
    GetHoldingsRequest,
    GetHoldingsResponse,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
)
from aggregator.v1.connection_pb2 import Connection
from aggregator.v1.source_pb2 import Provider
from service.core.errors import CapabilityMissing, FieldViolation


class ProviderAdapter(ABC):
    name: str
    provider: Provider.ValueType

    @abstractmethod
    def connection_violations(self, connection: Connection, field: str) -> list[FieldViolation]:
        """What is wrong with the connection itself, named under `field`."""

    @abstractmethod
    async def get_holdings_value(
        self, request: GetHoldingsValueRequest
    ) -> GetHoldingsValueResponse: ...

    @abstractmethod
    async def get_holdings(self, request: GetHoldingsRequest) -> GetHoldingsResponse: ...

    async def cancel_order(self, request: CancelOrderRequest) -> CancelOrderResponse:
        raise CapabilityMissing(
            "ORDER_CANCEL", "connection", f"CancelOrder does not serve {self.name} connections"
        )
