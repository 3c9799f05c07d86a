"""The upstream client over httpx: the tests' `MockTransport`, and `AGGREGATOR_HTTP_TRANSPORT=
httpx` (httpx's own pool, traced by the official httpx instrumentation).

Slower than `AiohttpTransport` on the hot path (an `httpx.Request` per call, URL parsing,
redirect and auth plumbing), so it is not the default. `httpx_failure` is the one map of
httpx's exceptions.
"""

from __future__ import annotations

import httpx

from service.providers.upstream import Headers, HttpRequest, ResponseTooLarge, TransportFailure

NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)
"""Failures that happen before any byte of the request is written."""


def httpx_failure(exc: httpx.HTTPError) -> TransportFailure:
    """The transport failure an httpx exception means: whether the request may have left."""
    return TransportFailure(
        sent=not isinstance(exc, NEVER_SENT), timed_out=isinstance(exc, httpx.TimeoutException)
    )


class HttpxTransport:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def exchange(
        self, request: HttpRequest, max_body_bytes: int
    ) -> tuple[int, Headers, bytes]:
        try:
            response = await self._client.send(
                httpx.Request(
                    request.method, request.url, headers=request.headers, content=request.body
                ),
                stream=True,
                follow_redirects=False,
            )
            try:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > max_body_bytes:
                        raise ResponseTooLarge(response.status_code)
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            raise httpx_failure(exc) from exc
        return response.status_code, response.headers, bytes(body)

    async def aclose(self) -> None:
        await self._client.aclose()
