"""A Mesh order (`B2BBrokerOrder`) as an `Order`, for the details, list and confirmed cancel.

Amounts are JSON numbers, read exactly; timestamps are Unix seconds. Every documented value of
`status`, `side`, `orderType`, `timeInForce` and `assetType` has its enum value; a value Mesh
adds later becomes `..._UNSPECIFIED` (the status also stays readable in `provider_status`) and
is logged once per process, so a new upstream value is noticed without flooding the logs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TypeVar

from google.protobuf.timestamp_pb2 import Timestamp

from aggregator.v1.order_pb2 import AssetType, Order, OrderSide, OrderStatus, OrderType, TimeInForce
from service.core.converters import decimal_field
from service.providers.mesh.models import BrokerOrder

logger = logging.getLogger(__name__)

Value = TypeVar("Value", bound=int)

STATUSES: Mapping[str, OrderStatus.ValueType] = {
    "unknown": OrderStatus.ORDER_STATUS_UNKNOWN,
    "inProgress": OrderStatus.ORDER_STATUS_IN_PROGRESS,
    "cancelled": OrderStatus.ORDER_STATUS_CANCELLED,
    "rejected": OrderStatus.ORDER_STATUS_REJECTED,
    "failed": OrderStatus.ORDER_STATUS_FAILED,
    "success": OrderStatus.ORDER_STATUS_FILLED,
    "partiallyFilled": OrderStatus.ORDER_STATUS_PARTIALLY_FILLED,
    "expired": OrderStatus.ORDER_STATUS_EXPIRED,
}
"""Mesh's `BrokerOrderStatus`, every documented value."""

FINAL_STATUSES = frozenset(
    {
        OrderStatus.ORDER_STATUS_CANCELLED,
        OrderStatus.ORDER_STATUS_FILLED,
        OrderStatus.ORDER_STATUS_REJECTED,
        OrderStatus.ORDER_STATUS_EXPIRED,
        OrderStatus.ORDER_STATUS_FAILED,
    }
)
"""Statuses an order never leaves; a partial fill may still fill or be cancelled."""

_SIDES: Mapping[str, OrderSide.ValueType] = {
    "unknown": OrderSide.ORDER_SIDE_UNSPECIFIED,
    "buy": OrderSide.ORDER_SIDE_BUY,
    "sell": OrderSide.ORDER_SIDE_SELL,
}
_ORDER_TYPES: Mapping[str, OrderType.ValueType] = {
    "unknown": OrderType.ORDER_TYPE_UNKNOWN,
    "market": OrderType.ORDER_TYPE_MARKET,
    "limit": OrderType.ORDER_TYPE_LIMIT,
    "stopLoss": OrderType.ORDER_TYPE_STOP_LOSS,
    "stopLimit": OrderType.ORDER_TYPE_STOP_LIMIT,
    "takeProfit": OrderType.ORDER_TYPE_TAKE_PROFIT,
    "netDebit": OrderType.ORDER_TYPE_NET_DEBIT,
    "netCredit": OrderType.ORDER_TYPE_NET_CREDIT,
    "exercise": OrderType.ORDER_TYPE_EXERCISE,
}
_TIMES_IN_FORCE: Mapping[str, TimeInForce.ValueType] = {
    "unknown": TimeInForce.TIME_IN_FORCE_UNKNOWN,
    "goodTillCanceled": TimeInForce.TIME_IN_FORCE_GOOD_TILL_CANCELED,
    "immediateOrCancel": TimeInForce.TIME_IN_FORCE_IMMEDIATE_OR_CANCEL,
    "fillOrKill": TimeInForce.TIME_IN_FORCE_FILL_OR_KILL,
    "goodForDay": TimeInForce.TIME_IN_FORCE_GOOD_FOR_DAY,
    "postOnly": TimeInForce.TIME_IN_FORCE_POST_ONLY,
}
_ASSET_TYPES: Mapping[str, AssetType.ValueType] = {
    "equity": AssetType.ASSET_TYPE_EQUITY,
    "cryptocurrency": AssetType.ASSET_TYPE_CRYPTOCURRENCY,
    "option": AssetType.ASSET_TYPE_OPTION,
    "nft": AssetType.ASSET_TYPE_NFT,
}


def to_order(order: BrokerOrder) -> Order:
    converted = Order(
        order_id=order.id or "",
        status=_known("status", STATUSES, order.status, OrderStatus.ORDER_STATUS_UNSPECIFIED),
        side=_known("side", _SIDES, order.side, OrderSide.ORDER_SIDE_UNSPECIFIED),
        symbol=order.symbol or "",
        order_type=_known(
            "orderType", _ORDER_TYPES, order.order_type, OrderType.ORDER_TYPE_UNSPECIFIED
        ),
        time_in_force=_known(
            "timeInForce",
            _TIMES_IN_FORCE,
            order.time_in_force,
            TimeInForce.TIME_IN_FORCE_UNSPECIFIED,
        ),
        asset_type=_known(
            "assetType", _ASSET_TYPES, order.asset_type, AssetType.ASSET_TYPE_UNSPECIFIED
        ),
        name=order.name or "",
        payment_symbol=order.payment_symbol or "",
        status_details=order.status_details or "",
        provider_status=order.status or "",
    )
    for name in ("amount", "price", "fee", "value"):
        decimal_field(converted, name, getattr(order, name))
    # The document does not make the timestamps nullable, so zero is how an absent one reads.
    if order.created_timestamp:
        converted.created_at.CopyFrom(Timestamp(seconds=order.created_timestamp))
    if order.updated_timestamp:
        converted.updated_at.CopyFrom(Timestamp(seconds=order.updated_timestamp))
    return converted


def _known(field: str, values: Mapping[str, Value], value: str | None, unspecified: Value) -> Value:
    if value is None:
        return unspecified
    known = values.get(value)
    if known is None:
        _UNKNOWN_VALUES.report(field, value)
        return unspecified
    return known


class _UnknownValues:
    """Logs each unknown value once; bounded, since an upstream could send endless new ones."""

    _LIMIT = 256

    def __init__(self) -> None:
        self._seen: set[tuple[str, str]] = set()

    def report(self, field: str, value: str) -> None:
        key = (field, value[:64])
        if key in self._seen or len(self._seen) >= self._LIMIT:
            return
        self._seen.add(key)
        logger.warning(
            "Mesh sent an order %s the gateway does not know: %r; it is reported as unspecified",
            field,
            key[1],
        )
        if len(self._seen) == self._LIMIT:
            logger.warning("further unknown Mesh order values are not logged")


_UNKNOWN_VALUES = _UnknownValues()
