"""OpenTelemetry tracing, off unless enabled: spans for each RPC (the official grpc
instrumentation) and each upstream request (the official httpx one), with the trace context
propagated upstream in `traceparent`.

`otlp` exports with the official OTLP/HTTP exporter, which reads the standard variables
(`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `..._HEADERS`,
`..._TIMEOUT`, `..._COMPRESSION`, `..._CERTIFICATE`); `OTEL_SERVICE_NAME` and
`OTEL_RESOURCE_ATTRIBUTES` override the resource attributes set here."""

from __future__ import annotations

import os
import socket

import grpc
import httpx
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.grpc import aio_server_interceptor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor, RequestInfo
from opentelemetry.sdk.resources import (
    SERVICE_INSTANCE_ID,
    SERVICE_NAME,
    SERVICE_VERSION,
    OTELResourceDetector,
    Resource,
)
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import Span

from service.version import DISTRIBUTION, VERSION


def resource() -> Resource:
    """The service, its version and this process; the standard variables win over these."""
    defaults = {
        SERVICE_NAME: DISTRIBUTION,
        SERVICE_VERSION: VERSION,
        # A pod's host name is the pod's name; the process id tells workers apart.
        SERVICE_INSTANCE_ID: f"{socket.gethostname()}-{os.getpid()}",
    }
    return Resource.create({**defaults, **OTELResourceDetector().detect().attributes})


def tracer_provider(mode: str, exporter: SpanExporter | None = None) -> TracerProvider | None:
    """A provider exporting to `exporter` (tests), the console or OTLP; None when off."""
    if exporter is None and mode == "off":
        return None
    provider = TracerProvider(resource=resource())
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif mode == "otlp":
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
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
    HTTPXClientInstrumentor.instrument_client(
        client, tracer_provider=provider, request_hook=_url_without_query
    )


async def _url_without_query(span: Span, request: RequestInfo) -> None:
    """Upstream URLs are traced without their query, which may carry a user's secret
    (a user secret in a query string)."""
    url = str(httpx.URL(str(request.url)).copy_with(query=None))
    recorded = getattr(span, "attributes", None) or {}
    # The URL's attribute in the old and in the stable HTTP semantic conventions.
    for key in ("http.url", "url.full"):
        if key in recorded:
            span.set_attribute(key, url)
