"""SnapTrade's order records as the gateway's `Order`.

SnapTrade has no "open" status: `PENDING` and every state before a final one (accepted,
queued, triggered, waiting for a cancel or a replace, ...) is `ORDER_STATUS_IN_PROGRESS`.
A status SnapTrade adds later is `ORDER_STATUS_UNSPECIFIED`, logged, and kept as written in
`provider_status`. The order list and recent orders give records of one shape
(`AccountOrderRecord`), the order detail another (`AccountOrderRecordV2`, with legs); the
symbol, side and quantities of a V2 record are its first leg's.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from aggregator.v1.order_pb2 import AssetType, Order, OrderSide, OrderStatus, OrderType, TimeInForce
from service.core.converters import decimal_field, to_timestamp
from service.core.decimals import exact_product
from service.providers.snaptrade.models import OrderRecord, OrderRecordV2

logger = logging.getLogger(__name__)

STATUSES: dict[str, OrderStatus.ValueType] = {
    "NONE": OrderStatus.ORDER_STATUS_UNKNOWN,
    **dict.fromkeys(
        (
            "PENDING",
            "ACCEPTED",
            "QUEUED",
            "TRIGGERED",
            "ACTIVATED",
            "PENDING_RISK_REVIEW",
            "CONTINGENT_ORDER",
            "CANCEL_PENDING",
            "REPLACE_PENDING",
            "STOPPED",
            "SUSPENDED",
        ),
        OrderStatus.ORDER_STATUS_IN_PROGRESS,
    ),
    "PARTIAL": OrderStatus.ORDER_STATUS_PARTIALLY_FILLED,
    "PARTIALLY_EXECUTED": OrderStatus.ORDER_STATUS_PARTIALLY_FILLED,
    "EXECUTED": OrderStatus.ORDER_STATUS_FILLED,
    "CANCELED": OrderStatus.ORDER_STATUS_CANCELLED,
    # Partly filled, the rest cancelled: nothing more will happen to it.
    "PARTIAL_CANCELED": OrderStatus.ORDER_STATUS_CANCELLED,
    # Superseded by a new order, which has its own id.
    "REPLACED": OrderStatus.ORDER_STATUS_CANCELLED,
    "REJECTED": OrderStatus.ORDER_STATUS_REJECTED,
    "FAILED": OrderStatus.ORDER_STATUS_FAILED,
    "EXPIRED": OrderStatus.ORDER_STATUS_EXPIRED,
}
"""Every status of `AccountOrderRecordStatus` and `AccountOrderRecordStatusV2`."""

FINAL = frozenset(
    {
        OrderStatus.ORDER_STATUS_CANCELLED,
        OrderStatus.ORDER_STATUS_REJECTED,
        OrderStatus.ORDER_STATUS_FAILED,
        OrderStatus.ORDER_STATUS_FILLED,
        OrderStatus.ORDER_STATUS_EXPIRED,
    }
)

_ORDER_TYPES: dict[str, OrderType.ValueType] = {
    "market": OrderType.ORDER_TYPE_MARKET,
    "limit": OrderType.ORDER_TYPE_LIMIT,
    "stop": OrderType.ORDER_TYPE_STOP_LOSS,
    "stoploss": OrderType.ORDER_TYPE_STOP_LOSS,
    "stopmarket": OrderType.ORDER_TYPE_STOP_LOSS,
    "stoplimit": OrderType.ORDER_TYPE_STOP_LIMIT,
}

_TIMES_IN_FORCE: dict[str, TimeInForce.ValueType] = {
    "day": TimeInForce.TIME_IN_FORCE_GOOD_FOR_DAY,
    "gtc": TimeInForce.TIME_IN_FORCE_GOOD_TILL_CANCELED,
    "fok": TimeInForce.TIME_IN_FORCE_FILL_OR_KILL,
    "ioc": TimeInForce.TIME_IN_FORCE_IMMEDIATE_OR_CANCEL,
}

_LEG_ASSET_TYPES: dict[str, AssetType.ValueType] = {
    "EQUITY": AssetType.ASSET_TYPE_EQUITY,
    "OPTION": AssetType.ASSET_TYPE_OPTION,
    "CRYPTO": AssetType.ASSET_TYPE_CRYPTOCURRENCY,
}


def status_of(provider_status: str | None) -> OrderStatus.ValueType:
    if provider_status is None:
        return OrderStatus.ORDER_STATUS_UNSPECIFIED
    status = STATUSES.get(provider_status.upper())
    if status is None:
        logger.warning("SnapTrade reported an order status the gateway does not know")
        return OrderStatus.ORDER_STATUS_UNSPECIFIED
    return status


def is_final(order: Order) -> bool:
    return order.status in FINAL


def from_record(record: OrderRecord) -> Order:
    """An order of the order list or of the recent orders."""
    symbol = record.universal_symbol
    currency = record.quote_currency or (symbol.currency if symbol is not None else None)
    order = _base(
        record.brokerage_order_id,
        record.status,
        record.action,
        record.order_type,
        record.time_in_force,
        record.time_placed,
        record.time_updated or record.time_executed,
    )
    if record.option_symbol is not None:
        order.symbol = record.option_symbol.ticker or ""
        order.asset_type = AssetType.ASSET_TYPE_OPTION
    elif symbol is not None:
        order.symbol = symbol.symbol or ""
        order.name = symbol.description or ""
        kind = symbol.type.code if symbol.type is not None else None
        order.asset_type = (
            AssetType.ASSET_TYPE_CRYPTOCURRENCY
            if (kind or "").lower() == "crypto"
            else AssetType.ASSET_TYPE_EQUITY
        )
    order.payment_symbol = (currency.code if currency is not None else None) or ""
    _amounts(order, record.total_quantity, record.filled_quantity, record.execution_price)
    if not order.HasField("price"):
        decimal_field(order, "price", record.limit_price)
    return order


def from_record_v2(record: OrderRecordV2) -> Order:
    """An order of the order detail."""
    leg = record.legs[0] if record.legs else None
    order = _base(
        record.brokerage_order_id,
        record.status,
        leg.action if leg is not None else None,
        record.order_type,
        record.time_in_force,
        record.time_placed,
        record.time_executed,
    )
    order.payment_symbol = record.price_currency or ""
    if leg is not None and leg.instrument is not None:
        order.symbol = leg.instrument.symbol or ""
        order.name = leg.instrument.description or ""
        order.asset_type = _LEG_ASSET_TYPES.get(
            (leg.instrument.asset_type or "").upper(), AssetType.ASSET_TYPE_UNSPECIFIED
        )
    _amounts(
        order,
        leg.total_quantity if leg is not None else None,
        leg.filled_quantity if leg is not None else None,
        record.execution_price,
    )
    if not order.HasField("price"):
        decimal_field(order, "price", record.limit_price)
    return order


def _base(
    order_id: str | None,
    status: str | None,
    action: str | None,
    order_type: str | None,
    time_in_force: str | None,
    created: datetime | None,
    updated: datetime | None,
) -> Order:
    side = (action or "").upper()
    return Order(
        order_id=order_id or "",
        status=status_of(status),
        provider_status=status or "",
        side=(
            OrderSide.ORDER_SIDE_BUY
            if side.startswith("BUY")
            else OrderSide.ORDER_SIDE_SELL
            if side.startswith("SELL")
            else OrderSide.ORDER_SIDE_UNSPECIFIED
        ),
        order_type=_ORDER_TYPES.get(_word(order_type), OrderType.ORDER_TYPE_UNSPECIFIED),
        time_in_force=_TIMES_IN_FORCE.get(
            _word(time_in_force), TimeInForce.TIME_IN_FORCE_UNSPECIFIED
        ),
        created_at=to_timestamp(created),
        updated_at=to_timestamp(updated),
    )


def _word(text: str | None) -> str:
    return "".join(character for character in (text or "").lower() if character.isalpha())


def _amounts(
    order: Order,
    quantity: Decimal | None,
    filled: Decimal | None,
    execution_price: Decimal | None,
) -> None:
    decimal_field(order, "amount", quantity)
    decimal_field(order, "price", execution_price)
    if filled is not None and execution_price is not None:
        decimal_field(order, "value", exact_product(filled, execution_price))
