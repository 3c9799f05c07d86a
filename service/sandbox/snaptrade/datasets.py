"""The simulated accounts' positions, balances and details, in the shapes of SnapTrade's
document (`AllAccountPositionsResponse`, `Balance`, `Account`). Decimals are strings where the
document says `format: decimal` and JSON numbers where it says `number`, as SnapTrade sends them."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from service.sandbox._json import JsonObject, JsonValue
from service.sandbox.snaptrade import triggers

_NAMESPACE = uuid.UUID("6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f")


def stable_id(*parts: str) -> str:
    """A UUID that is the same for the same parts on every run."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def _listed(kind: str, symbol: str, description: str, currency: str, exchange: str) -> JsonObject:
    return {
        "kind": kind,
        "id": stable_id("instrument", symbol),
        "symbol": symbol,
        "raw_symbol": symbol,
        "description": description,
        "currency": currency,
        "exchange": exchange,
        "figi_instrument": None,
    }


def _position(
    instrument: JsonObject,
    units: str,
    price: str,
    cost_basis: str | None,
    currency: str,
    **extra: JsonValue,
) -> JsonObject:
    return {
        "instrument": instrument,
        "units": units,
        "price": price,
        "cost_basis": cost_basis,
        "currency": currency,
        **extra,
    }


_AAPL = _listed("stock", "AAPL", "Apple Inc.", "USD", "XNAS")
_AAPL_CALL: JsonObject = {
    "kind": "option",
    "id": stable_id("instrument", "AAPL  261218C00240000"),
    "symbol": "AAPL  261218C00240000",
    "option_type": "CALL",
    "strike_price": "240",
    "expiration_date": "2026-12-18",
    "multiplier": "100",
    "description": "AAPL Dec 18 2026 240 CALL",
    "underlying": _AAPL,
}

BROKERAGE_POSITIONS: list[JsonValue] = [
    _position(_AAPL, "10.5", "123.45", "118.2", "USD"),
    _position(
        _listed("etf", "VTI", "Vanguard Total Stock Market ETF", "USD", "ARCX"),
        "3",
        "250.10",
        "200.05",
        "USD",
    ),
    _position(
        _listed("mutualfund", "VFIAX", "Vanguard 500 Index Fund Admiral", "USD", "XNAS"),
        "1.234",
        "450.00",
        "400.00",
        "USD",
        cash_equivalent=False,
    ),
    _position(
        _listed("mutualfund", "SPAXX", "Fidelity Government Money Market", "USD", "XNAS"),
        "500",
        "1.00",
        "1.00",
        "USD",
        cash_equivalent=True,
    ),
    _position(
        _listed("crypto", "BTC", "Bitcoin", "USD", "COINBASE"),
        "0.12345678",
        "60000.00",
        "30000.00",
        "USD",
    ),
    _position(_AAPL_CALL, "2", "5.10", "3.25", "USD"),
]

TWO_CURRENCY_POSITIONS: list[JsonValue] = [
    _position(
        _listed("stock", "SHOP", "Shopify Inc.", "CAD", "XTSE"), "4", "105.20", "90.00", "CAD"
    ),
    _position(_AAPL, "2", "123.45", None, "USD"),
]


def positions(account_id: str, now: datetime) -> JsonObject:
    results = (
        TWO_CURRENCY_POSITIONS
        if account_id == triggers.SNAPTRADE_TWO_CURRENCY_ACCOUNT
        else BROKERAGE_POSITIONS
    )
    return {
        "results": results,
        "data_freshness": {"as_of": now.astimezone(UTC).isoformat().replace("+00:00", "Z")},
    }


def _balance(code: str, name: str, cash: str, buying_power: str | None) -> JsonObject:
    return {
        "currency": {"id": stable_id("currency", code), "code": code, "name": name},
        "cash": Decimal(cash),
        "buying_power": None if buying_power is None else Decimal(buying_power),
    }


def balances(account_id: str) -> list[JsonValue]:
    if account_id == triggers.SNAPTRADE_TWO_CURRENCY_ACCOUNT:
        return [
            _balance("CAD", "Canadian Dollar", "1250.55", "1250.55"),
            _balance("USD", "US Dollar", "-20.10", None),
        ]
    return [_balance("USD", "US Dollar", "300.71", "410.71")]


def authorization_of(account_id: str) -> str:
    return stable_id("authorization", account_id)


def account(account_id: str) -> JsonObject:
    two_currency = account_id == triggers.SNAPTRADE_TWO_CURRENCY_ACCOUNT
    return {
        "id": account_id,
        "brokerage_authorization": authorization_of(account_id),
        "name": "Questrade Margin" if two_currency else "Robinhood Individual",
        "number": "Q6542138443" if two_currency else "5FUVPB0",
        "institution_name": "Questrade" if two_currency else "Robinhood",
        "created_date": "2024-07-23T22:51:12.142Z",
        "sync_status": {
            "transactions": {"initial_sync_completed": True, "last_successful_sync": "2024-07-23"},
            "holdings": {
                "initial_sync_completed": True,
                "last_successful_sync": "2024-07-23T18:42:46.561408+00:00",
            },
        },
        "balance": {"total": {"amount": Decimal("15363.23"), "currency": "USD"}},
        "status": "open",
        "raw_type": "Margin",
        "is_paper": False,
    }
