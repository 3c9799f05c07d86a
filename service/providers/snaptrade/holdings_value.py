"""A SnapTrade account's value, computed by the gateway from its positions.

SnapTrade has no value endpoint, so the figures are exact sums over the positions of
`GET /accounts/{accountId}/positions/all` (`service.providers.holdings_value` computes them):
equities = stocks, ADRs, ETFs and funds;
cryptocurrencies = crypto; fiat = funds SnapTrade counts as cash (money market funds);
total = every position. The account's cash balance is not a position (see `GetBalances`), so
it is not in the total. A group's performance is (value - cost basis) / cost basis x 100, only
when every position of the group has both; otherwise it is absent, never zero. Positions in
several currencies cannot be summed, so the values are then absent.
"""

from __future__ import annotations

from aggregator.v1 import holdings_pb2
from aggregator.v1.aggregator_service_pb2 import (
    GetHoldingsRequest,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
)
from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from aggregator.v1.source_pb2 import PROVIDER_SNAPTRADE
from service.core.converters import data_source
from service.providers.holdings_value import AssetClass, ValuedHolding, value_of
from service.providers.operation import ProviderClient
from service.providers.snaptrade import holdings
from service.providers.snaptrade.models import AllPositions

_ASSET_CLASSES = {
    holdings_pb2.SECURITY_TYPE_EQUITY: AssetClass.EQUITY,
    holdings_pb2.SECURITY_TYPE_ETF: AssetClass.EQUITY,
    holdings_pb2.SECURITY_TYPE_FUND: AssetClass.EQUITY,
    holdings_pb2.SECURITY_TYPE_CRYPTO: AssetClass.CRYPTO,
    holdings_pb2.SECURITY_TYPE_CASH: AssetClass.FIAT,
}


async def get_holdings_value(
    client: ProviderClient, request: GetHoldingsValueRequest
) -> GetHoldingsValueResponse:
    """The holdings' exchange exactly, so a portfolio entry that wants both the holdings and
    the value shares one request."""
    holdings_request = GetHoldingsRequest(connection=request.connection)
    answer = await client.exchange(holdings.CALL, holdings.build(holdings_request), holdings.read)
    return convert(answer)


def convert(answer: AllPositions) -> GetHoldingsValueResponse:
    response = value_of(
        [
            ValuedHolding(
                asset_class=_ASSET_CLASSES.get(holdings.security_type(position), AssetClass.OTHER),
                currency=holdings.currency_of(position) or None,
                value=holdings.value_of(position),
                cost_basis=holdings.cost_basis_of(position),
            )
            for position in answer.results
        ]
    )
    response.result.CopyFrom(ResultEnvelope(status=ResultStatus.RESULT_STATUS_OK))
    response.source.CopyFrom(
        data_source(
            PROVIDER_SNAPTRADE, computed=True, as_of=answer.data_freshness.as_of, from_provider=True
        )
    )
    return response
