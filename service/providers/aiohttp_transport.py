"""The upstream client over one aiohttp session (`AGGREGATOR_HTTP_TRANSPORT=aiohttp`).

The default is now the gateway's own `Http1Transport` (`http1_transport.py`), which keeps the
same safety properties at less CPU per call; this one stays as the measured alternative that
the fault suite runs too. aiohttp was measured against rnet, pyreqwest, aiosonic and
curl-cffi in a plain handler (`bench/clients.py`) and kept the safety properties the gateway
depends on (`bench/client_safety.py`): it tells a failure to connect from a failure after
the request left by exception class, never sends a POST again on its own, and has per-attempt
connect and read timeouts. `aiohttp_failure` is the one map of its exceptions; only a failure to
establish the connection (or to get one from the pool in time) means "never sent", so a
cancel is never sent twice. The URL is passed as already encoded, so a percent-encoded link
id stays one path segment.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
from opentelemetry.trace import Tracer
from yarl import URL

from service.providers.connections import KEEPALIVE_SECONDS, tls_context
from service.providers.upstream import Headers, HttpRequest, ResponseTooLarge, TransportFailure
from service.providers.upstream_tracing import traced

CHUNK_BYTES = 64 * 1024


def aiohttp_failure(exc: TimeoutError | aiohttp.ClientError) -> TransportFailure:
    """The transport failure an aiohttp exception means: whether the request may have left.

    `ConnectionTimeoutError` is raised while waiting for a pooled connection or connecting;
    `ClientConnectorError` (DNS, refused, TLS handshake, certificate, proxy) before a byte of
    the request is written. Everything else may come after.
    """
    never_sent = isinstance(exc, aiohttp.ConnectionTimeoutError | aiohttp.ClientConnectorError)
    return TransportFailure(sent=not never_sent, timed_out=isinstance(exc, TimeoutError))


class AiohttpTransport:
    def __init__(
        self,
        max_connections: int,
        timeout_seconds: float,
        ca_file: Path | None = None,
        tracer: Tracer | None = None,
    ) -> None:
        self._max_connections = max_connections
        self._ca_file = ca_file
        # Per attempt: `connect` covers waiting for a pooled connection and connecting,
        # `sock_read` every wait for bytes of the answer; the RPC's deadline bounds the rest.
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=timeout_seconds, sock_read=timeout_seconds
        )
        self._tracer = tracer
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            limit_per_host=0,
            keepalive_timeout=KEEPALIVE_SECONDS,
            ssl=tls_context(self._ca_file),
        )
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=self._timeout, cookie_jar=aiohttp.DummyCookieJar()
        )
        return self._session

    async def exchange(
        self, request: HttpRequest, max_body_bytes: int
    ) -> tuple[int, Headers, bytes]:
        if self._tracer is None:
            return await self._exchange(request, max_body_bytes)
        return await traced(self._tracer, request, lambda: self._exchange(request, max_body_bytes))

    async def _exchange(
        self, request: HttpRequest, max_body_bytes: int
    ) -> tuple[int, Headers, bytes]:
        session = self._session or self._open()
        try:
            async with session.request(
                request.method,
                URL(request.url, encoded=True),
                headers=request.headers,
                data=request.body,
                allow_redirects=False,
            ) as response:
                return response.status, response.headers, await _read(response, max_body_bytes)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise aiohttp_failure(exc) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


async def _read(response: aiohttp.ClientResponse, max_body_bytes: int) -> bytes:
    """The body, or `ResponseTooLarge` as soon as it passes the cap."""
    declared = response.content_length
    if declared is not None and declared > max_body_bytes:
        raise ResponseTooLarge(response.status)
    if declared is not None and "Content-Encoding" not in response.headers:
        return await response.read()
    # Chunked or compressed: the cap counts the bytes as decoded, as they arrive.
    body = bytearray()
    async for chunk in response.content.iter_chunked(CHUNK_BYTES):
        body += chunk
        if len(body) > max_body_bytes:
            raise ResponseTooLarge(response.status)
    return bytes(body)
