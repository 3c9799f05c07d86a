"""MoneyKit `GET /links/{id}/investments/holdings`: a link's holdings, securities, accounts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from aggregator.v1 import holdings_pb2
from aggregator.v1.aggregator_service_pb2 import GetHoldingsRequest, GetHoldingsResponse
from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from aggregator.v1.source_pb2 import PROVIDER_MONEYKIT, DataSource
from service.core.converters import data_source, decimal_field, to_timestamp
from service.core.decimals import decimal_text
from service.core.validation import Violations
from service.providers.moneykit import models
from service.providers.moneykit.connection import link_path, validate_connection
from service.providers.moneykit.responses import read_body
from service.providers.operation import Operation, UpstreamRequest
from service.providers.upstream import UpstreamCall, UpstreamResponse

CALL = UpstreamCall(provider="moneykit", operation="investment_holdings")


PATH = "/investments/holdings"


def build(request: GetHoldingsRequest) -> UpstreamRequest:
    violations = Violations()
    validate_connection(request.connection.moneykit, violations)
    for index, account_id in enumerate(request.account_ids):
        violations.require_text(f"account_ids[{index}]", account_id)
    violations.raise_if_any()
    return UpstreamRequest(
        "GET",
        link_path(request.connection.moneykit.link_id, PATH),
        # Repeated once per id, as MoneyKit expects.
        query=tuple(("account_ids", account_id) for account_id in request.account_ids),
    )


def read(response: UpstreamResponse) -> models.InvestmentHoldings:
    return read_body(response, models.InvestmentHoldings, CALL)


_SECURITY_TYPES = {
    "cash": holdings_pb2.SECURITY_TYPE_CASH,
    "crypto": holdings_pb2.SECURITY_TYPE_CRYPTO,
    "derivative": holdings_pb2.SECURITY_TYPE_DERIVATIVE,
    "equity": holdings_pb2.SECURITY_TYPE_EQUITY,
    "etf": holdings_pb2.SECURITY_TYPE_ETF,
    "bond": holdings_pb2.SECURITY_TYPE_BOND,
    "loan": holdings_pb2.SECURITY_TYPE_LOAN,
    "fund": holdings_pb2.SECURITY_TYPE_FUND,
    "unknown": holdings_pb2.SECURITY_TYPE_UNKNOWN,
}

_LINK_STATES = {
    "connecting": holdings_pb2.LINK_STATE_CONNECTING,
    "awaiting_token_exchange": holdings_pb2.LINK_STATE_AWAITING_TOKEN_EXCHANGE,
    "connected": holdings_pb2.LINK_STATE_CONNECTED,
    "deleted": holdings_pb2.LINK_STATE_DELETED,
    "error": holdings_pb2.LINK_STATE_ERROR,
}


def convert(body: models.InvestmentHoldings, received_at: datetime) -> GetHoldingsResponse:
    response = GetHoldingsResponse(
        accounts=[_account(account) for account in body.accounts],
        link=_link(body.link),
        result=ResultEnvelope(status=ResultStatus.RESULT_STATUS_OK),
        source=link_source(body.link, received_at, computed=False),
    )
    # Built in place (`add`) rather than as messages passed to the constructor, which copies
    # each one: an answer may hold thousands.
    add_holding = response.holdings.add
    for holding in body.holdings:
        add_holding(
            account_id=holding.account_id,
            security_id=holding.security_id,
            price_datetime=to_timestamp(holding.price_datetime),
            quantity=_text(holding.quantity),
            price=_text(holding.price),
            value=_text(holding.value),
            cost_basis=_text(holding.cost_basis),
        )
    add_security = response.securities.add
    for item in body.securities:
        add_security(**_security_fields(item))
    return response


def _text(value: Decimal | None) -> str | None:
    """An optional decimal-string field's value; None leaves it unset."""
    return None if value is None else decimal_text(value)


REFRESH_PRODUCTS = ("investments", "holdings")
"""The link products whose `refreshed_at` dates the holdings."""


def link_source(link: models.Link, received_at: datetime, *, computed: bool) -> DataSource:
    """The link's holdings refresh time when MoneyKit gave one, else when they arrived."""
    for name in REFRESH_PRODUCTS:
        product = link.products.get(name)
        if product is not None and product.refreshed_at is not None:
            return data_source(
                PROVIDER_MONEYKIT, computed=computed, as_of=product.refreshed_at, from_provider=True
            )
    return data_source(PROVIDER_MONEYKIT, computed=computed, as_of=received_at, from_provider=False)


def security(source: models.Security) -> holdings_pb2.Security:
    return holdings_pb2.Security(**_security_fields(source))


def _security_fields(source: models.Security) -> dict[str, Any]:
    return {
        "security_id": source.security_id,
        "name": source.name or "",
        "type": _SECURITY_TYPES.get(source.type or "", holdings_pb2.SECURITY_TYPE_UNSPECIFIED),
        "currency": source.currency or "",
        "ticker": source.ticker or "",
        "isin": source.isin or "",
        "sedol": source.sedol or "",
        "close_datetime": to_timestamp(source.close_datetime),
        "close_date": source.close_date.isoformat() if source.close_date else "",
        "close_price": _text(source.close_price),
    }


def _account(source: models.Account) -> holdings_pb2.Account:
    account = holdings_pb2.Account(
        account_id=source.account_id,
        account_type=source.account_type or "",
        name=source.name or "",
        account_mask=source.account_mask or "",
    )
    if source.balances is not None:
        balances = source.balances
        account.balances.currency = balances.currency or ""
        for name in ("available", "current", "limit"):
            decimal_field(account.balances, name, getattr(balances, name))
        balance_date = to_timestamp(balances.balance_date)
        if balance_date is not None:
            account.balances.balance_date.CopyFrom(balance_date)
    return account


def _link(source: models.Link) -> holdings_pb2.Link:
    link = holdings_pb2.Link(
        link_id=source.link_id,
        institution_id=source.institution_id or "",
        institution_name=source.institution_name or "",
        provider=source.provider or "",
        state=_LINK_STATES.get(source.state or "", holdings_pb2.LINK_STATE_UNSPECIFIED),
        error_code=source.error_code or "",
        last_synced_at=to_timestamp(source.last_synced_at),
        tags=source.tags,
    )
    for name, product in source.products.items():
        if product is None:
            continue
        link.products[name].CopyFrom(
            holdings_pb2.LinkProduct(
                refreshed_at=to_timestamp(product.refreshed_at),
                last_attempted_at=to_timestamp(product.last_attempted_at),
                settings=(
                    holdings_pb2.LinkProductSettings(
                        required=product.settings.required, prefetch=product.settings.prefetch
                    )
                    if product.settings is not None
                    else None
                ),
            )
        )
    return link


OPERATION = Operation(CALL, build, read, convert)
