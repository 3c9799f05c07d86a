"""SnapTrade `GET /accounts/{accountId}/positions/all`: every position of the account, of
every kind (stocks, ADRs, ETFs, funds, crypto, options, futures, CFDs), as holdings.

Each position's `instrument.kind` says which fields its instrument has. Prices and cost bases
are per share (SnapTrade's `cost_basis` is an average purchase price), so a holding's value
is units x price and its cost basis units x cost_basis, both times the contract multiplier for
options and futures. `data_freshness.as_of`, when SnapTrade fetched the positions from the
brokerage, dates the answer.
"""

from __future__ import annotations

from decimal import Decimal

from aggregator.v1 import holdings_pb2
from aggregator.v1.aggregator_service_pb2 import GetHoldingsRequest, GetHoldingsResponse
from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from aggregator.v1.source_pb2 import PROVIDER_SNAPTRADE
from service.core.converters import data_source, decimal_field
from service.core.decimals import exact_product
from service.providers.operation import ProviderClient, UpstreamRequest
from service.providers.snaptrade.connection import account_path, user_query, valid_account
from service.providers.snaptrade.models import AllPositions, Instrument, Position
from service.providers.snaptrade.responses import read_body
from service.providers.upstream import UpstreamCall, UpstreamResponse

CALL = UpstreamCall(provider="snaptrade", operation="positions")

SECURITY_TYPES: dict[str, holdings_pb2.SecurityType.ValueType] = {
    "stock": holdings_pb2.SECURITY_TYPE_EQUITY,
    "adr": holdings_pb2.SECURITY_TYPE_EQUITY,
    "etf": holdings_pb2.SECURITY_TYPE_ETF,
    "mutualfund": holdings_pb2.SECURITY_TYPE_FUND,
    "cef": holdings_pb2.SECURITY_TYPE_FUND,
    "crypto": holdings_pb2.SECURITY_TYPE_CRYPTO,
    "option": holdings_pb2.SECURITY_TYPE_DERIVATIVE,
    "future": holdings_pb2.SECURITY_TYPE_DERIVATIVE,
    "cfd": holdings_pb2.SECURITY_TYPE_DERIVATIVE,
    "other": holdings_pb2.SECURITY_TYPE_UNKNOWN,
}
"""The instrument kinds SnapTrade documents; a kind it adds later is unspecified."""


def build(request: GetHoldingsRequest) -> UpstreamRequest:
    account = valid_account(request.connection.snaptrade)
    return UpstreamRequest(
        "GET", account_path(account, "/positions/all"), query=user_query(account)
    )


def read(response: UpstreamResponse) -> AllPositions:
    return read_body(response, AllPositions, CALL)


def security_type(position: Position) -> holdings_pb2.SecurityType.ValueType:
    """The position's kind; a fund counted as cash (a money market fund) is cash."""
    if position.cash_equivalent:
        return holdings_pb2.SECURITY_TYPE_CASH
    return SECURITY_TYPES.get(position.instrument.kind, holdings_pb2.SECURITY_TYPE_UNSPECIFIED)


def currency_of(position: Position) -> str:
    return position.currency or position.instrument.currency or ""


def value_of(position: Position) -> Decimal | None:
    return _per_position(position, position.price)


def cost_basis_of(position: Position) -> Decimal | None:
    return _per_position(position, position.cost_basis)


def _per_position(position: Position, per_share: Decimal | None) -> Decimal | None:
    if position.units is None or per_share is None:
        return None
    total = exact_product(position.units, per_share)
    multiplier = position.instrument.multiplier
    return total if multiplier is None else exact_product(total, multiplier)


def security_id(instrument: Instrument) -> str:
    return f"snaptrade:{instrument.kind}:{instrument.id or instrument.symbol or ''}"


async def get_holdings(client: ProviderClient, request: GetHoldingsRequest) -> GetHoldingsResponse:
    """A workflow of one exchange, because the account id the holdings belong to is the
    request's, not the answer's."""
    answer = await client.exchange(CALL, build(request), read)
    return convert(answer, request.connection.snaptrade.account_id)


def convert(answer: AllPositions, account_id: str) -> GetHoldingsResponse:
    response = GetHoldingsResponse(
        result=ResultEnvelope(status=ResultStatus.RESULT_STATUS_OK),
        source=data_source(
            PROVIDER_SNAPTRADE,
            computed=False,
            as_of=answer.data_freshness.as_of,
            from_provider=True,
        ),
        link=holdings_pb2.Link(provider="snaptrade"),
    )
    securities: dict[str, holdings_pb2.Security] = {}
    for position in answer.results:
        security = _security(position)
        securities.setdefault(security.security_id, security)
        holding = holdings_pb2.Holding(account_id=account_id, security_id=security.security_id)
        decimal_field(holding, "quantity", position.units)
        decimal_field(holding, "price", position.price)
        decimal_field(holding, "value", value_of(position))
        decimal_field(holding, "cost_basis", cost_basis_of(position))
        response.holdings.append(holding)
    response.securities.extend(securities.values())
    response.accounts.append(holdings_pb2.Account(account_id=account_id))
    return response


def _security(position: Position) -> holdings_pb2.Security:
    instrument = position.instrument
    symbol = instrument.symbol or ""
    security = holdings_pb2.Security(
        security_id=security_id(instrument),
        name=instrument.description or instrument.raw_symbol or symbol,
        type=security_type(position),
        currency=currency_of(position),
        ticker=symbol,
    )
    decimal_field(security, "close_price", position.price)
    return security
