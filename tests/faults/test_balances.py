"""GetBalances against a scripted upstream: answers the sandbox never gives (an upstream that
ignores the account filter, a secret repeated back), and the read's retries."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import grpc

from aggregator.v1.aggregator_service_pb2 import GetBalancesResponse
from aggregator.v1.result_pb2 import ResultStatus
from service.observability.redaction import REDACTED
from tests.e2e import requests
from tests.e2e.richstatus import unpack
from tests.faults.conftest import GatewayFactory, timed
from tests.faults.upstream import FaultyUpstream, Reply, Reset

MESH_BALANCES = Reply(
    body=b'{"status": "ok", "content": {"balances": [{"cash": 1.000000000000000000001,'
    b' "buyingPower": 12345678901234567890123456789.5, "currencyCode": "USD"}],'
    b' "totalCashUsdValue": 1.000000000000000000001}}'
)
ACCOUNTS = Reply(
    body=b'{"accounts": ['
    b'{"account_id": "acc_1", "name": "One", "balances": {"currency": "USD", "current": 1.10}},'
    b'{"account_id": "acc_2", "name": "Two", "balances": {"currency": "USD", "current": 2}},'
    b'{"account_id": "acc_3", "name": "Three", "balances": {"currency": "EUR", "current": 3e2}}'
    b'], "link": {"link_id": "mk_1"}}'
)


async def test_a_moneykit_upstream_that_ignores_the_filter_still_answers_only_those_accounts(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = ACCOUNTS
    async with faulty_gateway() as gateway:
        response = await gateway.stub.GetBalances(
            requests.balances(requests.moneykit("mk_1"), "acc_3", "acc_1"), timeout=10
        )

    assert [(b.account_id, b.current) for b in response.balances] == [
        ("acc_1", "1.10"),
        ("acc_3", "300"),
    ]
    (sent,) = upstream.requests
    url = urlsplit(sent.path)
    assert (sent.method, url.path) == ("GET", "/links/mk_1/accounts")
    assert parse_qs(url.query) == {"account_ids": ["acc_3", "acc_1"]}


async def test_mesh_balances_keep_every_digit_through_either_transport(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = MESH_BALANCES
    async with faulty_gateway() as gateway:
        response = await gateway.stub.GetBalances(requests.balances(requests.mesh()), timeout=10)

    (balance,) = response.balances
    assert (balance.cash, balance.buying_power) == (
        "1.000000000000000000001",
        "12345678901234567890123456789.5",
    )
    assert response.total_cash_usd_value == "1.000000000000000000001"


async def test_a_balances_read_is_retried_through_a_reset_and_a_503(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.script(Reset(after_reading=True), Reply(503, b""), MESH_BALANCES)
    async with faulty_gateway() as gateway:
        response = await gateway.stub.GetBalances(requests.balances(requests.mesh()), timeout=10)

    assert isinstance(response, GetBalancesResponse)
    assert response.balances[0].currency == "USD"
    assert upstream.attempts == 3


async def test_a_401_on_balances_is_the_gateways_credentials_and_is_not_retried(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = Reply(401, b"")
    async with faulty_gateway() as gateway:
        result, _ = await timed(
            gateway.stub.GetBalances(requests.balances(requests.mesh()), timeout=10)
        )

    assert isinstance(result, grpc.aio.AioRpcError)
    status = unpack(result)
    assert status.code == grpc.StatusCode.INTERNAL
    assert status.error_info is not None
    assert status.error_info.reason == "GATEWAY_CREDENTIALS_REJECTED"
    assert upstream.attempts == 1


async def test_a_token_mesh_repeats_in_a_successful_answer_reaches_no_caller(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    token = "echoed-balance-token-61c2"
    upstream.default = Reply(
        body=b'{"status": "ok", "message": "balances for ' + token.encode() + b'",'
        b' "displayMessage": "' + token.encode() + b'", "content": {"balances": []}}'
    )
    async with faulty_gateway() as gateway:
        response = await gateway.stub.GetBalances(
            requests.balances(requests.mesh(token)), timeout=10
        )

    assert token not in str(response)
    assert response.result.status == ResultStatus.RESULT_STATUS_OK
    assert response.result.message == f"balances for {REDACTED}"
