"""A MoneyKit link's value, computed by the gateway from its holdings
(`service.providers.holdings_value`).

MoneyKit has no value endpoint. Its security types group as: equities = equity, etf and fund;
cryptocurrencies = crypto; fiat = cash. A holding is valued in the currency of its account,
else of its security.
"""

from __future__ import annotations

from datetime import datetime

from aggregator.v1.aggregator_service_pb2 import (
    GetHoldingsRequest,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
)
from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from service.providers.holdings_value import AssetClass, ValuedHolding, value_of
from service.providers.moneykit import holdings, models
from service.providers.operation import Operation, UpstreamRequest

ASSET_CLASSES = {
    "equity": AssetClass.EQUITY,
    "etf": AssetClass.EQUITY,
    "fund": AssetClass.EQUITY,
    "crypto": AssetClass.CRYPTO,
    "cash": AssetClass.FIAT,
}


def convert(body: models.InvestmentHoldings, received_at: datetime) -> GetHoldingsValueResponse:
    response = value_of(_valued(body))
    response.result.CopyFrom(ResultEnvelope(status=ResultStatus.RESULT_STATUS_OK))
    response.source.CopyFrom(holdings.link_source(body.link, received_at, computed=True))
    return response


def _valued(body: models.InvestmentHoldings) -> list[ValuedHolding]:
    types = {security.security_id: security.type for security in body.securities}
    account_currency = {
        account.account_id: account.balances.currency
        for account in body.accounts
        if account.balances is not None and account.balances.currency
    }
    security_currency = {s.security_id: s.currency for s in body.securities if s.currency}
    return [
        ValuedHolding(
            asset_class=ASSET_CLASSES.get(types.get(holding.security_id) or "", AssetClass.OTHER),
            currency=account_currency.get(holding.account_id)
            or security_currency.get(holding.security_id),
            value=holding.value,
            quantity=holding.quantity,
            price=holding.price,
            cost_basis=holding.cost_basis,
        )
        for holding in body.holdings
    ]


def build(request: GetHoldingsValueRequest) -> UpstreamRequest:
    return holdings.build(GetHoldingsRequest(connection=request.connection))


OPERATION = Operation(holdings.CALL, build, holdings.read, convert)
"""The holdings request and reader exactly, so a portfolio entry that wants both the holdings
and the value sends one request."""
