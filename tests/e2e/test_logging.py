"""Logs: one line per RPC, and no secret in any record at any level."""

from __future__ import annotations

import contextlib
import logging

import grpc
import pytest

from aggregator.v1.aggregator_service_pb2 import (
    ListInstitutionsRequest,
)
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.order_pb2 import OrderSide
from tests.conftest import Gateway
from tests.e2e import requests

CANARY_TOKEN = "canary-auth-token-7f3a9c"
CANARY_MFA = "canary-mfa-914725"


async def call_every_path(gateway: Gateway) -> None:
    stub = gateway.stub
    calls = [
        stub.GetHoldingsValue(requests.holdings_value(CANARY_TOKEN), timeout=10),
        stub.CancelOrder(
            requests.cancel(
                CANARY_TOKEN,
                institution=Institution.INSTITUTION_KRAKEN,
                mfa_code=CANARY_MFA,
                side=OrderSide.ORDER_SIDE_BUY,
            ),
            timeout=10,
        ),
        stub.GetHoldings(requests.holdings(), timeout=10),
        stub.ListInstitutions(ListInstitutionsRequest(), timeout=10),
        stub.CancelOrder(requests.cancel(CANARY_TOKEN, order_id=""), timeout=10),
    ]
    for trigger in (
        "sandbox-bad-request",
        "sandbox-unauthorized",
        "sandbox-server-failure",
        "sandbox-malformed",
        "sandbox-rate-limited",
    ):
        calls.append(stub.GetHoldingsValue(requests.holdings_value(trigger), timeout=10))
        calls.append(stub.CancelOrder(requests.cancel(trigger, mfa_code=CANARY_MFA), timeout=10))
    for link in (
        "mk_sandbox_unauthorized_link",
        "mk_sandbox_malformed",
        "mk_sandbox_server_failure",
    ):
        calls.append(stub.GetHoldings(requests.holdings(link), timeout=10))
    for call in calls:
        with contextlib.suppress(grpc.aio.AioRpcError):
            await call
    gateway.sandbox.moneykit.expire_all_tokens()
    await stub.GetHoldings(requests.holdings(), timeout=10)


async def _drain(stream: grpc.aio.UnaryStreamCall) -> None:  # type: ignore[type-arg]
    async for _ in stream:
        pass


async def test_no_secret_reaches_any_log_record(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "grpc", "service", "asyncio"):
        logging.getLogger(name).setLevel(logging.DEBUG)

    await call_every_path(gateway)

    sandbox = gateway.sandbox
    bearer_tokens = {
        request.headers["authorization"].removeprefix("Bearer ")
        for request in sandbox.moneykit.requests
        if "authorization" in request.headers
    }
    secrets = {
        CANARY_TOKEN,
        CANARY_MFA,
        sandbox.mesh.client_secret,
        sandbox.moneykit.client_secret,
        *bearer_tokens,
    }
    assert len(bearer_tokens) == 2
    text = caplog.text + "\n".join(str(record.__dict__) for record in caplog.records)
    assert "rpc method=" in text
    leaked = {secret for secret in secrets if secret in text}
    assert leaked == set()


async def test_each_rpc_is_logged_once_with_method_provider_code_and_duration(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="service.rpc")

    await gateway.stub.GetHoldingsValue(requests.holdings_value(), timeout=10)
    with pytest.raises(grpc.aio.AioRpcError):
        await gateway.stub.GetHoldings(requests.holdings("mk_sandbox_not_found"), timeout=10)

    lines = [r.getMessage() for r in caplog.records if r.name == "service.rpc"]
    assert len(lines) == 2
    assert lines[0].startswith(
        "rpc method=/aggregator.v1.AggregatorService/GetHoldingsValue provider=mesh code=OK "
    )
    assert "provider=moneykit code=NOT_FOUND duration_ms=" in lines[1]
