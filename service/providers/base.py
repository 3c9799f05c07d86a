"""What every provider adapter offers; an operation a provider lacks is refused up front."""

from __future__ import annotations

from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    CancelOrderResponse,
    GetHoldingsRequest,
    GetHoldingsResponse,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
)
from service.errors import FieldViolation, InvalidRequest


class ProviderAdapter:
    """Base of the adapters. Each overrides the operations its provider supports."""

    name = "provider"

    async def get_holdings_value(
        self, request: GetHoldingsValueRequest
    ) -> GetHoldingsValueResponse:
        raise self._unsupported("GetHoldingsValue")

    async def cancel_order(self, request: CancelOrderRequest) -> CancelOrderResponse:
        raise self._unsupported("CancelOrder")

    async def get_holdings(self, request: GetHoldingsRequest) -> GetHoldingsResponse:
        raise self._unsupported("GetHoldings")

    def _unsupported(self, rpc: str) -> InvalidRequest:
        return InvalidRequest(
            [FieldViolation("connection", f"{rpc} does not support {self.name} connections yet")]
        )
