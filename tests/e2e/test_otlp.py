"""`AGGREGATOR_TRACING=otlp` sends spans with the official OTLP/HTTP exporter, configured by the
standard `OTEL_*` variables, to a collector: here a real HTTP server on loopback that decodes
each `ExportTraceServiceRequest` as a collector would."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, Span

from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from service.process.server import running_gateway
from service.sandbox import SandboxUpstreams
from service.version import VERSION
from tests.conftest import Gateway, gateway_settings, sandbox_providers
from tests.e2e import requests
from tests.e2e.test_logging import CANARY_MFA, CANARY_TOKEN, call_every_path

HOLDINGS_VALUE_RPC = "/aggregator.v1.AggregatorService/GetHoldingsValue"
COLLECTOR_TOKEN = "collector-bearer-5d1e"


@dataclass
class Export:
    path: str
    content_type: str
    authorization: str
    request: ExportTraceServiceRequest


@dataclass
class Collector:
    """What the collector received, in order."""

    exports: list[Export] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def resource_spans(self) -> list[ResourceSpans]:
        with self.lock:
            return [spans for export in self.exports for spans in export.request.resource_spans]

    def spans(self) -> list[Span]:
        return [
            span
            for resource_spans in self.resource_spans()
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]


def serve_collector(collector: Collector) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            request = ExportTraceServiceRequest.FromString(body)
            with collector.lock:
                collector.exports.append(
                    Export(
                        self.path,
                        self.headers.get("Content-Type", ""),
                        self.headers.get("Authorization", ""),
                        request,
                    )
                )
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test reads what arrived instead."""

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture
def collector(monkeypatch: pytest.MonkeyPatch) -> Iterator[Collector]:
    collector = Collector()
    server = serve_collector(collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"authorization=Bearer {COLLECTOR_TOKEN}")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "gateway-under-test")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    try:
        yield collector
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def attributes(values: list[KeyValue]) -> dict[str, str]:
    return {
        kv.key: str(getattr(kv.value, kv.value.WhichOneof("value") or "string_value"))
        for kv in values
    }


async def run_traced_calls(sandbox: SandboxUpstreams) -> None:
    """Every RPC path through a gateway with OTLP tracing; stopping it flushes the spans."""
    settings = gateway_settings(sandbox, aggregator_tracing="otlp")
    async with running_gateway(settings, providers=sandbox_providers(sandbox)) as running:
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
        gateway = Gateway(AggregatorServiceStub(channel), channel, running.port, sandbox)
        await gateway.stub.GetHoldingsValue(requests.holdings_value("otlp-user"), timeout=10)
        await call_every_path(gateway)
        await channel.close()


async def test_spans_reach_the_collector_over_otlp_http_as_the_standard_variables_say(
    collector: Collector, sandbox: SandboxUpstreams
) -> None:
    await run_traced_calls(sandbox)

    assert collector.exports, "no span reached the collector"
    for export in collector.exports:
        assert export.path == "/v1/traces"
        assert export.content_type == "application/x-protobuf"
        assert export.authorization == f"Bearer {COLLECTOR_TOKEN}"
    for resource_spans in collector.resource_spans():
        resource = attributes(list(resource_spans.resource.attributes))
        assert resource["service.name"] == "gateway-under-test"
        assert resource["service.version"] == VERSION
        assert resource["service.instance.id"]
        assert resource["deployment.environment"] == "test"


async def test_the_upstream_span_is_the_rpc_spans_child_and_its_id_is_the_traceparent_sent(
    collector: Collector, sandbox: SandboxUpstreams
) -> None:
    await run_traced_calls(sandbox)

    (sent,) = [
        request.headers["traceparent"]
        for request in sandbox.mesh.requests
        if b"otlp-user" in request.body
    ]
    version, trace_id, parent_id, flags = sent.split("-")
    spans = {span.span_id.hex(): span for span in collector.spans()}
    upstream = spans[parent_id]
    assert version == "00"
    assert int(flags, 16) & 1, "the trace is sampled"
    assert upstream.trace_id.hex() == trace_id
    assert upstream.kind == Span.SPAN_KIND_CLIENT
    upstream_attributes = attributes(list(upstream.attributes))
    assert upstream_attributes["http.method"] == "POST"
    assert upstream_attributes["http.url"].endswith("/api/v1/holdings/value")
    rpc = spans[upstream.parent_span_id.hex()]
    assert rpc.name == HOLDINGS_VALUE_RPC
    assert rpc.kind == Span.SPAN_KIND_SERVER
    assert rpc.trace_id.hex() == trace_id
    assert attributes(list(rpc.attributes))["rpc.method"] == "GetHoldingsValue"


async def test_no_exported_span_carries_a_secret(
    collector: Collector, sandbox: SandboxUpstreams
) -> None:
    await run_traced_calls(sandbox)

    exported = b"".join(export.request.SerializeToString() for export in collector.exports)
    assert len(collector.spans()) > 20
    bearer_tokens = {
        request.headers["authorization"].removeprefix("Bearer ")
        for request in sandbox.moneykit.requests
        if "authorization" in request.headers
    }
    secrets = {
        CANARY_TOKEN,
        CANARY_MFA,
        COLLECTOR_TOKEN,
        sandbox.mesh.client_secret,
        sandbox.moneykit.client_secret,
        *bearer_tokens,
    }
    for secret in secrets:
        assert secret.encode() not in exported, secret
