"""MoneyKit `GET /links/{id}/accounts`: each account's balances, as MoneyKit last fetched them
(never real time: `source.as_of` is the accounts product's `refreshed_at`).

MoneyKit sends these balances as JSON numbers (its holdings amounts come as decimal strings);
both are read exactly. The `account_ids` filter goes upstream and is applied to the answer too,
so an upstream that ignored it still answers only the accounts asked for.
"""

from __future__ import annotations

from datetime import datetime

from aggregator.v1.aggregator_service_pb2 import GetBalancesRequest, GetBalancesResponse
from aggregator.v1.balance_pb2 import Balance
from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from aggregator.v1.source_pb2 import PROVIDER_MONEYKIT, DataSource
from service.core.converters import data_source, decimal_field, to_timestamp
from service.core.validation import Violations
from service.providers.moneykit import models
from service.providers.moneykit.connection import link_path, validate_connection
from service.providers.moneykit.responses import read_body
from service.providers.operation import Operation, ProviderClient, UpstreamRequest, run
from service.providers.upstream import UpstreamCall, UpstreamResponse

CALL = UpstreamCall(provider="moneykit", operation="accounts")
PATH = "/accounts"

REFRESH_PRODUCT = "accounts"
"""The link product whose `refreshed_at` dates the balances."""


def build(request: GetBalancesRequest) -> UpstreamRequest:
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


def read(response: UpstreamResponse) -> models.LinkAccounts:
    return read_body(response, models.LinkAccounts, CALL)


def convert(body: models.LinkAccounts, received_at: datetime) -> GetBalancesResponse:
    return GetBalancesResponse(
        balances=[_balance(account) for account in body.accounts],
        result=ResultEnvelope(status=ResultStatus.RESULT_STATUS_OK),
        source=_source(body.link, received_at),
        # MoneyKit answers its last fetch, whatever the request's `real_time` says.
        real_time=False,
    )


def _balance(account: models.LinkAccount) -> Balance:
    balance = Balance(account_id=account.account_id, account_name=account.name or "")
    balances = account.balances
    if balances is None:
        return balance
    balance.currency = balances.currency or ""
    for name in ("available", "current", "limit"):
        decimal_field(balance, name, getattr(balances, name))
    balance_date = to_timestamp(balances.balance_date)
    if balance_date is not None:
        balance.balance_date.CopyFrom(balance_date)
    return balance


def _source(link: models.Link, received_at: datetime) -> DataSource:
    """The link's accounts refresh time when MoneyKit gave one, else when they arrived."""
    product = link.products.get(REFRESH_PRODUCT)
    if product is not None and product.refreshed_at is not None:
        return data_source(
            PROVIDER_MONEYKIT, computed=False, as_of=product.refreshed_at, from_provider=True
        )
    return data_source(PROVIDER_MONEYKIT, computed=False, as_of=received_at, from_provider=False)


OPERATION = Operation(CALL, build, read, convert)


async def get_balances(client: ProviderClient, request: GetBalancesRequest) -> GetBalancesResponse:
    """The operation's balances, only those of the accounts asked for."""
    response = await run(OPERATION, client, request)
    if request.account_ids:
        wanted = set(request.account_ids)
        kept = [balance for balance in response.balances if balance.account_id in wanted]
        del response.balances[:]
        response.balances.extend(kept)
    return response
