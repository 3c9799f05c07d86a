"""The body that names one order (`TransactionsB2BBrokerOrderRequest`), shared by the cancel and
details endpoints, and what Mesh's 401 means on the order endpoints.

Both endpoints take the same schema, so the institution's cancel requirements (`side` at
Coinbase, `symbolPair` for the Binance family, OKX and bitFlyer) hold for reading an order too.
"""

from __future__ import annotations

from typing import Literal, Protocol

from aggregator.v1.connection_pb2 import Connection
from aggregator.v1.order_pb2 import OrderSide
from service.core.errors import CredentialsRejected
from service.core.validation import Violations
from service.providers.mesh.connection import validate_connection
from service.providers.mesh.models import CancelOrderBody

ORDER_CREDENTIALS_REJECTED = (
    CredentialsRejected,
    "Mesh rejected the credentials: either the user's auth token is not valid (reconnect the "
    "account) or the gateway's client id or secret is wrong.",
)
"""HTTP 401 on the order endpoints: the document says either credential may be the wrong one."""

_SIDES: dict[OrderSide.ValueType, Literal["buy", "sell"]] = {
    OrderSide.ORDER_SIDE_BUY: "buy",
    OrderSide.ORDER_SIDE_SELL: "sell",
}


class OrderReference(Protocol):
    """The fields `CancelOrderRequest` and `GetOrderRequest` share."""

    @property
    def connection(self) -> Connection: ...
    @property
    def order_id(self) -> str: ...
    @property
    def is_cryptocurrency(self) -> bool: ...
    @property
    def side(self) -> OrderSide.ValueType: ...
    @property
    def symbol_pair(self) -> str: ...
    @property
    def mfa_code(self) -> str: ...


def order_body(request: OrderReference, purpose: str) -> CancelOrderBody:
    """The body naming the request's order; `purpose` ("cancel", "read an order") words the
    violations of the institution's requirements."""
    violations = Violations()
    institution = validate_connection(request.connection.mesh, violations)
    violations.require_text("order_id", request.order_id)
    side = _SIDES.get(request.side)
    if request.side != OrderSide.ORDER_SIDE_UNSPECIFIED and side is None:
        violations.add("side", f"{request.side} is not a known order side")
    if institution is not None:
        requirements = institution.cancel_requirements
        if requirements.side_required and side is None:
            violations.add(
                "side", f"must be buy or sell to {purpose} at {institution.display_name}"
            )
        if requirements.symbol_pair_required and not request.symbol_pair.strip():
            violations.add("symbol_pair", f"is required to {purpose} at {institution.display_name}")
    violations.raise_if_any()
    assert institution is not None
    return CancelOrderBody(
        auth_token=request.connection.mesh.auth_token,
        type=institution.wire_name,
        id=request.order_id,
        is_cryptocurrency=request.is_cryptocurrency,
        side=side,
        symbol_pair=request.symbol_pair or None,
        mfa_code=request.mfa_code or None,
    )
