"""Plaid `/investments/holdings/get`: an Item's holdings, securities and investment accounts.

Plaid's `cost_basis` is the holding's total, its `institution_value` the holding's value; each
amount is in the holding's `iso_currency_code`, or in Plaid's `unofficial_currency_code` (crypto).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aggregator.v1 import holdings_pb2
from aggregator.v1.aggregator_service_pb2 import GetHoldingsRequest, GetHoldingsResponse
from aggregator.v1.connection_pb2 import Connection
from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from aggregator.v1.source_pb2 import PROVIDER_PLAID
from service.core.converters import data_source, decimal_field, to_timestamp
from service.core.validation import Violations
from service.providers.operation import Operation, UpstreamRequest
from service.providers.plaid import models
from service.providers.plaid.connection import validate_connection
from service.providers.plaid.responses import read_body
from service.providers.upstream import UpstreamCall, UpstreamResponse

CALL = UpstreamCall(provider="plaid", operation="investment_holdings")
PATH = "/investments/holdings/get"

SECURITY_TYPES = {
    "cash": holdings_pb2.SECURITY_TYPE_CASH,
    "cryptocurrency": holdings_pb2.SECURITY_TYPE_CRYPTO,
    "derivative": holdings_pb2.SECURITY_TYPE_DERIVATIVE,
    "equity": holdings_pb2.SECURITY_TYPE_EQUITY,
    "etf": holdings_pb2.SECURITY_TYPE_ETF,
    "fixed income": holdings_pb2.SECURITY_TYPE_BOND,
    "loan": holdings_pb2.SECURITY_TYPE_LOAN,
    "mutual fund": holdings_pb2.SECURITY_TYPE_FUND,
    "other": holdings_pb2.SECURITY_TYPE_UNKNOWN,
}


def accounts_body(connection: Connection, account_ids: Sequence[str]) -> bytes:
    """`{access_token, options: {account_ids}}`, after checking the connection and the ids."""
    violations = Violations()
    validate_connection(connection.plaid, violations)
    for index, account_id in enumerate(account_ids):
        violations.require_text(f"account_ids[{index}]", account_id)
    violations.raise_if_any()
    return models.AccountsBody(
        access_token=connection.plaid.access_token,
        options=models.AccountIdsOptions(account_ids=list(account_ids)) if account_ids else None,
    ).to_json_bytes()


def build(request: GetHoldingsRequest) -> UpstreamRequest:
    return UpstreamRequest(
        "POST", PATH, json_body=accounts_body(request.connection, request.account_ids)
    )


def read(response: UpstreamResponse) -> models.HoldingsAnswer:
    return read_body(response, models.HoldingsAnswer, CALL)


def convert(body: models.HoldingsAnswer, received_at: datetime) -> GetHoldingsResponse:
    return GetHoldingsResponse(
        holdings=[_holding(holding) for holding in body.holdings],
        securities=[security(item) for item in body.securities],
        accounts=[account(item) for item in body.accounts],
        link=link(body.item),
        result=ResultEnvelope(status=ResultStatus.RESULT_STATUS_OK),
        # Plaid dates neither the holdings nor the answer.
        source=data_source(PROVIDER_PLAID, computed=False, as_of=received_at, from_provider=False),
    )


def _holding(source: models.Holding) -> holdings_pb2.Holding:
    holding = holdings_pb2.Holding(
        account_id=source.account_id,
        security_id=source.security_id,
        price_datetime=to_timestamp(source.institution_price_datetime),
    )
    decimal_field(holding, "quantity", source.quantity)
    decimal_field(holding, "price", source.institution_price)
    decimal_field(holding, "value", source.institution_value)
    decimal_field(holding, "cost_basis", source.cost_basis)
    return holding


def security(source: models.Security) -> holdings_pb2.Security:
    converted = holdings_pb2.Security(
        security_id=source.security_id,
        name=source.name or "",
        type=SECURITY_TYPES.get(source.type or "", holdings_pb2.SECURITY_TYPE_UNSPECIFIED),
        currency=source.currency or "",
        ticker=source.ticker_symbol or "",
        isin=source.isin or "",
        sedol=source.sedol or "",
        cusip=source.cusip or "",
        close_datetime=to_timestamp(source.update_datetime),
        close_date=source.close_price_as_of.isoformat() if source.close_price_as_of else "",
    )
    decimal_field(converted, "close_price", source.close_price)
    return converted


def account(source: models.Account) -> holdings_pb2.Account:
    converted = holdings_pb2.Account(
        account_id=source.account_id,
        account_type=".".join(part for part in (source.type, source.subtype) if part),
        name=source.name or "",
        account_mask=source.mask or "",
    )
    if source.balances is not None:
        balances = source.balances
        converted.balances.currency = balances.currency or ""
        for name in ("available", "current", "limit"):
            decimal_field(converted.balances, name, getattr(balances, name))
        balance_date = to_timestamp(balances.last_updated_datetime)
        if balance_date is not None:
            converted.balances.balance_date.CopyFrom(balance_date)
    return converted


def link(item: models.Item) -> holdings_pb2.Link:
    return holdings_pb2.Link(
        link_id=item.item_id,
        institution_id=item.institution_id or "",
        institution_name=item.institution_name or "",
        provider="plaid",
        state=holdings_pb2.LINK_STATE_ERROR if item.error else holdings_pb2.LINK_STATE_CONNECTED,
        error_code=(item.error.error_code or "") if item.error else "",
    )


OPERATION = Operation(CALL, build, read, convert)
