"""A MoneyKit link's value, computed by the gateway from its holdings.

MoneyKit has no value endpoint, so the figures are sums over the holdings, exact decimals:
equities = equity, etf and fund; cryptocurrencies = crypto; fiat = cash; total = every holding,
whatever its type. A group's performance is (value - cost basis) / cost basis x 100, only when
every holding of the group has a value and a cost basis; otherwise it is absent, never zero.
A holding's value is its `value`, else quantity x price. Values are in the currency of the
holdings' accounts; holdings in several currencies cannot be summed, so the values are absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from aggregator.v1.aggregator_service_pb2 import (
    GetHoldingsRequest,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
)
from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from service.core.converters import decimal_field
from service.core.decimals import exact_product, exact_sum, percent_change
from service.providers.moneykit import holdings, models
from service.providers.operation import Operation, UpstreamRequest

EQUITY_TYPES = frozenset({"equity", "etf", "fund"})
CRYPTO_TYPES = frozenset({"crypto"})
FIAT_TYPES = frozenset({"cash"})


@dataclass(frozen=True)
class _Valued:
    type: str
    value: Decimal | None
    cost_basis: Decimal | None


def convert(body: models.InvestmentHoldings, received_at: datetime) -> GetHoldingsValueResponse:
    response = GetHoldingsValueResponse(
        result=ResultEnvelope(status=ResultStatus.RESULT_STATUS_OK),
        source=holdings.link_source(body.link, received_at, computed=True),
    )
    currencies = _currencies(body)
    if len(currencies) > 1 or None in currencies:
        return response
    # An empty link sums to zero, in no particular currency.
    response.currency = next((c for c in currencies if c is not None), "")
    valued = _valued(body)
    for value_field, performance_field, types in (
        ("equities_value", "equities_performance", EQUITY_TYPES),
        ("cryptocurrencies_value", "cryptocurrencies_performance", CRYPTO_TYPES),
        ("fiat_value", None, FIAT_TYPES),
        ("total_value", "total_performance", None),
    ):
        group = [item for item in valued if types is None or item.type in types]
        value = _sum_or_none(item.value for item in group)
        decimal_field(response, value_field, value)
        cost = _sum_or_none(item.cost_basis for item in group)
        if performance_field and value is not None and cost is not None:
            decimal_field(response, performance_field, percent_change(value, cost))
    return response


def _valued(body: models.InvestmentHoldings) -> list[_Valued]:
    types = {security.security_id: (security.type or "unknown") for security in body.securities}
    return [
        _Valued(types.get(holding.security_id, "unknown"), _value(holding), holding.cost_basis)
        for holding in body.holdings
    ]


def _value(holding: models.Holding) -> Decimal | None:
    if holding.value is not None:
        return holding.value
    if holding.quantity is not None and holding.price is not None:
        return exact_product(holding.quantity, holding.price)
    return None


def _sum_or_none(values: Iterable[Decimal | None]) -> Decimal | None:
    items = list(values)
    if any(item is None for item in items):
        return None
    return exact_sum(item for item in items if item is not None)


def _currencies(body: models.InvestmentHoldings) -> set[str | None]:
    """The currencies the holdings are valued in: their account's, else their security's;
    None for a holding with neither."""
    account_currency = {
        account.account_id: account.balances.currency
        for account in body.accounts
        if account.balances is not None and account.balances.currency
    }
    security_currency = {s.security_id: s.currency for s in body.securities if s.currency}
    return {
        account_currency.get(holding.account_id) or security_currency.get(holding.security_id)
        for holding in body.holdings
    }


def build(request: GetHoldingsValueRequest) -> UpstreamRequest:
    return holdings.build(GetHoldingsRequest(connection=request.connection))


OPERATION = Operation(holdings.CALL, build, holdings.read, convert)
"""The holdings request and reader exactly, so a portfolio entry that wants both the holdings
and the value sends one request."""
