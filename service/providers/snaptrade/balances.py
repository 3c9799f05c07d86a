"""SnapTrade `GET /accounts/{accountId}/balances`: the account's cash and buying power, one
balance per currency.

Whether they are real time depends on the client id's plan, not on the request: real-time
plans read the brokerage on each call, the others SnapTrade's daily cache
(`SNAPTRADE_REAL_TIME_DATA` says which the gateway has), so `real_time` in the request is
ignored and the answer says which it got.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aggregator.v1.aggregator_service_pb2 import GetBalancesRequest, GetBalancesResponse
from aggregator.v1.balance_pb2 import Balance
from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from aggregator.v1.source_pb2 import PROVIDER_SNAPTRADE
from service.core.converters import data_source, decimal_field
from service.providers.operation import ProviderClient, UpstreamRequest
from service.providers.snaptrade.client import SnapTradeClient
from service.providers.snaptrade.connection import account_path, user_query, valid_account
from service.providers.snaptrade.models import Balances
from service.providers.snaptrade.responses import read_body
from service.providers.upstream import UpstreamCall, UpstreamResponse

CALL = UpstreamCall(provider="snaptrade", operation="balances")


def build(request: GetBalancesRequest) -> UpstreamRequest:
    account = valid_account(request.connection.snaptrade)
    return UpstreamRequest("GET", account_path(account, "/balances"), query=user_query(account))


def read(response: UpstreamResponse) -> Balances:
    return read_body(response, Balances, CALL)


async def get_balances(client: ProviderClient, request: GetBalancesRequest) -> GetBalancesResponse:
    assert isinstance(client, SnapTradeClient)
    answer = await client.exchange(CALL, build(request), read)
    return convert(
        answer,
        request.connection.snaptrade.account_id,
        datetime.now(UTC),
        real_time=client.settings.real_time_data,
    )


def convert(
    answer: Balances, account_id: str, received_at: datetime, *, real_time: bool
) -> GetBalancesResponse:
    response = GetBalancesResponse(
        result=ResultEnvelope(status=ResultStatus.RESULT_STATUS_OK),
        source=data_source(
            PROVIDER_SNAPTRADE, computed=False, as_of=received_at, from_provider=False
        ),
        real_time=real_time,
    )
    for entry in answer.root:
        currency = entry.currency.code if entry.currency is not None else None
        balance = Balance(account_id=account_id, currency=currency or "")
        decimal_field(balance, "cash", entry.cash)
        decimal_field(balance, "buying_power", entry.buying_power)
        response.balances.append(balance)
    return response
