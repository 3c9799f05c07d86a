"""MoneyKit's JSON, typed. Amounts may be JSON numbers or decimal strings; both stay exact."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from service.core.decimals import ExactDecimal


def _utc_if_zoneless(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_utc_if_zoneless)]
"""A time MoneyKit may write without a zone (its examples do), meaning UTC: comparable with
any other."""


class ResponseModel(BaseModel):
    """Unknown fields are ignored: MoneyKit adds fields over API versions."""

    model_config = ConfigDict(extra="ignore")


class AccessToken(ResponseModel):
    """The answer of `POST /auth/token`."""

    access_token: str = Field(min_length=1)
    token_type: str = "bearer"  # noqa: S105 (a token type, not a secret)
    expires_in: int = Field(gt=0)


class Holding(ResponseModel):
    account_id: str
    security_id: str
    quantity: ExactDecimal | None = None
    price: ExactDecimal | None = None
    price_datetime: datetime | None = None
    value: ExactDecimal | None = None
    cost_basis: ExactDecimal | None = None


class Security(ResponseModel):
    security_id: str
    name: str | None = None
    type: str | None = None
    currency: str | None = None
    ticker: str | None = None
    isin: str | None = None
    sedol: str | None = None
    close_price: ExactDecimal | None = None
    close_date: date | None = None
    close_datetime: datetime | None = None


class Balances(ResponseModel):
    currency: str | None = None
    available: ExactDecimal | None = None
    current: ExactDecimal | None = None
    limit: ExactDecimal | None = None
    balance_date: datetime | None = None


class Account(ResponseModel):
    account_id: str
    account_type: str | None = None
    name: str | None = None
    account_mask: str | None = None
    balances: Balances | None = None


class ProductSettings(ResponseModel):
    required: bool = False
    prefetch: bool = False


class Product(ResponseModel):
    refreshed_at: UtcDatetime | None = None
    last_attempted_at: UtcDatetime | None = None
    error_code: str | None = None
    """Why the last refresh failed (`rate_limit`, `auth_expired`, ...); kept as text, so a code
    MoneyKit adds later is still read."""
    error_message: str | None = None
    settings: ProductSettings | None = None


class Link(ResponseModel):
    link_id: str
    institution_id: str | None = None
    institution_name: str | None = None
    provider: str | None = None
    state: str | None = None
    error_code: str | None = None
    last_synced_at: datetime | None = None
    tags: list[str] = Field(default_factory=list)
    products: dict[str, Product | None] = Field(default_factory=dict)


class InvestmentHoldings(ResponseModel):
    """The answer of `GET /links/{id}/investments/holdings`."""

    holdings: list[Holding] = Field(default_factory=list)
    securities: list[Security] = Field(default_factory=list)
    accounts: list[Account] = Field(default_factory=list)
    link: Link


class LinkAccount(Account):
    """An account of `GET /links/{id}/accounts` (the SDK's `AccountResponse`)."""

    nickname: str | None = None
    original_id: str | None = None
    closed: bool | None = None


class LinkAccounts(ResponseModel):
    """The answer of `GET /links/{id}/accounts`."""

    accounts: list[LinkAccount] = Field(default_factory=list)
    link: Link


class InvestmentTransaction(ResponseModel):
    investment_transaction_id: str
    account_id: str
    amount: ExactDecimal | None = None
    # Named apart from the `date` and `datetime` types they hold.
    posted_on: date = Field(alias="date")
    happened_at: UtcDatetime | None = Field(default=None, alias="datetime")
    description: str | None = None
    type: str | None = None
    fees: ExactDecimal | None = None
    price: ExactDecimal | None = None
    quantity: ExactDecimal | None = None
    security_id: str | None = None


class InvestmentTransactions(ResponseModel):
    """The answer of `GET /links/{id}/investments/transactions`: one page of them."""

    total: int = Field(ge=0)
    page: int | None = None
    size: int | None = None
    investment_transactions: list[InvestmentTransaction] = Field(default_factory=list)
    securities: list[Security] = Field(default_factory=list)
    accounts: list[Account] = Field(default_factory=list)
    link: Link


class ErrorBody(ResponseModel):
    """MoneyKit's error body; extra fields (such as `link_error_code`) are kept as data."""

    model_config = ConfigDict(extra="allow")

    error_code: str | None = None
    error_message: str | None = None
    documentation_url: str | None = None

    def extra_data(self) -> dict[str, Any]:
        return dict(self.model_extra or {})
