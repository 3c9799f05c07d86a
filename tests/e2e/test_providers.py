"""Provider set-up: shared MoneyKit tokens, and providers without credentials."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from pydantic import SecretStr

from aggregator.v1.aggregator_service_pb2 import GetHoldingsRequest
from aggregator.v1.connection_pb2 import Connection
from service.providers.registry import PROVIDERS
from service.sandbox import SandboxUpstreams
from tests.conftest import Gateway, gateway_settings, sandbox_providers, start_gateway
from tests.e2e import requests
from tests.e2e.richstatus import unpack


async def test_many_moneykit_calls_share_one_token_fetch(gateway: Gateway) -> None:
    await asyncio.gather(
        *(gateway.stub.GetHoldings(requests.holdings(f"mk_{n}"), timeout=10) for n in range(12))
    )
    await gateway.stub.GetHoldings(requests.holdings("mk_after"), timeout=10)

    assert gateway.sandbox.moneykit.token_fetches == 1
    assert len(gateway.sandbox.moneykit.requests) == 14


async def test_an_expired_token_is_renewed_once_and_the_call_succeeds(gateway: Gateway) -> None:
    await gateway.stub.GetHoldings(requests.holdings(), timeout=10)
    gateway.sandbox.moneykit.expire_all_tokens()

    response = await gateway.stub.GetHoldings(requests.holdings(), timeout=10)

    assert response.link.link_id
    assert gateway.sandbox.moneykit.token_fetches == 2


@pytest.mark.parametrize(
    ("missing", "method", "request_message"),
    [
        ({"mesh": {"client_id": ""}}, "GetHoldingsValue", requests.holdings_value()),
        ({"mesh": {"client_secret": SecretStr("")}}, "CancelOrder", requests.cancel()),
        ({"moneykit": {"client_id": ""}}, "GetHoldings", requests.holdings()),
    ],
)
async def test_provider_without_credentials_refuses_with_failed_precondition(
    sandbox: SandboxUpstreams,
    missing: dict[str, dict[str, object]],
    method: str,
    request_message: object,
) -> None:
    providers = sandbox_providers(sandbox, **missing)
    async for gateway in start_gateway(gateway_settings(sandbox), sandbox, providers):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await getattr(gateway.stub, method)(request_message, timeout=10)

        status = unpack(caught.value)
        assert status.code == grpc.StatusCode.FAILED_PRECONDITION
        assert status.error_info is not None
        assert status.error_info.reason == "PROVIDER_NOT_CONFIGURED"
        assert "AGGREGATOR_SANDBOX" in status.message
        assert sandbox.mesh.requests == []
        assert sandbox.moneykit.requests == []


async def test_wrong_gateway_credentials_for_moneykit_are_an_internal_error(
    sandbox: SandboxUpstreams,
) -> None:
    providers = sandbox_providers(sandbox, moneykit={"client_secret": SecretStr("wrong-mk-secret")})
    async for gateway in start_gateway(gateway_settings(sandbox), sandbox, providers):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await gateway.stub.GetHoldings(requests.holdings(), timeout=10)

        status = unpack(caught.value)
        assert status.code == grpc.StatusCode.INTERNAL
        assert status.error_info is not None
        assert status.error_info.reason == "GATEWAY_CREDENTIALS_REJECTED"
        assert "credentials" in status.message


async def test_wrong_gateway_credentials_for_mesh_holdings_value_are_internal(
    sandbox: SandboxUpstreams,
) -> None:
    providers = sandbox_providers(sandbox, mesh={"client_secret": SecretStr("wrong-mesh-secret")})
    async for gateway in start_gateway(gateway_settings(sandbox), sandbox, providers):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await gateway.stub.GetHoldingsValue(requests.holdings_value(), timeout=10)

        assert caught.value.code() == grpc.StatusCode.INTERNAL


async def test_a_connection_of_a_provider_this_gateway_does_not_serve_is_refused(
    gateway: Gateway,
) -> None:
    served = {provider.name for provider in PROVIDERS}
    oneof = Connection.DESCRIPTOR.oneofs_by_name["provider"]
    unserved = [field.name for field in oneof.fields if field.name not in served]
    for name in unserved:
        connection = Connection()
        getattr(connection, name).SetInParent()
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await gateway.stub.GetHoldings(GetHoldingsRequest(connection=connection), timeout=10)

        status = unpack(caught.value)
        assert status.code == grpc.StatusCode.INVALID_ARGUMENT
        assert status.error_info is not None
        assert status.error_info.reason == "HOLDINGS_NOT_SUPPORTED"
        assert name in status.message
