"""Operability: request ids, JSON logs, Prometheus metrics and OpenTelemetry traces, with no
secret in any of them."""

from __future__ import annotations

import json
import logging

import grpc
import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from aggregator.v1.aggregator_service_pb2 import GetPortfolioRequest
from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from service.observability.logs import JsonFormatter
from service.process.server import running_gateway, server_options
from service.sandbox import SandboxUpstreams
from tests.conftest import Gateway, gateway_settings, sandbox_providers
from tests.e2e import requests
from tests.e2e.processes import free_port
from tests.e2e.test_logging import CANARY_MFA, CANARY_TOKEN, call_every_path


async def test_the_callers_request_id_reaches_the_upstream_and_every_log_line(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    await gateway.stub.GetHoldingsValue(
        requests.holdings_value(), timeout=10, metadata=(("x-request-id", "req-42.abc"),)
    )

    [sent] = gateway.sandbox.mesh.requests
    assert sent.headers["x-request-id"] == "req-42.abc"
    [line] = [r for r in caplog.records if r.name == "service.rpc"]
    assert getattr(line, "attempts", None) == 1
    assert getattr(line, "institution", None) == "robinhood"
    assert getattr(line, "caller", None) == "anonymous"


async def test_an_unusable_request_id_is_replaced_by_a_generated_one(gateway: Gateway) -> None:
    await gateway.stub.GetHoldingsValue(
        requests.holdings_value(), timeout=10, metadata=(("x-request-id", "bad id; x=1"),)
    )

    [sent] = gateway.sandbox.mesh.requests
    assert len(sent.headers["x-request-id"]) == 32
    assert sent.headers["x-request-id"].isalnum()


def test_a_json_log_line_carries_the_rpc_fields() -> None:
    record = logging.LogRecord("service.rpc", logging.INFO, __file__, 1, "rpc done", None, None)
    record.__dict__.update(
        request_id="r1", method="/m", provider="mesh", code="OK", duration_ms=1.5, attempts=2
    )

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "rpc done"
    assert line["request_id"] == "r1"
    assert (line["method"], line["provider"], line["code"], line["attempts"]) == (
        "/m",
        "mesh",
        "OK",
        2,
    )


async def test_metrics_count_rpcs_upstream_requests_and_coalescing_without_user_data(
    sandbox: SandboxUpstreams,
) -> None:
    metrics_port = free_port()
    settings = gateway_settings(sandbox, aggregator_metrics_listen=f"127.0.0.1:{metrics_port}")
    async with (
        running_gateway(settings, providers=sandbox_providers(sandbox)) as running,
        grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel,
    ):
        stub = AggregatorServiceStub(channel)
        await stub.GetHoldingsValue(requests.holdings_value(CANARY_TOKEN), timeout=10)
        # The same link twice: the second entry's holdings read joins the first one's.
        same_link = [requests.moneykit("mk_metrics_link")] * 2
        await stub.GetPortfolio(GetPortfolioRequest(connections=same_link), timeout=10)
        with pytest.raises(grpc.aio.AioRpcError):
            await stub.GetHoldings(requests.holdings("mk_sandbox_not_found"), timeout=10)
        async with httpx.AsyncClient() as client:
            text = (await client.get(f"http://127.0.0.1:{metrics_port}/metrics")).text

    assert (
        'aggregator_rpcs_total{code="OK",method="/aggregator.v1.AggregatorService/GetHoldingsValue"}'
        in text
    )
    assert 'code="NOT_FOUND",method="/aggregator.v1.AggregatorService/GetHoldings"' in text
    assert (
        'aggregator_upstream_requests_total{http_status="200",operation="holdings_value",provider="mesh"}'
        in text
    )
    assert 'http_status="404",operation="investment_holdings",provider="moneykit"' in text
    assert 'aggregator_coalesced_requests_total{provider="moneykit"}' in text
    assert 'aggregator_token_refreshes_total{outcome="ok",provider="moneykit"}' in text
    assert 'aggregator_circuit_breaker_state{provider="mesh"} 0.0' in text
    assert "aggregator_rpc_duration_seconds_bucket" in text
    assert "aggregator_rpcs_in_flight" in text
    for user_data in (CANARY_TOKEN, "mk_metrics_link", "mk_sandbox_not_found", "robinhood"):
        assert user_data not in text


async def test_traces_cover_rpcs_and_upstream_calls_and_propagate_context(
    sandbox: SandboxUpstreams,
) -> None:
    exporter = InMemorySpanExporter()
    settings = gateway_settings(sandbox)
    async with running_gateway(
        settings, span_exporter=exporter, providers=sandbox_providers(sandbox)
    ) as running:
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
        gateway = Gateway(AggregatorServiceStub(channel), channel, running.port, sandbox)
        await call_every_path(gateway)
        await channel.close()

    spans = exporter.get_finished_spans()
    names = {span.name for span in spans}
    assert "/aggregator.v1.AggregatorService/GetHoldingsValue" in names
    assert any(span.name.startswith("POST") for span in spans)
    traceparents = [r.headers.get("traceparent") for r in sandbox.mesh.requests]
    assert traceparents
    assert all(traceparents)
    rpc_trace_ids = {
        span.context.trace_id for span in spans if span.name.startswith("/aggregator.v1")
    }
    upstream_trace_ids = {int(tp.split("-")[1], 16) for tp in traceparents if tp}
    assert upstream_trace_ids <= rpc_trace_ids
    exported = json.dumps([json.loads(span.to_json()) for span in spans])
    for secret in (CANARY_TOKEN, CANARY_MFA, sandbox.mesh.client_secret):
        assert secret not in exported


def test_server_options_set_sizes_streams_and_keepalive(sandbox: SandboxUpstreams) -> None:
    options = dict(server_options(gateway_settings(sandbox, aggregator_max_concurrent_streams=7)))

    assert options["grpc.max_concurrent_streams"] == 7
    assert options["grpc.keepalive_time_ms"] == 60_000
    assert options["grpc.http2.min_ping_interval_without_data_ms"] == 10_000
    assert options["grpc.max_receive_message_length"] == 4 * 1024 * 1024
    assert options["grpc.max_connection_age_ms"] == 300_000
