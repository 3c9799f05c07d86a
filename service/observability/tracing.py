"""OpenTelemetry tracing, off unless enabled: spans for each RPC (the official grpc
instrumentation) and each upstream request (the official httpx one), with the trace context
propagated upstream in `traceparent`."""

from __future__ import annotations

import grpc
import httpx
from opentelemetry.instrumentation.grpc import aio_server_interceptor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)

SERVICE_NAME = "aggregator-gateway"


def tracer_provider(mode: str, exporter: SpanExporter | None = None) -> TracerProvider | None:
    """A provider exporting to `exporter` (tests) or the console; None when tracing is off."""
    if exporter is None and mode == "off":
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    return provider


def server_interceptor(provider: TracerProvider) -> grpc.aio.ServerInterceptor:
    # The instrumentation ships no annotations for this factory.
    interceptor: grpc.aio.ServerInterceptor = aio_server_interceptor(  # type: ignore[no-untyped-call]
        tracer_provider=provider
    )
    return interceptor


def instrument_client(client: httpx.AsyncClient, provider: TracerProvider) -> None:
    HTTPXClientInstrumentor.instrument_client(client, tracer_provider=provider)
