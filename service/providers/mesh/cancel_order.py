"""Mesh `POST /api/v1/transactions/cancel`: cancel a pending order. It has side effects."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from aggregator.v1.aggregator_service_pb2 import CancelOrderRequest, CancelOrderResponse
from aggregator.v1.order_pb2 import OrderSide
from service.core.converters import to_result_envelope
from service.core.errors import CredentialsRejected
from service.core.validation import Violations
from service.providers.mesh.connection import validate_connection
from service.providers.mesh.models import ApiResult, CancelOrderBody
from service.providers.mesh.responses import envelope_of, read_result
from service.providers.operation import Operation, UpstreamRequest
from service.providers.upstream import UpstreamCall, UpstreamResponse

CALL = UpstreamCall(provider="mesh", operation="cancel_order", has_side_effects=True)
PATH = "/api/v1/transactions/cancel"
UNAUTHORIZED = (
    CredentialsRejected,
    "Mesh rejected the credentials: either the user's auth token is not valid (reconnect the "
    "account) or the gateway's client id or secret is wrong.",
)

_SIDES: dict[OrderSide.ValueType, Literal["buy", "sell"]] = {
    OrderSide.ORDER_SIDE_BUY: "buy",
    OrderSide.ORDER_SIDE_SELL: "sell",
}


def build(request: CancelOrderRequest) -> UpstreamRequest:
    violations = Violations()
    institution = validate_connection(request.connection.mesh, violations)
    violations.require_text("order_id", request.order_id)
    side = _SIDES.get(request.side)
    if request.side != OrderSide.ORDER_SIDE_UNSPECIFIED and side is None:
        violations.add("side", f"{request.side} is not a known order side")
    if institution is not None:
        if institution.cancel_requirements.side_required and side is None:
            violations.add("side", f"must be buy or sell to cancel at {institution.display_name}")
        if institution.cancel_requirements.symbol_pair_required and not request.symbol_pair.strip():
            violations.add("symbol_pair", f"is required to cancel at {institution.display_name}")
    violations.raise_if_any()
    assert institution is not None
    body = CancelOrderBody(
        auth_token=request.connection.mesh.auth_token,
        type=institution.wire_name,
        id=request.order_id,
        is_cryptocurrency=request.is_cryptocurrency,
        side=side,
        symbol_pair=request.symbol_pair or None,
        mfa_code=request.mfa_code or None,
    )
    return UpstreamRequest("POST", PATH, json_body=body.to_json_bytes())


def read(response: UpstreamResponse) -> ApiResult:
    return read_result(response, ApiResult, CALL, UNAUTHORIZED)


def convert(result: ApiResult, received_at: datetime) -> CancelOrderResponse:
    return CancelOrderResponse(result=to_result_envelope(envelope_of(result)))


OPERATION = Operation(CALL, build, read, convert)
