"""The order history every Mesh sandbox user has (B2BBrokerOrder), newest first.

The document's list example (three executed orders) with six more, so that every status but
`unknown` appears: nine orders, three pages of three. An order id outside the history reads as a
pending limit order, so any order a test cancels can be read back.
"""

from decimal import Decimal

from service.sandbox._json import JsonObject

PENDING_CREATED_AT = 1653300000
"""When every order outside the history was placed."""


def _order(
    order_id: str,
    status: str,
    created: int,
    updated: int,
    symbol: str,
    name: str,
    **fields: object,
) -> JsonObject:
    order: JsonObject = {
        "id": order_id,
        "side": "buy",
        "symbol": symbol,
        "name": name,
        "assetType": "equity",
        "paymentSymbol": "USD",
        "paymentType": "fiat",
        "createdTimestamp": created,
        "updatedTimestamp": updated,
        "status": status,
        "orderType": "market",
        "timeInForce": "goodTillCanceled",
        "transactionType": "order",
    }
    order.update(fields)  # type: ignore[arg-type]
    return order


_HISTORY: tuple[JsonObject, ...] = (
    # The document's list example, first of its three.
    _order(
        "17EC1243-D91A-48B6-B0CE-ECFDB134F8A0", "success", 1653215676, 1653215697, "AAPL",
        "APPLE INC", assetType="option", amount=Decimal("1"), price=Decimal("120"),
        value=Decimal("120"), timeInForce="goodForDay",
        optionDetails={
            "optionType": "call", "direction": "buyToOpen", "strikePrice": Decimal("200"),
            "expirationTimestamp": 1673215697, "numberOfSharesInContract": Decimal("100"),
            "complexOrderStrategyType": "NONE",
        },
    ),
    _order(
        "3C6A91D2-5B7E-4F08-9A1C-2D4E6F8A0B1C", "inProgress", 1653100000, 1653100000, "ETH",
        "Ethereum", side="sell", assetType="cryptocurrency", amount=Decimal("0.5"),
        price=Decimal("3250.75"), orderType="limit",
    ),
    _order(
        "8D2F4B6A-1C3E-4A5B-8C7D-9E0F1A2B3C4D", "cancelled", 1652800000, 1652800360, "TSLA",
        "TESLA INC", amount=Decimal("2"), price=Decimal("700.10"), orderType="limit",
        statusDetails="Cancelled by the user",
    ),
    # The document's second and third.
    _order(
        "F9E932AE-A780-42F3-B887-82D888D594E5", "success", 1651739676, 1651739781, "AAPL",
        "APPLE INC", side="sell", amount=Decimal("2"), price=Decimal("130"),
        value=Decimal("260"),
    ),
    _order(
        "9B5827E4-7D08-4A71-B4C0-B1B4E5562592", "success", 1651739676, 1651739781, "BTC",
        "Bitcoin", assetType="cryptocurrency", paymentSymbol="ETH", paymentType="cryptocurrency",
        amount=Decimal("0.3"), price=Decimal("18604.8197"), value=Decimal("5581.44591"),
        orderType="limit",
    ),
    _order(
        "2A4C6E8F-0B1D-4E3F-9A5B-7C9D1E3F5A7B", "partiallyFilled", 1651500000, 1651500900,
        "MSFT", "MICROSOFT CORP", amount=Decimal("4"), price=Decimal("280.015"),
        value=Decimal("1120.06"), fee=Decimal("0.01"), orderType="limit",
        statusDetails="4 of 10 shares filled",
    ),
    _order(
        "5E7A9C1B-3D5F-4B7A-8E9C-0A2B4C6D8E0F", "rejected", 1651000000, 1651000002, "DOGE",
        "Dogecoin", assetType="cryptocurrency", amount=Decimal("1000"),
        statusDetails="Insufficient buying power", timeInForce="immediateOrCancel",
    ),
    _order(
        "7B9D1F3A-5C7E-4D9F-8B1A-3C5E7A9B1D3F", "expired", 1650500000, 1650523400, "F",
        "FORD MOTOR CO", amount=Decimal("10"), price=Decimal("11.50"), orderType="stopLoss",
        timeInForce="goodForDay",
    ),
    _order(
        "0C2E4A6B-8D0F-4C2A-9E4B-6D8F0A2C4E6A", "failed", 1650000000, 1650000001, "SOL",
        "Solana", assetType="cryptocurrency", amount=Decimal("3"), timeInForce="fillOrKill",
        statusDetails="The institution did not execute the order",
    ),
)  # fmt: skip

DETAILS_EXAMPLE: JsonObject = {
    "id": "17EC1243-D91A-48B6-B0CE-ECFDB134F8A0",
    "side": "buy",
    "symbol": "AAPL",
    "assetType": "equity",
    "paymentType": "fiat",
    "amount": Decimal("1"),
    "price": Decimal("120"),
    "value": Decimal("120"),
    "createdTimestamp": 1653215676,
    "updatedTimestamp": 1653215697,
    "status": "success",
    "statusDetails": "",
    "brokerType": "robinhood",
    "transactionType": "order",
}
"""The details endpoint's example: the bare order, as the `sandbox-bare-order` trigger answers."""


def history(institution: str) -> list[JsonObject]:
    """The user's orders at `institution`, newest first."""
    return [{**order, "brokerType": institution} for order in _HISTORY]


def in_history(order_id: str, institution: str) -> JsonObject | None:
    for order in history(institution):
        if order["id"] == order_id:
            return order
    return None


def pending(order_id: str, institution: str, side: str | None, crypto: bool) -> JsonObject:
    """An order outside the history: a limit order still open."""
    symbol, name, price = ("BTC", "Bitcoin", "18604.8197") if crypto else ("AAPL", "APPLE", "120")
    return _order(
        order_id, "inProgress", PENDING_CREATED_AT, PENDING_CREATED_AT, symbol, name,
        side=side if side in ("buy", "sell") else "buy",
        assetType="cryptocurrency" if crypto else "equity", amount=Decimal("1"),
        price=Decimal(price), orderType="limit", brokerType=institution,
    )  # fmt: skip
