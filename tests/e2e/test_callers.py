"""Caller authentication and authorisation on a real server: API keys, mTLS identities,
permitted RPCs, rate limits, and what stays public."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from aggregator.v1.aggregator_service_pb2 import (
    GetPortfolioRequest,
    ListInstitutionsRequest,
    StreamPortfolioRequest,
)
from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from service.observability.metrics import REGISTRY
from service.process.server import running_gateway
from service.sandbox import SandboxUpstreams
from tests.conftest import gateway_settings, sandbox_providers
from tests.e2e import requests
from tests.e2e.richstatus import unpack
from tests.support.certs import make_pki

READER_KEY = "reader-key-0f3c9e7d2b"
FULL_KEY = "full-key-8a1b2c3d4e"
LIMITED_KEY = "limited-key-77aa88bb"
READ_ONLY = [
    "GetHoldings",
    "GetHoldingsValue",
    "GetPortfolio",
    "StreamPortfolio",
    "ListInstitutions",
]


def sha256(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def callers_file(directory: Path, orders_subject: str | None = None) -> Path:
    path = directory / "callers.toml"
    text = f"""
[[callers]]
name = "reader"
api_key_sha256 = "{sha256(READER_KEY)}"
methods = {READ_ONLY!r}

[[callers]]
name = "full"
api_key_sha256 = "{sha256(FULL_KEY)}"
methods = ["*"]

[[callers]]
name = "limited"
api_key_sha256 = "{sha256(LIMITED_KEY)}"
methods = ["ListInstitutions"]
rate_per_second = 0.001
burst = 2
"""
    if orders_subject:
        text += f"""
[[callers]]
name = "orders"
mtls_subject = "{orders_subject}"
methods = ["CancelOrder", "ListInstitutions"]
"""
    path.write_text(text)
    return path


def bearer(key: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {key}"),)


async def call(stub: AggregatorServiceStub, rpc: str, key: str | None) -> grpc.StatusCode:
    """Call `rpc` with valid input; the status code it ends with."""
    metadata = bearer(key) if key else ()
    message = {
        "GetHoldingsValue": requests.holdings_value(),
        "CancelOrder": requests.cancel(),
        "GetHoldings": requests.holdings(),
        "ListInstitutions": ListInstitutionsRequest(),
        "GetPortfolio": GetPortfolioRequest(connections=[requests.moneykit()]),
        "StreamPortfolio": StreamPortfolioRequest(connections=[requests.moneykit()]),
    }[rpc]
    try:
        if rpc == "StreamPortfolio":
            async for _ in stub.StreamPortfolio(message, timeout=10, metadata=metadata):
                pass
        else:
            await getattr(stub, rpc)(message, timeout=10, metadata=metadata)
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


@pytest.fixture
async def guarded_stub(
    sandbox: SandboxUpstreams, tmp_path: Path
) -> AsyncIterator[AggregatorServiceStub]:
    settings = gateway_settings(sandbox, aggregator_callers_file=callers_file(tmp_path))
    async with (
        running_gateway(settings, providers=sandbox_providers(sandbox)) as running,
        grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel,
    ):
        yield AggregatorServiceStub(channel)


RPCS = ["GetHoldingsValue", "CancelOrder", "GetHoldings", "ListInstitutions", "GetPortfolio",
        "StreamPortfolio"]  # fmt: skip
EXPECTED = {
    None: dict.fromkeys(RPCS, grpc.StatusCode.UNAUTHENTICATED),
    READER_KEY: {**dict.fromkeys(RPCS, grpc.StatusCode.OK),
                 "CancelOrder": grpc.StatusCode.PERMISSION_DENIED},
    FULL_KEY: dict.fromkeys(RPCS, grpc.StatusCode.OK),
}  # fmt: skip


@pytest.mark.parametrize("key", list(EXPECTED), ids=["no-credentials", "read-only", "full"])
async def test_each_caller_sees_exactly_what_its_key_allows(
    guarded_stub: AggregatorServiceStub, sandbox: SandboxUpstreams, key: str | None
) -> None:
    seen = {rpc: await call(guarded_stub, rpc, key) for rpc in RPCS}

    who = key.split("-")[0] if key else "none"
    print(f"caller {who}: { ({rpc: code.name for rpc, code in seen.items()}) }")
    assert seen == EXPECTED[key]
    if key is None:
        assert sandbox.mesh.requests == []
        assert sandbox.moneykit.requests == []


async def test_a_refused_cancel_never_reaches_the_upstream(
    guarded_stub: AggregatorServiceStub, sandbox: SandboxUpstreams
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await guarded_stub.CancelOrder(requests.cancel(), timeout=10, metadata=bearer(READER_KEY))

    status = unpack(caught.value)
    assert status.code == grpc.StatusCode.PERMISSION_DENIED
    assert status.error_info is not None
    assert status.error_info.reason == "CALLER_FORBIDDEN"
    assert sandbox.mesh.requests == []


@pytest.mark.parametrize(
    "metadata",
    [bearer("not-a-known-key"), (("authorization", "Basic abc"),), (("authorization", "Bearer"),)],
    ids=["unknown-key", "basic-scheme", "empty-bearer"],
)
async def test_bad_credentials_are_unauthenticated(
    guarded_stub: AggregatorServiceStub, metadata: tuple[tuple[str, str], ...]
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await guarded_stub.ListInstitutions(
            ListInstitutionsRequest(), timeout=10, metadata=metadata
        )

    status = unpack(caught.value)
    assert status.code == grpc.StatusCode.UNAUTHENTICATED
    assert status.error_info is not None
    assert status.error_info.reason == "CALLER_UNAUTHENTICATED"
    assert "not-a-known-key" not in status.message


async def test_a_caller_over_its_rate_gets_resource_exhausted_with_retry_info(
    guarded_stub: AggregatorServiceStub,
) -> None:
    refused_before = REGISTRY.get_sample_value(
        "aggregator_caller_rate_limited_total", {"caller": "limited"}
    )
    for _ in range(2):
        await guarded_stub.ListInstitutions(
            ListInstitutionsRequest(), timeout=10, metadata=bearer(LIMITED_KEY)
        )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await guarded_stub.ListInstitutions(
            ListInstitutionsRequest(), timeout=10, metadata=bearer(LIMITED_KEY)
        )

    status = unpack(caught.value)
    assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert status.error_info is not None
    assert status.error_info.reason == "CALLER_RATE_LIMITED"
    assert status.retry_info is not None
    assert status.retry_info.retry_delay.seconds > 0
    refused = REGISTRY.get_sample_value(
        "aggregator_caller_rate_limited_total", {"caller": "limited"}
    )
    assert refused == (refused_before or 0) + 1


async def test_health_and_reflection_need_no_credentials(
    sandbox: SandboxUpstreams, tmp_path: Path
) -> None:
    settings = gateway_settings(sandbox, aggregator_callers_file=callers_file(tmp_path))
    async with (
        running_gateway(settings, providers=sandbox_providers(sandbox)) as running,
        grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel,
    ):
        health = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=10
        )
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10
        )
        services = [s.name async for r in reflection for s in r.list_services_response.service]

    assert health.status == health_pb2.HealthCheckResponse.SERVING
    assert "aggregator.v1.AggregatorService" in services


async def test_reflection_can_be_turned_off(sandbox: SandboxUpstreams) -> None:
    settings = gateway_settings(sandbox, aggregator_reflection=False)
    async with (
        running_gateway(settings, providers=sandbox_providers(sandbox)) as running,
        grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel,
    ):
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10
        )
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            [r async for r in reflection]

    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED


async def test_no_key_reaches_a_log_line(
    guarded_stub: AggregatorServiceStub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for key in (READER_KEY, FULL_KEY, "wrong-canary-key-5521"):
        for rpc in RPCS:
            await call(guarded_stub, rpc, key)

    text = caplog.text + "\n".join(str(record.__dict__) for record in caplog.records)
    assert "caller=reader" in text
    for key in (READER_KEY, FULL_KEY, "wrong-canary-key-5521"):
        assert key not in text


async def test_mtls_identifies_the_caller_by_its_certificate(
    sandbox: SandboxUpstreams, tmp_path: Path
) -> None:
    pki = make_pki(tmp_path / "pki", {"orders": "CN=orders-service,O=Example", "stranger": "CN=x"})
    settings = gateway_settings(
        sandbox,
        aggregator_listen="127.0.0.1:0",
        aggregator_callers_file=callers_file(tmp_path, "CN=orders-service,O=Example"),
        aggregator_tls_cert_file=pki.server.cert_file,
        aggregator_tls_key_file=pki.server.key_file,
        aggregator_tls_client_ca_file=pki.ca.cert_file,
    )

    def channel_for(client: str | None, port: int) -> grpc.aio.Channel:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=pki.ca.cert_pem,
            private_key=pki.clients[client].key_pem if client else None,
            certificate_chain=pki.clients[client].cert_pem if client else None,
        )
        return grpc.aio.secure_channel(f"127.0.0.1:{port}", credentials)

    async with running_gateway(settings, providers=sandbox_providers(sandbox)) as running:
        async with channel_for("orders", running.port) as channel:
            stub = AggregatorServiceStub(channel)
            cancel = await call(stub, "CancelOrder", None)
            read = await call(stub, "GetHoldings", None)
        async with channel_for("stranger", running.port) as channel:
            stranger = await call(AggregatorServiceStub(channel), "ListInstitutions", None)
        async with channel_for(None, running.port) as channel:
            anonymous = await call(AggregatorServiceStub(channel), "ListInstitutions", None)

    assert cancel == grpc.StatusCode.OK
    assert read == grpc.StatusCode.PERMISSION_DENIED
    assert stranger == grpc.StatusCode.UNAUTHENTICATED
    assert anonymous == grpc.StatusCode.UNAVAILABLE, "no client certificate, no handshake"
