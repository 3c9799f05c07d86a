"""Hostile input (issue 17's reproductions): undecodable bytes and oversized fields get a clear
INVALID_ARGUMENT, nothing of them reaches an upstream, and garbage does not flood the log."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import unquote

import grpc
import pytest
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc

from aggregator.v1.aggregator_service_pb2 import GetPortfolioRequest, StreamPortfolioRequest
from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from aggregator.v1.connection_pb2 import Connection, MeshConnection
from aggregator.v1.institution_pb2 import Institution
from service.observability import metrics
from service.process.server import running_gateway
from service.rpc.boundary import MALFORMED_REPORT_INTERVAL_SECONDS
from service.rpc.status import MAX_LISTED_VIOLATIONS
from service.sandbox import SandboxUpstreams
from tests.conftest import Gateway, gateway_settings, sandbox_providers
from tests.e2e import requests
from tests.e2e.richstatus import RichStatus, unpack

SERVICE = "/aggregator.v1.AggregatorService"
LIST_INSTITUTIONS = f"{SERVICE}/ListInstitutions"
MIB = 1024 * 1024
API_KEY = "hostile-input-key-5e2a"


def refused(method: str, reason: str) -> float:
    value = metrics.REGISTRY.get_sample_value(
        "aggregator_refused_requests_total", {"method": method, "reason": reason}
    )
    return value or 0.0


async def raw_call(
    channel: grpc.aio.Channel,
    method: str,
    payload: bytes,
    metadata: tuple[tuple[str, str], ...] = (),
) -> RichStatus:
    """Send `payload` as the request's bytes (identity serializers); the status it ends with."""
    try:
        if method.endswith("/StreamPortfolio") or method.endswith("/Watch"):
            async for _ in channel.unary_stream(method)(payload, timeout=10, metadata=metadata):
                pass
        else:
            await channel.unary_unary(method)(payload, timeout=10, metadata=metadata)
    except grpc.aio.AioRpcError as error:
        return unpack(error)
    raise AssertionError(f"{method} accepted {payload!r}")


def errors_and_tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info is not None]


def malformed_reports(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "malformed request" in r.getMessage()]


async def test_a_single_ff_byte_to_list_institutions_is_malformed_request(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    before = refused(LIST_INSTITUTIONS, "malformed")

    status = await raw_call(gateway.channel, LIST_INSTITUTIONS, b"\xff")

    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert status.error_info is not None
    assert (status.error_info.reason, status.error_info.domain) == (
        "MALFORMED_REQUEST",
        "aggregator-gateway",
    )
    assert status.message == (
        "The request is not a valid encoding of aggregator.v1.ListInstitutionsRequest; "
        "nothing was done."
    )
    assert refused(LIST_INSTITUTIONS, "malformed") == before + 1
    assert errors_and_tracebacks(caplog) == []
    assert "Traceback" not in caplog.text
    assert "DecodeError" not in caplog.text
    (report,) = malformed_reports(caplog)
    assert "ListInstitutions from caller anonymous" in report


UNDECODABLE = {
    "ff": b"\xff",
    "truncated": requests.holdings().SerializeToString()[:-3],
    "huge-length-prefix": b"\x0a\xff\xff\xff\xff\x0f\x00",
    "end-group-tag": b"\x0c",
}


@pytest.mark.parametrize("payload", UNDECODABLE.values(), ids=UNDECODABLE.keys())
@pytest.mark.parametrize(
    "method",
    [f"{SERVICE}/CancelOrder", f"{SERVICE}/StreamPortfolio", "/grpc.health.v1.Health/Check"],
)
async def test_undecodable_bytes_to_any_rpc_are_refused_and_the_gateway_keeps_serving(
    gateway: Gateway, sandbox: SandboxUpstreams, method: str, payload: bytes
) -> None:
    status = await raw_call(gateway.channel, method, payload)

    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert status.error_info is not None
    assert status.error_info.reason == "MALFORMED_REQUEST"
    assert "Error" not in status.message
    assert sandbox.mesh.requests == []
    health = health_pb2_grpc.HealthStub(gateway.channel)
    reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


INVALID_UTF8 = {
    f"{SERVICE}/CancelOrder": b"\x12\x02\xc3\x28",  # order_id
    f"{SERVICE}/StreamPortfolio": b"\x0a\x06\x12\x04\x0a\x02\xc3\x28",  # a link id
    "/grpc.health.v1.Health/Check": b"\x0a\x02\xc3\x28",  # service
}


@pytest.mark.parametrize(("method", "payload"), INVALID_UTF8.items(), ids=INVALID_UTF8.keys())
async def test_a_string_that_is_not_utf8_is_malformed(
    gateway: Gateway, sandbox: SandboxUpstreams, method: str, payload: bytes
) -> None:
    status = await raw_call(gateway.channel, method, payload)

    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert status.error_info is not None
    assert status.error_info.reason == "MALFORMED_REQUEST"
    assert sandbox.mesh.requests == sandbox.moneykit.requests == []


async def test_a_flood_of_garbage_is_logged_at_most_once_per_interval(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    frames = 200
    started = time.monotonic()

    statuses = [await raw_call(gateway.channel, LIST_INSTITUTIONS, b"\xff") for _ in range(frames)]

    elapsed = time.monotonic() - started
    reports = malformed_reports(caplog)
    assert {status.code for status in statuses} == {grpc.StatusCode.INVALID_ARGUMENT}
    assert 1 <= len(reports) <= 1 + elapsed // MALFORMED_REPORT_INTERVAL_SECONDS
    assert errors_and_tracebacks(caplog) == []


@pytest.fixture
async def authenticated(sandbox: SandboxUpstreams, tmp_path: Path) -> AsyncIterator[Gateway]:
    callers = tmp_path / "callers.toml"
    callers.write_text(
        "[[callers]]\n"
        'name = "reader"\n'
        f'api_key_sha256 = "{hashlib.sha256(API_KEY.encode()).hexdigest()}"\n'
        'methods = ["*"]\n'
    )
    settings = gateway_settings(sandbox, aggregator_callers_file=callers)
    async with (
        running_gateway(settings, providers=sandbox_providers(sandbox)) as running,
        grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel,
    ):
        yield Gateway(AggregatorServiceStub(channel), channel, running.port, sandbox)


async def test_the_caller_is_authenticated_before_the_request_is_decoded(
    authenticated: Gateway,
) -> None:
    anonymous = await raw_call(authenticated.channel, LIST_INSTITUTIONS, b"\xff")
    known = await raw_call(
        authenticated.channel,
        LIST_INSTITUTIONS,
        b"\xff",
        (("authorization", f"Bearer {API_KEY}"),),
    )

    assert anonymous.code == grpc.StatusCode.UNAUTHENTICATED
    assert known.code == grpc.StatusCode.INVALID_ARGUMENT
    assert known.error_info is not None
    assert known.error_info.reason == "MALFORMED_REQUEST"


async def refusal(gateway: Gateway, rpc: str, request: Message) -> RichStatus:
    try:
        if rpc == "StreamPortfolio":
            async for _ in gateway.stub.StreamPortfolio(request, timeout=10):  # type: ignore[arg-type]
                pass
        else:
            await getattr(gateway.stub, rpc)(request, timeout=10)
    except grpc.aio.AioRpcError as error:
        return unpack(error)
    raise AssertionError(f"{rpc} accepted the request")


def assert_refused_naming(status: RichStatus, field: str, limit: str) -> None:
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert status.error_info is not None
    assert status.error_info.domain == "aggregator-gateway"
    assert status.bad_request is not None
    violations = {v.field: v.description for v in status.bad_request.field_violations}
    assert field in violations, violations
    assert f"at most {limit}" in violations[field]


LINK_IDS = {"65600-x": "x" * 65_600, "32768-e-acute": "é" * 32_768}


@pytest.mark.parametrize("link_id", LINK_IDS.values(), ids=LINK_IDS.keys())
async def test_an_oversized_link_id_is_refused_before_any_upstream_request(
    gateway: Gateway, sandbox: SandboxUpstreams, link_id: str
) -> None:
    holdings = await refusal(gateway, "GetHoldings", requests.holdings(link_id))
    portfolio = await refusal(
        gateway,
        "GetPortfolio",
        GetPortfolioRequest(connections=[requests.mesh(), requests.moneykit(link_id)]),
    )
    stream = await refusal(
        gateway,
        "StreamPortfolio",
        StreamPortfolioRequest(connections=[requests.moneykit(link_id)]),
    )

    assert_refused_naming(holdings, "connection.moneykit.link_id", "128 characters")
    assert_refused_naming(portfolio, "connections[1].moneykit.link_id", "128 characters")
    assert_refused_naming(stream, "connections[0].moneykit.link_id", "128 characters")
    assert sandbox.moneykit.requests == []
    assert sandbox.mesh.requests == []


HUGE = "x" * MIB
KRAKEN = Institution.INSTITUTION_KRAKEN
OVERSIZED: dict[str, tuple[str, Message, str, str]] = {
    "auth_token": (
        "GetHoldingsValue",
        requests.holdings_value(HUGE),
        "connection.mesh.auth_token",
        "8192 characters",
    ),
    "auth_token-in-a-portfolio": (
        "GetPortfolio",
        GetPortfolioRequest(connections=[requests.moneykit(), requests.mesh(HUGE)]),
        "connections[1].mesh.auth_token",
        "8192 characters",
    ),
    "order_id": ("CancelOrder", requests.cancel(order_id=HUGE), "order_id", "256 characters"),
    "symbol_pair": (
        "CancelOrder",
        requests.cancel(institution=Institution.INSTITUTION_BINANCE_US, symbol_pair=HUGE),
        "symbol_pair",
        "64 characters",
    ),
    "mfa_code": (
        "CancelOrder",
        requests.cancel(institution=KRAKEN, mfa_code=HUGE),
        "mfa_code",
        "64 characters",
    ),
    "mfa_code-100000-digits": (
        "CancelOrder",
        requests.cancel(institution=KRAKEN, mfa_code="7" * 100_000),
        "mfa_code",
        "64 characters",
    ),
    "account_ids-entry": (
        "GetHoldings",
        requests.holdings("mk_1", "acc_1", HUGE),
        "account_ids[1]",
        "128 characters",
    ),
    "account_ids-count": (
        "GetHoldings",
        requests.holdings("mk_1", *(f"acc_{n}" for n in range(101))),
        "account_ids",
        "100 entries",
    ),
}


@pytest.mark.parametrize(
    ("rpc", "request_", "field", "limit"), OVERSIZED.values(), ids=OVERSIZED.keys()
)
async def test_an_oversized_value_is_refused_before_any_upstream_request(
    gateway: Gateway,
    sandbox: SandboxUpstreams,
    rpc: str,
    request_: Message,
    field: str,
    limit: str,
) -> None:
    before = refused(f"{SERVICE}/{rpc}", "over_limit")

    status = await refusal(gateway, rpc, request_)

    assert_refused_naming(status, field, limit)
    assert HUGE[:100] not in status.message
    assert refused(f"{SERVICE}/{rpc}", "over_limit") == before + 1
    assert sandbox.mesh.requests == []
    assert sandbox.moneykit.requests == []


async def test_values_at_their_limits_reach_the_upstream_intact(
    gateway: Gateway, sandbox: SandboxUpstreams
) -> None:
    token, order_id, mfa_code = "t" * 8192, "o" * 256, "1" * 64
    link_id, account_id = "é" * 41 + "/?#x", "a" * 128  # 256 bytes percent-encoded

    await gateway.stub.CancelOrder(
        requests.cancel(auth_token=token, order_id=order_id, mfa_code=mfa_code), timeout=10
    )
    response = await gateway.stub.GetHoldings(requests.holdings(link_id, account_id), timeout=10)

    (cancel,) = sandbox.mesh.requests
    body = json.loads(cancel.body)
    assert (body["authToken"], body["id"], body["mfaCode"]) == (token, order_id, mfa_code)
    (holdings,) = [r for r in sandbox.moneykit.requests if r.path.endswith("/holdings")]
    assert unquote(holdings.path.split("/")[2]) == link_id
    assert response.link.link_id == link_id


BAD_MESH = Connection(mesh=MeshConnection(institution=2**31 - 1, auth_token=" "))  # type: ignore[arg-type]
MANY_VIOLATIONS = {
    "50-invalid-connections": ("GetPortfolio", GetPortfolioRequest(connections=[BAD_MESH] * 50)),
    "100-blank-account-ids": ("GetHoldings", requests.holdings("mk_1", *[" "] * 100)),
}


@pytest.mark.parametrize(("rpc", "request_"), MANY_VIOLATIONS.values(), ids=MANY_VIOLATIONS.keys())
async def test_a_request_with_many_invalid_fields_is_invalid_argument(
    gateway: Gateway, sandbox: SandboxUpstreams, rpc: str, request_: Message
) -> None:
    status = await refusal(gateway, rpc, request_)

    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert sandbox.mesh.requests == sandbox.moneykit.requests == []
    assert status.bad_request is not None
    assert len(status.bad_request.field_violations) == MAX_LISTED_VIOLATIONS
    assert status.error_info is not None
    assert int(status.error_info.metadata["violations"]) > MAX_LISTED_VIOLATIONS
    assert "more invalid fields" in status.message
