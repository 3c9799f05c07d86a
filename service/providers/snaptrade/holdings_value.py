"""A SnapTrade account's value, computed by the gateway from its positions.

SnapTrade has no value endpoint, so the figures are exact sums over the positions of
`GET /accounts/{accountId}/positions/all`: equities = stocks, ADRs, ETFs and funds;
cryptocurrencies = crypto; fiat = funds SnapTrade counts as cash (money market funds);
total = every position. The account's cash balance is not a position (see `GetBalances`), so
it is not in the total. A group's performance is (value - cost basis) / cost basis x 100, only
when every position of the group has both; otherwise it is absent, never zero. Positions in
several currencies cannot be summed, so the values are then absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from aggregator.v1 import holdings_pb2
from aggregator.v1.aggregator_service_pb2 import (
    GetHoldingsRequest,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
)
from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from aggregator.v1.source_pb2 import PROVIDER_SNAPTRADE
from service.core.converters import data_source, decimal_field
from service.core.decimals import exact_sum, percent_change
from service.providers.operation import ProviderClient
from service.providers.snaptrade import holdings
from service.providers.snaptrade.models import AllPositions

EQUITY_TYPES = frozenset(
    {
        holdings_pb2.SECURITY_TYPE_EQUITY,
        holdings_pb2.SECURITY_TYPE_ETF,
        holdings_pb2.SECURITY_TYPE_FUND,
    }
)
CRYPTO_TYPES = frozenset({holdings_pb2.SECURITY_TYPE_CRYPTO})
FIAT_TYPES = frozenset({holdings_pb2.SECURITY_TYPE_CASH})


async def get_holdings_value(
    client: ProviderClient, request: GetHoldingsValueRequest
) -> GetHoldingsValueResponse:
    """The holdings' exchange exactly, so a portfolio entry that wants both the holdings and
    the value shares one request."""
    holdings_request = GetHoldingsRequest(connection=request.connection)
    answer = await client.exchange(holdings.CALL, holdings.build(holdings_request), holdings.read)
    return convert(answer)


def convert(answer: AllPositions) -> GetHoldingsValueResponse:
    response = GetHoldingsValueResponse(
        result=ResultEnvelope(status=ResultStatus.RESULT_STATUS_OK),
        source=data_source(
            PROVIDER_SNAPTRADE,
            computed=True,
            as_of=answer.data_freshness.as_of,
            from_provider=True,
        ),
    )
    currencies = {holdings.currency_of(position) for position in answer.results}
    if len(currencies) > 1 or "" in currencies:
        return response
    # An empty account sums to zero, in no particular currency.
    response.currency = next(iter(currencies), "")
    for value_field, performance_field, types in (
        ("equities_value", "equities_performance", EQUITY_TYPES),
        ("cryptocurrencies_value", "cryptocurrencies_performance", CRYPTO_TYPES),
        ("fiat_value", None, FIAT_TYPES),
        ("total_value", "total_performance", None),
    ):
        group = [
            position
            for position in answer.results
            if types is None or holdings.security_type(position) in types
        ]
        value = _sum_or_none(holdings.value_of(position) for position in group)
        decimal_field(response, value_field, value)
        cost = _sum_or_none(holdings.cost_basis_of(position) for position in group)
        if performance_field and value is not None and cost is not None:
            decimal_field(response, performance_field, percent_change(value, cost))
    return response


def _sum_or_none(values: Iterable[Decimal | None]) -> Decimal | None:
    items = list(values)
    if any(item is None for item in items):
        return None
    return exact_sum(item for item in items if item is not None)
