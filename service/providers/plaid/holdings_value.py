"""A Plaid Item's value, computed by the gateway from its holdings
(`service.providers.holdings_value`).

Plaid has no value endpoint. Its security types group as: equities = equity, etf and mutual
fund; cryptocurrencies = cryptocurrency; fiat = cash. A holding is valued in its own currency.
"""

from __future__ import annotations

from datetime import datetime

from aggregator.v1.aggregator_service_pb2 import (
    GetHoldingsRequest,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
)
from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from aggregator.v1.source_pb2 import PROVIDER_PLAID
from service.core.converters import data_source
from service.providers.holdings_value import AssetClass, ValuedHolding, value_of
from service.providers.operation import Operation, UpstreamRequest
from service.providers.plaid import holdings, models

ASSET_CLASSES = {
    "equity": AssetClass.EQUITY,
    "etf": AssetClass.EQUITY,
    "mutual fund": AssetClass.EQUITY,
    "cryptocurrency": AssetClass.CRYPTO,
    "cash": AssetClass.FIAT,
}


def convert(body: models.HoldingsAnswer, received_at: datetime) -> GetHoldingsValueResponse:
    types = {security.security_id: security.type for security in body.securities}
    response = value_of(
        [
            ValuedHolding(
                asset_class=ASSET_CLASSES.get(types.get(h.security_id) or "", AssetClass.OTHER),
                currency=h.currency,
                value=h.institution_value,
                quantity=h.quantity,
                price=h.institution_price,
                cost_basis=h.cost_basis,
            )
            for h in body.holdings
        ]
    )
    response.result.CopyFrom(ResultEnvelope(status=ResultStatus.RESULT_STATUS_OK))
    response.source.CopyFrom(
        data_source(PROVIDER_PLAID, computed=True, as_of=received_at, from_provider=False)
    )
    return response


def build(request: GetHoldingsValueRequest) -> UpstreamRequest:
    return holdings.build(GetHoldingsRequest(connection=request.connection))


OPERATION = Operation(holdings.CALL, build, holdings.read, convert)
"""The holdings request and reader exactly, so a portfolio entry that wants both the holdings
and the value sends one request."""
