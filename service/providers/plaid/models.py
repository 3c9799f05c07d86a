"""Plaid's JSON, typed: request bodies exactly as documented (2020-09-14), answers tolerant of
the fields Plaid adds. Amounts are JSON numbers and stay exact."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.core.decimals import ExactDecimal


class RequestBody(BaseModel):
    """A Plaid request body: exactly the documented properties."""

    model_config = ConfigDict(extra="forbid")

    def to_json_bytes(self) -> bytes:
        # Options the caller left out are omitted, never sent as null.
        return self.model_dump_json(exclude_none=True).encode()


class ItemBody(RequestBody):
    """`InvestmentsRefreshRequest`, `ItemGetRequest`: just the Item."""

    access_token: str = Field(min_length=1)


class AccountIdsOptions(RequestBody):
    account_ids: list[str]


class AccountsBody(RequestBody):
    """`InvestmentsHoldingsGetRequest`, `AccountsGetRequest`, `AccountsBalanceGetRequest`."""

    access_token: str = Field(min_length=1)
    options: AccountIdsOptions | None = None


class TransactionsOptions(RequestBody):
    account_ids: list[str] | None = None
    count: int = Field(ge=1, le=500)
    offset: int = Field(ge=0)


class TransactionsBody(RequestBody):
    """`InvestmentsTransactionsGetRequest`."""

    access_token: str = Field(min_length=1)
    start_date: date
    end_date: date
    options: TransactionsOptions


class ResponseModel(BaseModel):
    """Unknown fields are ignored: Plaid adds fields within an API version."""

    model_config = ConfigDict(extra="ignore")


def currency(iso_currency_code: str | None, unofficial_currency_code: str | None) -> str | None:
    """Plaid gives one of the two: an ISO 4217 code, or its own code (crypto, for example)."""
    return iso_currency_code or unofficial_currency_code or None


class AccountBalance(ResponseModel):
    available: ExactDecimal | None = None
    current: ExactDecimal | None = None
    limit: ExactDecimal | None = None
    iso_currency_code: str | None = None
    unofficial_currency_code: str | None = None
    last_updated_datetime: datetime | None = None

    @property
    def currency(self) -> str | None:
        return currency(self.iso_currency_code, self.unofficial_currency_code)


class Account(ResponseModel):
    account_id: str
    balances: AccountBalance | None = None
    mask: str | None = None
    name: str | None = None
    official_name: str | None = None
    type: str | None = None
    subtype: str | None = None


class Holding(ResponseModel):
    account_id: str
    security_id: str
    institution_price: ExactDecimal | None = None
    institution_price_as_of: date | None = None
    institution_price_datetime: datetime | None = None
    institution_value: ExactDecimal | None = None
    cost_basis: ExactDecimal | None = None
    """The holding's total cost basis, not per unit."""
    quantity: ExactDecimal | None = None
    iso_currency_code: str | None = None
    unofficial_currency_code: str | None = None

    @property
    def currency(self) -> str | None:
        return currency(self.iso_currency_code, self.unofficial_currency_code)


class Security(ResponseModel):
    security_id: str
    isin: str | None = None
    cusip: str | None = None
    sedol: str | None = None
    name: str | None = None
    ticker_symbol: str | None = None
    type: str | None = None
    subtype: str | None = None
    close_price: ExactDecimal | None = None
    close_price_as_of: date | None = None
    update_datetime: datetime | None = None
    iso_currency_code: str | None = None
    unofficial_currency_code: str | None = None

    @property
    def currency(self) -> str | None:
        return currency(self.iso_currency_code, self.unofficial_currency_code)


class ErrorBody(ResponseModel):
    """Plaid's error object, in an error answer and in `item.error`."""

    error_type: str | None = None
    error_code: str | None = None
    error_code_reason: str | None = None
    error_message: str | None = None
    display_message: str | None = None
    request_id: str | None = None
    causes: list[Any] = Field(default_factory=list)
    status: int | None = None
    documentation_url: str | None = None
    suggested_action: str | None = None


class Item(ResponseModel):
    item_id: str
    institution_id: str | None = None
    institution_name: str | None = None
    error: ErrorBody | None = None


class HoldingsAnswer(ResponseModel):
    """The answer of `/investments/holdings/get`."""

    accounts: list[Account] = Field(default_factory=list)
    holdings: list[Holding] = Field(default_factory=list)
    securities: list[Security] = Field(default_factory=list)
    item: Item
    request_id: str | None = None


class InvestmentTransaction(ResponseModel):
    investment_transaction_id: str
    account_id: str
    security_id: str | None = None
    date: date
    transaction_datetime: datetime | None = None
    name: str | None = None
    quantity: ExactDecimal | None = None
    amount: ExactDecimal | None = None
    price: ExactDecimal | None = None
    fees: ExactDecimal | None = None
    type: str | None = None
    subtype: str | None = None
    iso_currency_code: str | None = None
    unofficial_currency_code: str | None = None

    @property
    def currency(self) -> str | None:
        return currency(self.iso_currency_code, self.unofficial_currency_code)


class TransactionsAnswer(ResponseModel):
    """The answer of `/investments/transactions/get`."""

    item: Item
    accounts: list[Account] = Field(default_factory=list)
    securities: list[Security] = Field(default_factory=list)
    investment_transactions: list[InvestmentTransaction] = Field(default_factory=list)
    total_investment_transactions: int = Field(ge=0)
    request_id: str | None = None


class RefreshAnswer(ResponseModel):
    """The answer of `/investments/refresh`: only its request id."""

    request_id: str | None = None


class ProductStatus(ResponseModel):
    last_successful_update: datetime | None = None
    last_failed_update: datetime | None = None


class ItemStatus(ResponseModel):
    investments: ProductStatus | None = None


class ItemAnswer(ResponseModel):
    """The answer of `/item/get`; `status` is null for Items Plaid has no status for."""

    item: Item
    status: ItemStatus | None = None
    request_id: str | None = None

    @property
    def investments(self) -> ProductStatus:
        if self.status is None or self.status.investments is None:
            return ProductStatus()
        return self.status.investments


class AccountsAnswer(ResponseModel):
    """The answer of `/accounts/get` and `/accounts/balance/get`."""

    accounts: list[Account] = Field(default_factory=list)
    item: Item
    request_id: str | None = None
