"""SnapTrade's JSON, typed: answers tolerant of the properties SnapTrade adds, strict on the ones
its document requires. Amounts are exact whether SnapTrade sends them as decimal strings
(positions, orders) or JSON numbers (balances)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel

from service.core.decimals import ExactDecimal


def _none_as_empty(value: object) -> object:
    return [] if value is None else value


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Underlying(ResponseModel):
    symbol: str | None = None


class Instrument(ResponseModel):
    """Every kind of the `instrument` union in one model: `kind` says which fields apply."""

    kind: str
    id: str | None = None
    symbol: str | None = None
    raw_symbol: str | None = None
    description: str | None = None
    currency: str | None = None
    exchange: str | None = None
    option_type: str | None = None
    strike_price: ExactDecimal | None = None
    expiration_date: date | None = None
    multiplier: ExactDecimal | None = None
    root_symbol: str | None = None
    underlying: Underlying | None = None
    underlying_instrument: Underlying | None = None


class Position(ResponseModel):
    instrument: Instrument
    units: ExactDecimal | None = None
    price: ExactDecimal | None = None
    """Per share; for options and futures, times the multiplier is per contract."""
    cost_basis: ExactDecimal | None = None
    """Per share, an average purchase price."""
    currency: str | None = None
    cash_equivalent: bool | None = None


class DataFreshness(ResponseModel):
    as_of: datetime


class AllPositions(ResponseModel):
    """`AllAccountPositionsResponse`."""

    results: Annotated[list[Position], BeforeValidator(_none_as_empty)]
    data_freshness: DataFreshness


class Currency(ResponseModel):
    code: str | None = None


class Balance(ResponseModel):
    currency: Currency | None = None
    cash: ExactDecimal | None = None
    buying_power: ExactDecimal | None = None


class Balances(RootModel[list[Balance]]):
    """The balances answer: one per currency."""


class HoldingsSync(ResponseModel):
    last_successful_sync: datetime | None = None


class SyncStatus(ResponseModel):
    holdings: HoldingsSync | None = None


class Account(ResponseModel):
    """What the gateway reads of `Account`: the connection (authorization) it belongs to, and
    when its holdings last synced."""

    id: str
    brokerage_authorization: str
    name: str | None = None
    institution_name: str | None = None
    sync_status: SyncStatus | None = None

    @property
    def holdings_synced_at(self) -> datetime | None:
        holdings = self.sync_status.holdings if self.sync_status is not None else None
        return holdings.last_successful_sync if holdings is not None else None


class SymbolType(ResponseModel):
    code: str | None = None


class UniversalSymbol(ResponseModel):
    symbol: str | None = None
    description: str | None = None
    currency: Currency | None = None
    type: SymbolType | None = None


class OptionSymbol(ResponseModel):
    ticker: str | None = None


class OrderRecord(ResponseModel):
    """`AccountOrderRecord`, as the order list and the recent orders give it."""

    brokerage_order_id: str | None = None
    status: str | None = None
    universal_symbol: UniversalSymbol | None = None
    option_symbol: OptionSymbol | None = None
    quote_currency: Currency | None = None
    action: str | None = None
    total_quantity: ExactDecimal | None = None
    filled_quantity: ExactDecimal | None = None
    execution_price: ExactDecimal | None = None
    limit_price: ExactDecimal | None = None
    order_type: str | None = None
    time_in_force: str | None = None
    time_placed: datetime | None = None
    time_updated: datetime | None = None
    time_executed: datetime | None = None


class OrderRecords(RootModel[list[OrderRecord]]):
    """The order list answer."""


class RecentOrders(ResponseModel):
    """`RecentOrdersResponse`."""

    orders: Annotated[list[OrderRecord], BeforeValidator(_none_as_empty)] = Field(
        default_factory=list
    )


class LegInstrument(ResponseModel):
    symbol: str | None = None
    description: str | None = None
    asset_type: str | None = None


class OrderLeg(ResponseModel):
    instrument: LegInstrument | None = None
    action: str | None = None
    total_quantity: ExactDecimal | None = None
    filled_quantity: ExactDecimal | None = None
    execution_price: ExactDecimal | None = None


class OrderRecordV2(ResponseModel):
    """`AccountOrderRecordV2`, as the order detail gives it."""

    brokerage_order_id: str | None = None
    status: str | None = None
    order_type: str | None = None
    time_in_force: str | None = None
    time_placed: datetime | None = None
    time_executed: datetime | None = None
    price_currency: str | None = None
    execution_price: ExactDecimal | None = None
    limit_price: ExactDecimal | None = None
    legs: Annotated[list[OrderLeg], BeforeValidator(_none_as_empty)] = Field(default_factory=list)


class CancelAnswer(ResponseModel):
    """`CancelOrderResponse`."""

    brokerage_order_id: str
    raw_response: Any = None


class RefreshConfirmation(ResponseModel):
    """`BrokerageAuthorizationRefreshConfirmation`."""

    detail: str | None = None


class ErrorBody(ResponseModel):
    """SnapTrade's error bodies, whose fields differ by status: `default_detail` and
    `default_code` (400, 401, 404), `detail` and `code` (402, 403, 429, 500, 503), with
    `status_code` (429, 500, 503), or `error` (501)."""

    detail: Any = None
    code: Any = None
    status_code: Any = None
    default_detail: Any = None
    default_code: Any = None
    error: Any = None

    @property
    def text(self) -> str:
        for value in (self.detail, self.default_detail, self.error):
            if isinstance(value, str) and value:
                return value
        return ""

    @property
    def code_text(self) -> str:
        for value in (self.code, self.default_code):
            if value is not None and not isinstance(value, dict | list):
                return str(value)
        return ""
