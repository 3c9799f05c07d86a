"""Mesh's JSON, typed: request bodies exactly as documented, responses tolerant of additions.

Request bodies are msgspec Structs, encoded in one call: every Mesh call makes one, and pydantic
took 3.5 us to build and encode what msgspec does in 0.2. The values in them are the caller's,
validated before a body is made (`connection.py`, `order_request.py`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from service.core.decimals import ExactDecimal


class RequestBody(msgspec.Struct, rename="camel", omit_defaults=True, kw_only=True):
    """A Mesh request body: camelCase, exactly the documented properties.

    Optional properties (default None) the caller left out are omitted, never sent as null; a
    property with another value to send always has no default, so it is never left out.
    """

    def to_json_bytes(self) -> bytes:
        return _encode_body(self)


_encode_body = msgspec.json.Encoder().encode


class HoldingsValueBody(RequestBody):
    """`POST /api/v1/holdings/value` (PortfolioBrokerBaseRequest)."""

    auth_token: str
    type: str


class CancelOrderBody(RequestBody):
    """`POST /api/v1/transactions/cancel` and `/details` (TransactionsB2BBrokerOrderRequest)."""

    auth_token: str
    type: str
    id: str
    is_cryptocurrency: bool
    side: Literal["unknown", "buy", "sell"] | None = None
    symbol_pair: str | None = None
    mfa_code: str | None = None


class ResponseModel(BaseModel):
    """A Mesh response: camelCase, unknown properties ignored because Mesh adds them."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class ApiResult(ResponseModel):
    """The envelope of every Mesh response. The status is kept as text: Mesh may add values."""

    status: str | None = None
    message: str | None = None
    display_message: str | None = None
    error_type: str | None = None
    error_hash: str | None = None
    error_data: Any = None


class BrokerPortfolioValue(ResponseModel):
    """The `content` of holdings value: USD values and percent performances."""

    total_value: ExactDecimal | None = None
    total_performance: ExactDecimal | None = None
    equities_value: ExactDecimal | None = None
    equities_performance: ExactDecimal | None = None
    cryptocurrencies_value: ExactDecimal | None = None
    cryptocurrencies_performance: ExactDecimal | None = None
    nfts_value: ExactDecimal | None = None
    fiat_value: ExactDecimal | None = None


class HoldingsValueResult(ApiResult):
    """`BrokerPortfolioValueModelApiResult`."""

    content: BrokerPortfolioValue | None = None


class ProblemDetails(BaseModel):
    """An RFC 7807 problem-details body, which the order endpoints may answer with."""

    model_config = ConfigDict(extra="ignore")

    type: str | None = None
    title: str | None = None
    status: int | None = None
    detail: str | None = None
    instance: str | None = None
    errors: Any = None


class HoldingsBody(RequestBody):
    """`POST /api/v1/holdings/get` (PortfolioHoldingsRequest)."""

    auth_token: str
    type: str
    include_market_value: bool


class Position(ResponseModel):
    """An equity or cryptocurrency position. `cost_basis` is per unit, as Mesh's examples show."""

    name: str | None = None
    symbol: str | None = None
    amount: ExactDecimal | None = None
    cost_basis: ExactDecimal | None = None
    market_value: ExactDecimal | None = None
    last_price: ExactDecimal | None = None


class NftPosition(ResponseModel):
    amount: ExactDecimal | None = None
    cost_basis: ExactDecimal | None = None
    contract_address: str | None = None
    name: str | None = None
    token_id: str | None = None


class OptionPosition(ResponseModel):
    symbol: str | None = None
    amount: ExactDecimal | None = None
    average_open_price: ExactDecimal | None = None
    option_type: str | None = None
    strike_price: ExactDecimal | None = None
    expiration_timestamp: int | None = None


def _none_as_empty(value: object) -> object:
    return [] if value is None else value


PositionList = Annotated[list[Position], BeforeValidator(_none_as_empty)]
NftPositionList = Annotated[list[NftPosition], BeforeValidator(_none_as_empty)]
OptionPositionList = Annotated[list[OptionPosition], BeforeValidator(_none_as_empty)]


class HoldingsContent(ResponseModel):
    """`HoldingsModel`: the positions, and whether the institution answered at all."""

    status: str | None = None
    error_message: str | None = None
    display_message: str | None = None
    equity_positions: PositionList = Field(default_factory=list)
    cryptocurrency_positions: PositionList = Field(default_factory=list)
    not_supported_equity_positions: PositionList = Field(default_factory=list)
    not_supported_cryptocurrency_positions: PositionList = Field(default_factory=list)
    nft_positions: NftPositionList = Field(default_factory=list)
    option_positions: OptionPositionList = Field(default_factory=list)
    type: str | None = None
    account_id: str | None = None
    institution_name: str | None = None
    account_name: str | None = None


class HoldingsResult(ApiResult):
    """`HoldingsModelApiResult`."""

    content: HoldingsContent | None = None


class BalanceBody(RequestBody):
    """`POST /api/v1/balance/get` (BalanceBrokerBaseRequest)."""

    auth_token: str
    type: str


class CurrencyBalance(ResponseModel):
    """`B2BBrokerAccountBalance`: one currency's cash and buying power."""

    cash: ExactDecimal | None = None
    buying_power: ExactDecimal | None = None
    cryptocurrency_buying_power: ExactDecimal | None = None
    currency_code: str | None = None


CurrencyBalanceList = Annotated[list[CurrencyBalance], BeforeValidator(_none_as_empty)]


class BalancesContent(ResponseModel):
    """`B2BBrokerAccountBalanceModel`: per-currency balances and their USD totals."""

    balances: CurrencyBalanceList = Field(default_factory=list)
    total_cash_usd_value: ExactDecimal | None = None
    total_buying_power_usd_value: ExactDecimal | None = None


class BalancesResult(ApiResult):
    """`B2BBrokerAccountBalanceModelApiResult`."""

    content: BalancesContent | None = None


class OrderListBody(RequestBody, kw_only=True):  # kw_only again: type checkers miss it inherited
    """`POST /api/v1/transactions/list` (TransactionsB2BBrokerOrderListRequest)."""

    auth_token: str
    type: str
    cursor: str | None = None
    count: int
    statuses: list[str] | None = None
    from_: int | None = msgspec.field(default=None, name="from")


UnixSeconds = Annotated[int, Field(ge=0, le=253402300799)]
"""Mesh's timestamps: Unix seconds, within what a protobuf Timestamp holds (up to 9999)."""


class BrokerOrder(ResponseModel):
    """B2BBrokerOrder; enum values stay text, so an unknown one is kept rather than refused."""

    id: str | None = None
    side: str | None = None
    symbol: str | None = None
    name: str | None = None
    asset_type: str | None = None
    payment_symbol: str | None = None
    amount: ExactDecimal | None = None
    price: ExactDecimal | None = None
    fee: ExactDecimal | None = None
    value: ExactDecimal | None = None
    created_timestamp: UnixSeconds | None = None
    updated_timestamp: UnixSeconds | None = None
    status: str | None = None
    status_details: str | None = None
    order_type: str | None = None
    time_in_force: str | None = None


class OrderResult(ApiResult):
    """`B2BBrokerOrderApiResult`."""

    content: BrokerOrder | None = None


BrokerOrderList = Annotated[list[BrokerOrder], BeforeValidator(_none_as_empty)]


class OrderList(ResponseModel):
    """The `content` of the order list (B2BBrokerOrderListResponse)."""

    transactions: BrokerOrderList = Field(default_factory=list)
    cursor: str | None = None
    total: int | None = None


class OrderListResult(ApiResult):
    """`B2BBrokerOrderListResponseApiResult`."""

    content: OrderList | None = None
