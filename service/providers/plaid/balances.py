"""Plaid `/accounts/get` and `/accounts/balance/get`: an Item's account balances.

`/accounts/get` is free and answers the balances Plaid has cached (from its last update of
the Item); `/accounts/balance/get` asks the institution in real time, is slow and is billed.
The gateway answers the cached ones unless `real_time` is asked for, and says which it gave.
"""

from __future__ import annotations

from datetime import datetime

from aggregator.v1.aggregator_service_pb2 import GetBalancesRequest, GetBalancesResponse
from aggregator.v1.balance_pb2 import Balance
from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from aggregator.v1.source_pb2 import PROVIDER_PLAID
from service.core.converters import data_source, decimal_field, to_timestamp
from service.providers.operation import Operation, ProviderClient, UpstreamRequest, run
from service.providers.plaid import models
from service.providers.plaid.holdings import accounts_body
from service.providers.plaid.responses import read_body
from service.providers.upstream import UpstreamCall, UpstreamResponse

CACHED_CALL = UpstreamCall(provider="plaid", operation="accounts")
CACHED_PATH = "/accounts/get"
REAL_TIME_CALL = UpstreamCall(provider="plaid", operation="accounts_balance")
REAL_TIME_PATH = "/accounts/balance/get"


def build_cached(request: GetBalancesRequest) -> UpstreamRequest:
    body = accounts_body(request.connection, request.account_ids)
    return UpstreamRequest("POST", CACHED_PATH, json_body=body)


def build_real_time(request: GetBalancesRequest) -> UpstreamRequest:
    body = accounts_body(request.connection, request.account_ids)
    return UpstreamRequest("POST", REAL_TIME_PATH, json_body=body)


def read_cached(response: UpstreamResponse) -> models.AccountsAnswer:
    return read_body(response, models.AccountsAnswer, CACHED_CALL)


def read_real_time(response: UpstreamResponse) -> models.AccountsAnswer:
    return read_body(response, models.AccountsAnswer, REAL_TIME_CALL)


def convert_cached(answer: models.AccountsAnswer, received_at: datetime) -> GetBalancesResponse:
    response = _convert(answer)
    updated = [a.balances.last_updated_datetime for a in answer.accounts if a.balances]
    if updated and all(when is not None for when in updated):
        # A cached copy is as old as its oldest balance, when Plaid dates every one.
        oldest = min(when for when in updated if when is not None)
        response.source.CopyFrom(
            data_source(PROVIDER_PLAID, computed=False, as_of=oldest, from_provider=True)
        )
    else:
        response.source.CopyFrom(
            data_source(PROVIDER_PLAID, computed=False, as_of=received_at, from_provider=False)
        )
    return response


def convert_real_time(answer: models.AccountsAnswer, received_at: datetime) -> GetBalancesResponse:
    response = _convert(answer)
    response.real_time = True
    response.source.CopyFrom(
        data_source(PROVIDER_PLAID, computed=False, as_of=received_at, from_provider=False)
    )
    return response


def _convert(answer: models.AccountsAnswer) -> GetBalancesResponse:
    return GetBalancesResponse(
        balances=[_balance(account) for account in answer.accounts],
        result=ResultEnvelope(status=ResultStatus.RESULT_STATUS_OK),
    )


def _balance(account: models.Account) -> Balance:
    balance = Balance(account_id=account.account_id, account_name=account.name or "")
    if account.balances is not None:
        balance.currency = account.balances.currency or ""
        for name in ("available", "current", "limit"):
            decimal_field(balance, name, getattr(account.balances, name))
        updated = to_timestamp(account.balances.last_updated_datetime)
        if updated is not None:
            balance.balance_date.CopyFrom(updated)
    return balance


CACHED = Operation(CACHED_CALL, build_cached, read_cached, convert_cached)
REAL_TIME = Operation(REAL_TIME_CALL, build_real_time, read_real_time, convert_real_time)


async def get_balances(client: ProviderClient, request: GetBalancesRequest) -> GetBalancesResponse:
    return await run(REAL_TIME if request.real_time else CACHED, client, request)
