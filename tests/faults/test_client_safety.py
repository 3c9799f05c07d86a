"""The upstream client keeps the gateway's safety properties, under each transport it offers,
against a real local server: what `bench/client_safety.py` checks of every candidate client,
here on the gateway's own `UpstreamHttp` as `running_gateway` builds it."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from service.config import Settings
from service.core.errors import UpstreamBadResponse, UpstreamError
from service.process.server import upstream_transport
from service.providers.upstream import HttpRequest, UpstreamCall, UpstreamHttp, UpstreamResponse
from tests.faults.upstream import Endless, FaultyUpstream, Hangup, Hold, Reply, Reset
from tests.support.certs import make_pki

CANCEL = UpstreamCall("mesh", "cancel_order", has_side_effects=True)
READ = UpstreamCall("mesh", "holdings_value")
BODY = b'{"orderId": "order-1"}'
TIMEOUT = 0.5


@asynccontextmanager
async def client(
    transport: str, tracing: TracerProvider | None = None, **overrides: object
) -> AsyncIterator[UpstreamHttp]:
    settings = Settings(
        aggregator_http_transport=transport,
        aggregator_upstream_timeout_seconds=TIMEOUT,
        **overrides,  # type: ignore[arg-type]
    )
    http = UpstreamHttp(upstream_transport(settings, tracing), 256 * 1024)
    try:
        yield http
    finally:
        await http.aclose()


def post(url: str, target: str = "/api/v1/transactions/cancel") -> HttpRequest:
    return HttpRequest("POST", url, target, {"Content-Type": "application/json"}, BODY)


async def failure(http: UpstreamHttp, request: HttpRequest, call: UpstreamCall) -> UpstreamError:
    with pytest.raises(UpstreamError) as raised:
        await http.send(request, call)
    return raised.value


@contextmanager
def closed_port() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{probe.getsockname()[1]}"


@contextmanager
def full_backlog() -> Iterator[str]:
    """A listener that accepts nothing, its queue full: a connect waits for its timeout."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        address = listener.getsockname()
        fillers = [socket.socket() for _ in range(4)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(address)
        try:
            yield f"http://127.0.0.1:{address[1]}"
        finally:
            for filler in fillers:
                filler.close()


async def test_a_refused_cancel_was_not_sent_and_may_be_sent_again(transport: str) -> None:
    async with client(transport) as http:
        with closed_port() as url:
            error = await failure(http, post(url), CANCEL)

    assert error.reason == "UPSTREAM_UNAVAILABLE"
    assert error.retryable


@pytest.mark.parametrize("close", [Reset(after_reading=True), Hangup()], ids=["rst", "fin"])
async def test_a_cancel_lost_on_a_kept_alive_connection_is_sent_once_and_unknown(
    transport: str, upstream: FaultyUpstream, close: Reset | Hangup
) -> None:
    upstream.script(Reply(), close)
    async with client(transport) as http:
        await http.send(post(upstream.url), CANCEL)
        error = await failure(http, post(upstream.url), CANCEL)
        await asyncio.sleep(0.2)

    assert len(upstream.requests) == 2
    assert upstream.connections == 1
    assert error.reason == "UPSTREAM_OUTCOME_UNKNOWN"
    assert not error.retryable


async def test_a_connect_timeout_ends_the_attempt_before_anything_is_sent(transport: str) -> None:
    async with client(transport) as http:
        with full_backlog() as url:
            started = time.monotonic()
            error = await failure(http, post(url), CANCEL)
            elapsed = time.monotonic() - started

    assert error.reason == "UPSTREAM_UNAVAILABLE"
    assert error.retryable
    assert TIMEOUT <= elapsed < TIMEOUT + 2


async def test_a_read_timeout_ends_the_attempt_and_leaves_a_cancel_unknown(
    transport: str, upstream: FaultyUpstream
) -> None:
    upstream.script(Hold(asyncio.Event()))
    async with client(transport) as http:
        started = time.monotonic()
        error = await failure(http, post(upstream.url), CANCEL)
        elapsed = time.monotonic() - started

    assert "did not answer in time" in error.message
    assert error.reason == "UPSTREAM_OUTCOME_UNKNOWN"
    assert TIMEOUT <= elapsed < TIMEOUT + 2
    await upstream.wait_for("abandoned", 1)


async def test_a_redirect_is_answered_not_followed(
    transport: str, upstream: FaultyUpstream
) -> None:
    upstream.script(Reply(302, b"", (("Location", "/elsewhere"),)))
    async with client(transport) as http:
        response = await http.send(post(upstream.url), CANCEL)

    assert response.status_code == 302
    assert response.headers["location"] == "/elsewhere"
    assert [request.path for request in upstream.requests] == ["/api/v1/transactions/cancel"]


async def test_reading_an_endless_body_stops_at_the_cap(
    transport: str, upstream: FaultyUpstream
) -> None:
    upstream.script(Endless())
    async with client(transport) as http:
        with pytest.raises(UpstreamBadResponse, match="262144-byte limit"):
            await http.send(post(upstream.url), READ)

    await upstream.wait_for("abandoned", 1)


async def test_the_pool_keeps_connections_alive_and_within_its_limit(
    transport: str, upstream: FaultyUpstream
) -> None:
    upstream.default = Reply(delay=0.05)
    async with client(
        transport, aggregator_http_max_connections=4, aggregator_http_max_keepalive_connections=4
    ) as http:
        for _ in range(10):
            await http.send(post(upstream.url), READ)
        sequential = upstream.connections
        answers = await asyncio.gather(*(http.send(post(upstream.url), READ) for _ in range(16)))

    assert sequential == 1
    assert upstream.peak_open <= 4
    assert upstream.connections <= 4
    assert all(answer.status_code == 200 for answer in answers)


async def test_a_percent_encoded_segment_and_the_query_travel_as_built(
    transport: str, upstream: FaultyUpstream
) -> None:
    async with client(transport) as http:
        await http.send(post(upstream.url, "/links/mk%2F..%2Fadmin/holdings?a=b%20c"), READ)

    assert upstream.requests[0].path == "/links/mk%2F..%2Fadmin/holdings?a=b%20c"


async def test_an_answer_keeps_every_byte_and_header(
    transport: str, upstream: FaultyUpstream
) -> None:
    body = b'{"content": {"totalValue": 186.0300000000000000001}}'
    upstream.script(Reply(200, body, (("Retry-After", "7"),)))
    async with client(transport) as http:
        response = await http.send(post(upstream.url), READ)

    assert response == UpstreamResponse(200, response.headers, body)
    assert response.headers.get("retry-after") == "7"


async def test_tls_is_verified_against_the_configured_ca_and_refused_otherwise(
    transport: str, tmp_path: Path
) -> None:
    pki = make_pki(tmp_path, {})
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.server.cert_file, pki.server.key_file)
    upstream = FaultyUpstream(tls=context)
    await upstream.start()
    try:
        async with client(transport, aggregator_upstream_ca_file=pki.ca.cert_file) as http:
            trusted = await http.send(post(upstream.url), CANCEL)
        async with client(transport) as http:
            untrusted = await failure(http, post(upstream.url), CANCEL)
    finally:
        await upstream.stop()

    assert trusted.status_code == 200
    assert untrusted.reason == "UPSTREAM_UNAVAILABLE"
    assert "not sent" in untrusted.message
    assert len(upstream.requests) == 1


async def test_the_upstream_span_has_no_query_and_its_context_travels(
    transport: str, upstream: FaultyUpstream
) -> None:
    exporter = InMemorySpanExporter()
    tracing = TracerProvider()
    tracing.add_span_processor(SimpleSpanProcessor(exporter))
    async with client(transport, tracing) as http:
        await http.send(post(upstream.url, "/accounts?userSecret=s3cret-value"), READ)

    [span] = exporter.get_finished_spans()
    assert span.name == "POST"
    assert "s3cret-value" not in span.to_json()
    assert span.attributes is not None
    assert span.attributes.get("http.status_code") == 200
    assert span.attributes.get("http.url") == f"{upstream.url}/accounts"
    traceparent = upstream.requests[0].headers["traceparent"]
    assert int(traceparent.split("-")[1], 16) == span.context.trace_id
