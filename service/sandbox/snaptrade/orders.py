"""The simulated orders (the same for every account) and what cancelling each does, in the two
shapes of SnapTrade's document: `AccountOrderRecord` (the order list, the recent orders) and
`AccountOrderRecordV2` (the order detail, which only knows orders placed through SnapTrade)."""

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from service.sandbox._json import JsonObject
from service.sandbox.snaptrade import triggers
from service.sandbox.snaptrade.datasets import stable_id


class OnCancel(Enum):
    CANCELS = "answers 200 and cancels"
    CANCELS_SLOWLY = "answers 200; CANCEL_PENDING on the first read, then CANCELED"
    STAYS_PENDING = "answers 200; CANCEL_PENDING on every read"
    REFUSES = "answers 400: the order is final"
    LOSES_ANSWER = "answers 500, yet cancels"
    FAILS = "answers 500 and does not cancel"


@dataclass(frozen=True)
class SimulatedOrder:
    order_id: str
    age: timedelta
    status: str
    on_cancel: OnCancel
    through_snaptrade: bool = True
    symbol: str = "AAPL"
    action: str = "BUY"
    quantity: str = "10"
    limit_price: str | None = "150.00"
    execution_price: str | None = None


ORDERS = (
    SimulatedOrder(triggers.ORDER_OPEN, timedelta(days=2), "PENDING", OnCancel.CANCELS),
    SimulatedOrder(
        triggers.ORDER_SLOW_CANCEL, timedelta(days=1), "ACCEPTED", OnCancel.CANCELS_SLOWLY
    ),
    SimulatedOrder(triggers.ORDER_STUCK, timedelta(days=3), "PENDING", OnCancel.STAYS_PENDING),
    SimulatedOrder(
        triggers.ORDER_EXTERNAL,
        timedelta(hours=2),
        "PENDING",
        OnCancel.CANCELS,
        through_snaptrade=False,
        symbol="VTI",
    ),
    SimulatedOrder(
        triggers.ORDER_FILLED,
        timedelta(days=10),
        "EXECUTED",
        OnCancel.REFUSES,
        action="SELL",
        quantity="5",
        limit_price=None,
        execution_price="190.25",
    ),
    SimulatedOrder(
        triggers.ORDER_LOST_ANSWER, timedelta(hours=1), "PENDING", OnCancel.LOSES_ANSWER
    ),
    SimulatedOrder(triggers.ORDER_FAILED_CANCEL, timedelta(hours=5), "PENDING", OnCancel.FAILS),
    SimulatedOrder(triggers.ORDER_REJECTED, timedelta(days=40), "REJECTED", OnCancel.REFUSES),
    SimulatedOrder(
        triggers.ORDER_OLD,
        timedelta(days=80),
        "EXECUTED",
        OnCancel.REFUSES,
        symbol="BTC",
        quantity="0.01234567",
        limit_price=None,
        execution_price="42000.10",
    ),
)
BY_ID = {order.order_id: order for order in ORDERS}


def order_named(order_id: str) -> SimulatedOrder | None:
    """The order of `order_id`: a listed one, none for the unknown trigger, and for any other id
    an open order placed through SnapTrade, so that any id but the trigger is answered
    normally."""
    if order_id == triggers.ORDER_UNKNOWN:
        return None
    return BY_ID.get(order_id) or SimulatedOrder(
        order_id, timedelta(days=1), "PENDING", OnCancel.CANCELS
    )


OPEN_STATUSES = frozenset({"PENDING", "ACCEPTED", "CANCEL_PENDING"})
_V2_LEG_STATUSES = {"ACCEPTED": "PENDING", "PENDING": "PENDING"}


class OrderBook:
    """Which orders each user and account cancelled, and how often each was read since."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reads_since_cancel: dict[tuple[str, str, str], int] = {}

    def reset(self) -> None:
        with self._lock:
            self._reads_since_cancel.clear()

    def cancel(self, user_id: str, account_id: str, order: SimulatedOrder) -> None:
        with self._lock:
            self._reads_since_cancel.setdefault((user_id, account_id, order.order_id), 0)

    def status(self, user_id: str, account_id: str, order: SimulatedOrder, *, reading: bool) -> str:
        key = (user_id, account_id, order.order_id)
        with self._lock:
            reads = self._reads_since_cancel.get(key)
            if reads is None:
                return order.status
            if reading:
                self._reads_since_cancel[key] = reads + 1
        match order.on_cancel:
            case OnCancel.CANCELS_SLOWLY:
                return "CANCEL_PENDING" if reads == 0 else "CANCELED"
            case OnCancel.STAYS_PENDING:
                return "CANCEL_PENDING"
        return "CANCELED"


def _time(now: datetime, order: SimulatedOrder) -> str:
    return (now - order.age).astimezone(UTC).isoformat().replace("+00:00", "Z")


def _currency() -> JsonObject:
    return {"id": stable_id("currency", "USD"), "code": "USD", "name": "US Dollar"}


def record(order: SimulatedOrder, status: str, now: datetime) -> JsonObject:
    """`AccountOrderRecord`."""
    executed = status == "EXECUTED"
    return {
        "brokerage_order_id": order.order_id,
        "status": status,
        "universal_symbol": {
            "id": stable_id("symbol", order.symbol),
            "symbol": order.symbol,
            "raw_symbol": order.symbol,
            "description": f"{order.symbol} (sandbox)",
            "currency": _currency(),
            "exchange": {"id": stable_id("exchange", "XNAS"), "code": "NASDAQ", "mic_code": "XNAS"},
            "type": {
                "id": stable_id("type", order.symbol),
                "code": "crypto" if order.symbol == "BTC" else "cs",
            },
            "currencies": [],
        },
        "option_symbol": None,
        "quote_universal_symbol": None,
        "quote_currency": _currency(),
        "action": order.action,
        "total_quantity": order.quantity,
        "open_quantity": "0" if executed or status == "CANCELED" else order.quantity,
        "canceled_quantity": order.quantity if status == "CANCELED" else "0",
        "filled_quantity": order.quantity if executed else "0",
        "execution_price": order.execution_price,
        "limit_price": order.limit_price,
        "stop_price": None,
        "order_type": "Limit" if order.limit_price is not None else "Market",
        "time_in_force": "Day",
        "time_placed": _time(now, order),
        "time_updated": None,
        "time_executed": _time(now, order) if executed else None,
        "expiry_date": None,
        "symbol": stable_id("brokerage-symbol", order.symbol),
        "child_brokerage_order_ids": None,
    }


def record_v2(order: SimulatedOrder, status: str, now: datetime) -> JsonObject:
    """`AccountOrderRecordV2`."""
    executed = status == "EXECUTED"
    return {
        "brokerage_order_id": order.order_id,
        "brokerage_group_order_id": None,
        "order_role": None,
        "status": status,
        "order_type": "Limit" if order.limit_price is not None else "Market",
        "time_in_force": "Day",
        "time_placed": _time(now, order),
        "time_executed": _time(now, order) if executed else None,
        "price_currency": "USD",
        "price_effect": "DEBIT" if order.action == "BUY" else "CREDIT",
        "execution_price": order.execution_price,
        "limit_price": order.limit_price,
        "stop_price": None,
        "trailing_stop": None,
        "legs": [
            {
                "leg_id": stable_id("leg", order.order_id),
                "instrument": {
                    "symbol": order.symbol,
                    "description": f"{order.symbol} (sandbox)",
                    "asset_type": "CRYPTO" if order.symbol == "BTC" else "EQUITY",
                    "exchange_mic_code": "XNAS",
                    "figi_code": None,
                },
                "action": order.action,
                "execution_price": order.execution_price,
                "total_quantity": order.quantity,
                "canceled_quantity": order.quantity if status == "CANCELED" else "0",
                "filled_quantity": order.quantity if executed else "0",
                "status": _V2_LEG_STATUSES.get(status, status),
            }
        ],
    }
