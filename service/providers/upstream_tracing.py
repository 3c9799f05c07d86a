"""The client span of one upstream exchange, shared by every transport, so traces read the same
whichever client sends the request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, StatusCode, Tracer

from service.providers.upstream import Headers, HttpRequest, ResponseTooLarge, TransportFailure

Answer = tuple[int, Headers, bytes]


async def traced(
    tracer: Tracer, request: HttpRequest, exchange: Callable[[], Awaitable[Answer]]
) -> Answer:
    """`exchange()` in a client span, its context injected into the request's headers.

    The URL is recorded without its query, which may carry a user's secret, and failures by
    class only. The attributes are those the httpx instrumentation records (the default,
    pre-stable HTTP conventions), so traces read the same under every transport."""
    url = request.origin + request.target.partition("?")[0]
    attributes = {"http.method": request.method, "http.url": url}
    with tracer.start_as_current_span(
        request.method, kind=SpanKind.CLIENT, attributes=attributes, record_exception=False
    ) as span:
        propagate.inject(request.headers)
        try:
            answer = await exchange()
        except (TransportFailure, ResponseTooLarge) as exc:
            cause = exc.__cause__ or exc
            span.set_attribute("error.type", type(cause).__name__)
            span.set_status(StatusCode.ERROR)
            raise
        span.set_attribute("http.status_code", answer[0])
        if answer[0] >= 400:
            span.set_status(StatusCode.ERROR)
        return answer


def tracer_of(provider: trace.TracerProvider | None) -> Tracer | None:
    return provider.get_tracer(__name__) if provider is not None else None
