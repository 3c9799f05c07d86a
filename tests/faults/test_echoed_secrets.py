"""Upstream texts are untrusted: an upstream that repeats the caller's or the gateway's secrets
back gets them into no error, portfolio entry, log record or span (OWASP API10)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

import grpc
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from aggregator.v1.aggregator_service_pb2 import (
    GetPortfolioRequest,
    GetPortfolioResponse,
    StreamPortfolioRequest,
)
from aggregator.v1.institution_pb2 import Institution
from service.observability.redaction import REDACTED
from tests.e2e import requests
from tests.e2e.richstatus import unpack
from tests.faults.conftest import GatewayFactory, timed
from tests.faults.upstream import FaultyUpstream, Reply, json_reply
from tests.support.breakage import break_mesh_holdings_value

TOKEN = "echoed-auth-token-5d1e0c"
OTHER_TOKEN = "echoed-auth-token-second-77b2"
MFA = "echoed-mfa-code-4410"
ACCESS_TOKEN = "echoed-moneykit-access-token-93aa"
CLIENT_SECRET = "mk-secret"
"""The MoneyKit client secret the fault gateway is configured with."""
LINK_ID = "mk_echoLinkVisible42"
"""A MoneyKit link id names a connection; it is not a secret and stays readable."""


def mesh_echo(*secrets: str, http_status: int = 400, status: str = "badRequest") -> Reply:
    """A Mesh failure that repeats `secrets` in every text field it has."""
    echo = " ".join(secrets)
    return json_reply(
        {
            "status": status,
            "message": f"Token {echo} is not valid",
            "displayMessage": f"Reconnect the account that uses {echo}",
            "errorType": f"invalidToken {echo}",
            "errorHash": echo,
            "errorData": {"authToken": secrets[0], "seen": [echo, {"again": echo}], echo: 1},
        },
        http_status,
    )


def moneykit_echo(http_status: int = 400, error_code: str = "api_error.request.invalid") -> Reply:
    """A MoneyKit failure that repeats the gateway's access token and client secret."""
    return json_reply(
        {
            "error_code": error_code,
            "error_message": f"link {LINK_ID} refused token={ACCESS_TOKEN} secret={CLIENT_SECRET}",
            "documentation_url": f"https://docs.test/?token={ACCESS_TOKEN}",
            "echo": {"client_secret": CLIENT_SECRET, "tokens": [ACCESS_TOKEN]},
        },
        http_status,
    )


def moneykit_token() -> Reply:
    return json_reply({"access_token": ACCESS_TOKEN, "token_type": "bearer", "expires_in": 3600})


def caller_visible(error: grpc.aio.AioRpcError) -> str:
    """Everything a caller can read of a failed call: message, rich details, debug string."""
    binary = [value for _, value in error.trailing_metadata() or () if isinstance(value, bytes)]
    return "\n".join(
        [
            error.details() or "",
            error.debug_error_string() or "",
            *(value.decode("utf-8", "replace") for value in binary),
        ]
    )


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.getMessage()}\n{r.exc_text or ''}" for r in caplog.records)


def assert_absent(secrets: Iterable[str], text: str) -> None:
    leaked = [secret for secret in secrets if secret in text]
    assert leaked == []


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "grpc", "service", "asyncio", "aiohttp"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    return caplog


@pytest.mark.parametrize(
    "reply",
    [
        mesh_echo(TOKEN, MFA),
        mesh_echo(TOKEN, MFA, http_status=200, status="conflict"),
        mesh_echo(TOKEN, MFA, http_status=500, status="serverFailure"),
        json_reply(
            {"type": f"urn:{TOKEN}", "title": f"Bad MFA {MFA}", "detail": f"token {TOKEN}"}, 422
        ),
    ],
    ids=["badRequest", "200-not-ok", "serverFailure", "problem-details"],
)
async def test_a_mesh_error_repeating_the_token_and_mfa_code_reaches_the_caller_scrubbed(
    faulty_gateway: GatewayFactory,
    upstream: FaultyUpstream,
    debug_logs: pytest.LogCaptureFixture,
    reply: Reply,
) -> None:
    upstream.default = reply
    async with faulty_gateway() as gateway:
        read, _ = await timed(gateway.stub.GetHoldingsValue(requests.holdings_value(TOKEN)))
        cancel, _ = await timed(
            gateway.stub.CancelOrder(
                requests.cancel(TOKEN, Institution.INSTITUTION_ROBINHOOD, mfa_code=MFA)
            )
        )

    # The read carries no MFA code, so only its token is its secret.
    for error, secrets in ((read, (TOKEN,)), (cancel, (TOKEN, MFA))):
        assert isinstance(error, grpc.aio.AioRpcError)
        assert_absent(secrets, caller_visible(error))
        status = unpack(error)
        assert status.error_info is not None
        assert status.error_info.domain == "mesh"
        assert status.envelope is not None
        assert REDACTED in status.message
        assert REDACTED in status.envelope.message
    assert_absent((TOKEN, MFA), logged(debug_logs))


async def test_mesh_error_data_keeps_its_shape_with_the_secrets_scrubbed(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = mesh_echo(TOKEN)
    async with faulty_gateway() as gateway:
        error, _ = await timed(gateway.stub.GetHoldingsValue(requests.holdings_value(TOKEN)))

    assert isinstance(error, grpc.aio.AioRpcError)
    status = unpack(error)
    assert status.localized_message is not None
    assert status.localized_message.message == f"Reconnect the account that uses {REDACTED}"
    assert status.error_info is not None
    assert status.error_info.metadata["error_type"] == f"invalidToken {REDACTED}"
    assert status.envelope is not None
    assert status.envelope.error_hash == REDACTED
    data = status.envelope.error_data.struct_value
    assert data["authToken"] == REDACTED
    assert data["seen"][0] == REDACTED
    assert data["seen"][1]["again"] == REDACTED
    assert data[REDACTED] == "1"


@pytest.mark.parametrize(
    "reply",
    [
        moneykit_echo(),
        moneykit_echo(http_status=401, error_code=f"link_error.{ACCESS_TOKEN}"),
        moneykit_echo(http_status=503, error_code=f"api_error.{CLIENT_SECRET}"),
    ],
    ids=["400", "401-link-error", "503"],
)
async def test_a_moneykit_error_repeating_the_gateway_credentials_keeps_only_the_link_id(
    faulty_gateway: GatewayFactory,
    upstream: FaultyUpstream,
    debug_logs: pytest.LogCaptureFixture,
    reply: Reply,
) -> None:
    upstream.token_reply = moneykit_token()
    upstream.default = reply
    async with faulty_gateway() as gateway:
        error, _ = await timed(gateway.stub.GetHoldings(requests.holdings(LINK_ID)))

    assert isinstance(error, grpc.aio.AioRpcError)
    assert_absent((ACCESS_TOKEN, CLIENT_SECRET), caller_visible(error))
    assert_absent((ACCESS_TOKEN, CLIENT_SECRET), logged(debug_logs))
    status = unpack(error)
    assert status.envelope is not None
    assert status.envelope.message == f"link {LINK_ID} refused token={REDACTED} secret={REDACTED}"
    assert status.envelope.error_data.struct_value["echo"]["client_secret"] == REDACTED


async def test_a_portfolio_whose_upstream_repeats_every_token_has_entries_without_them(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream, debug_logs: pytest.LogCaptureFixture
) -> None:
    upstream.token_reply = moneykit_token()
    upstream.default = json_reply(
        {
            **json.loads(mesh_echo(TOKEN, OTHER_TOKEN).body),
            **json.loads(moneykit_echo().body),
        },
        400,
    )
    request = GetPortfolioRequest(
        connections=[requests.mesh(TOKEN), requests.mesh(OTHER_TOKEN), requests.moneykit(LINK_ID)]
    )
    async with faulty_gateway() as gateway:
        response = await gateway.stub.GetPortfolio(request, timeout=10)

    assert isinstance(response, GetPortfolioResponse)
    assert [entry.WhichOneof("result") for entry in response.entries] == ["error"] * 3
    assert all(entry.error.message for entry in response.entries)
    sent = response.SerializeToString()
    for secret in (TOKEN, OTHER_TOKEN, ACCESS_TOKEN, CLIENT_SECRET):
        assert secret.encode() not in sent
    assert REDACTED.encode() in sent
    assert LINK_ID.encode() in sent
    assert_absent((TOKEN, OTHER_TOKEN, ACCESS_TOKEN, CLIENT_SECRET), logged(debug_logs))


async def test_a_portfolio_connection_failing_with_its_token_in_the_traceback_logs_it_scrubbed(
    faulty_gateway: GatewayFactory,
    upstream: FaultyUpstream,
    debug_logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(result: object, *_: object) -> None:
        raise RuntimeError(f"could not convert {result!r}")

    break_mesh_holdings_value(monkeypatch, broken)
    upstream.default = json_reply(
        {"status": "ok", "message": f"served {TOKEN} and {OTHER_TOKEN}", "content": {}}
    )
    request = GetPortfolioRequest(
        connections=[
            requests.mesh(TOKEN),
            requests.mesh(OTHER_TOKEN, Institution.INSTITUTION_KRAKEN),
        ]
    )
    async with faulty_gateway() as gateway:
        response = await gateway.stub.GetPortfolio(request, timeout=10)

    assert [entry.WhichOneof("result") for entry in response.entries] == ["error", "error"]
    tracebacks = [r.exc_text for r in debug_logs.records if r.exc_text]
    assert len(tracebacks) == 2
    assert all("could not convert" in text and REDACTED in text for text in tracebacks)
    assert_absent((TOKEN, OTHER_TOKEN), logged(debug_logs))
    assert_absent((TOKEN, OTHER_TOKEN), response.SerializeToString().decode("utf-8", "replace"))


async def test_spans_carry_neither_an_echoed_secret_nor_the_upstream_error_chain(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.token_reply = moneykit_token()
    upstream.script(
        mesh_echo(TOKEN, MFA),
        # A malformed answer: the validation error quotes the token it could not read.
        json_reply({"status": "ok", "content": {"totalValue": TOKEN}}),
        mesh_echo(TOKEN, MFA, http_status=500, status="serverFailure"),
        moneykit_echo(),
    )
    upstream.default = mesh_echo(TOKEN, OTHER_TOKEN)
    exporter = InMemorySpanExporter()
    async with faulty_gateway(span_exporter=exporter) as gateway:
        stub = gateway.stub
        results = [
            await timed(stub.GetHoldingsValue(requests.holdings_value(TOKEN))),
            await timed(stub.GetHoldingsValue(requests.holdings_value(TOKEN))),
            await timed(stub.CancelOrder(requests.cancel(TOKEN, mfa_code=MFA))),
            await timed(stub.GetHoldings(requests.holdings(LINK_ID))),
            await timed(
                stub.GetPortfolio(
                    GetPortfolioRequest(
                        connections=[requests.mesh(TOKEN), requests.mesh(OTHER_TOKEN)]
                    ),
                    timeout=10,
                )
            ),
        ]
        stream = stub.StreamPortfolio(
            StreamPortfolioRequest(
                connections=[requests.mesh(TOKEN, Institution.INSTITUTION_UNSPECIFIED)]
            )
        )
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            async for _ in stream:
                pass

    codes = [r.code() for r, _ in results if isinstance(r, grpc.aio.AioRpcError)]
    assert codes == [
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.INVALID_ARGUMENT,
    ]
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    spans = exporter.get_finished_spans()
    assert len([s for s in spans if s.name.startswith("/aggregator.v1")]) == 6
    exported = json.dumps([json.loads(span.to_json()) for span in spans])
    assert_absent((TOKEN, OTHER_TOKEN, MFA, ACCESS_TOKEN, CLIENT_SECRET), exported)
    stacktraces = [
        str(event.attributes.get("exception.stacktrace", ""))
        for span in spans
        for event in span.events
        if event.attributes is not None
    ]
    for stacktrace in stacktraces:
        assert "direct cause" not in stacktrace
        assert "During handling" not in stacktrace
        for upstream_error in ("UpstreamRejectedRequest", "UpstreamBadResponse", "ValidationError"):
            assert upstream_error not in stacktrace


async def test_a_successful_mesh_answer_repeating_the_secrets_reaches_the_caller_scrubbed(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = json_reply(
        {
            "status": "ok",
            "message": f"served {TOKEN}",
            "displayMessage": f"code {MFA}",
            "errorData": {"echo": [TOKEN, MFA]},
            "content": {"totalValue": 1},
        }
    )
    async with faulty_gateway() as gateway:
        read = await gateway.stub.GetHoldingsValue(requests.holdings_value(TOKEN))
        cancel = await gateway.stub.CancelOrder(
            requests.cancel(TOKEN, Institution.INSTITUTION_ROBINHOOD, mfa_code=MFA)
        )

    assert read.total_value == "1"
    assert_absent((TOKEN,), str(read))
    assert_absent((TOKEN, MFA), str(cancel))
    assert "served [REDACTED]" in cancel.result.message
