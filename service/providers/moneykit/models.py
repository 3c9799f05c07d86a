"""MoneyKit's JSON, typed. Amounts may be JSON numbers or decimal strings; both stay exact.

msgspec Structs rather than pydantic models: a holdings answer has thousands of entries, and
msgspec decodes and validates them (required fields, types) in one pass in C. Amounts are the
one type it is not left to decode: its own `Decimal` takes whatever `Decimal()` takes (`1_000`,
non-ASCII digits), so an `Amount` field reaches `decode_hook` with the JSON string, or the JSON
number as a `Decimal` made from its text (the decoder's `float_hook`, never a float), and is
read by `service.core.decimals.to_decimal`, the same rule as every other provider's amounts.
Times without a zone are UTC where MoneyKit writes them so (`__post_init__`). Unknown fields are
ignored: MoneyKit adds fields over API versions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from pydantic import BaseModel, ConfigDict

from service.core.decimals import to_decimal


class Amount(Decimal):
    """A MoneyKit amount, as exact as its text and within the bounds every amount keeps."""


class DateOrTime(datetime):
    """A time MoneyKit may write as a date alone (a balance's `2024-03-14`), meaning its
    midnight; msgspec's own datetimes are RFC 3339 date-times only."""


def decode_hook(kind: type, value: object) -> object:
    """How msgspec decodes the types it does not know (`Amount`, `DateOrTime`)."""
    if kind is Amount:
        return Amount(to_decimal(value))
    if kind is DateOrTime and isinstance(value, str):
        return DateOrTime.fromisoformat(value)
    raise NotImplementedError(f"cannot decode {kind.__name__}")


def _utc_if_zoneless(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo is not None else value.replace(tzinfo=UTC)


class AccessToken(msgspec.Struct):
    """The answer of `POST /auth/token`."""

    access_token: Annotated[str, msgspec.Meta(min_length=1)]
    expires_in: Annotated[int, msgspec.Meta(gt=0)]
    token_type: str = "bearer"  # noqa: S105 (a token type, not a secret)


class Holding(msgspec.Struct):
    account_id: str
    security_id: str
    quantity: Amount | None = None
    price: Amount | None = None
    price_datetime: datetime | None = None
    value: Amount | None = None
    cost_basis: Amount | None = None


class Security(msgspec.Struct):
    security_id: str
    name: str | None = None
    type: str | None = None
    currency: str | None = None
    ticker: str | None = None
    isin: str | None = None
    sedol: str | None = None
    close_price: Amount | None = None
    close_date: date | None = None
    close_datetime: datetime | None = None


class Balances(msgspec.Struct):
    currency: str | None = None
    available: Amount | None = None
    current: Amount | None = None
    limit: Amount | None = None
    balance_date: DateOrTime | None = None


class Account(msgspec.Struct):
    account_id: str
    account_type: str | None = None
    name: str | None = None
    account_mask: str | None = None
    balances: Balances | None = None


class ProductSettings(msgspec.Struct):
    required: bool = False
    prefetch: bool = False


class Product(msgspec.Struct):
    refreshed_at: datetime | None = None
    """A time MoneyKit may write without a zone (its examples do), meaning UTC: comparable with
    any other."""
    last_attempted_at: datetime | None = None
    error_code: str | None = None
    """Why the last refresh failed (`rate_limit`, `auth_expired`, ...); kept as text, so a code
    MoneyKit adds later is still read."""
    error_message: str | None = None
    settings: ProductSettings | None = None

    def __post_init__(self) -> None:
        self.refreshed_at = _utc_if_zoneless(self.refreshed_at)
        self.last_attempted_at = _utc_if_zoneless(self.last_attempted_at)


class Link(msgspec.Struct):
    link_id: str
    institution_id: str | None = None
    institution_name: str | None = None
    provider: str | None = None
    state: str | None = None
    error_code: str | None = None
    last_synced_at: datetime | None = None
    tags: list[str] = []
    products: dict[str, Product | None] = {}


class InvestmentHoldings(msgspec.Struct):
    """The answer of `GET /links/{id}/investments/holdings`."""

    link: Link
    holdings: list[Holding] = []
    securities: list[Security] = []
    accounts: list[Account] = []


class LinkAccount(Account):
    """An account of `GET /links/{id}/accounts` (the SDK's `AccountResponse`)."""

    nickname: str | None = None
    original_id: str | None = None
    closed: bool | None = None


class LinkAccounts(msgspec.Struct):
    """The answer of `GET /links/{id}/accounts`."""

    link: Link
    accounts: list[LinkAccount] = []


class InvestmentTransaction(msgspec.Struct):
    investment_transaction_id: str
    account_id: str
    # Named apart from the `date` and `datetime` types they hold.
    posted_on: date = msgspec.field(name="date")
    amount: Amount | None = None
    happened_at: datetime | None = msgspec.field(default=None, name="datetime")
    description: str | None = None
    type: str | None = None
    fees: Amount | None = None
    price: Amount | None = None
    quantity: Amount | None = None
    security_id: str | None = None

    def __post_init__(self) -> None:
        self.happened_at = _utc_if_zoneless(self.happened_at)


class InvestmentTransactions(msgspec.Struct):
    """The answer of `GET /links/{id}/investments/transactions`: one page of them."""

    total: Annotated[int, msgspec.Meta(ge=0)]
    link: Link
    page: int | None = None
    size: int | None = None
    investment_transactions: list[InvestmentTransaction] = []
    securities: list[Security] = []
    accounts: list[Account] = []


class ErrorBody(BaseModel):
    """MoneyKit's error body; extra fields (such as `link_error_code`) are kept as data, which
    pydantic's `extra="allow"` does and msgspec cannot. Error bodies are small and rare."""

    model_config = ConfigDict(extra="allow")

    error_code: str | None = None
    error_message: str | None = None
    documentation_url: str | None = None

    def extra_data(self) -> dict[str, Any]:
        return dict(self.model_extra or {})
