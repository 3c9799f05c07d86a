"""An httpx transport over aiohttp, for speed; adapters keep httpx's interface and its
`MockTransport` for tests.

httpx's own transport spends milliseconds of CPU per request once many connections and
waiters share its pool (see bench/results.md); aiohttp's connector does not. The mapping of
failures is the part that matters for safety: only a failure to connect means the request was
never sent (and a cancel may be retried); anything after that is reported as a read or
protocol failure, so a cancel is never sent twice; `httpx_error` is that one map. The URL is
passed as already encoded, so a percent-encoded link id stays one path segment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import httpx
from yarl import URL

CHUNK_BYTES = 64 * 1024


def httpx_error(
    exc: TimeoutError | aiohttp.ClientError, request: httpx.Request
) -> httpx.TransportError:
    """The httpx error an aiohttp failure means, whether it came before or after the response.

    Only a failure to establish the connection is one of the errors `service.providers.upstream`
    takes to mean "never sent"; every other failure may come after bytes of the request left.
    """
    message = str(exc)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message, request=request)
    if isinstance(exc, TimeoutError):
        return httpx.ReadTimeout(message, request=request)
    if isinstance(exc, aiohttp.ClientConnectionError | aiohttp.ClientPayloadError):
        return httpx.ReadError(message, request=request)
    return httpx.RemoteProtocolError(message, request=request)


class AiohttpTransport(httpx.AsyncBaseTransport):
    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._limits.max_connections or 0,
            keepalive_timeout=self._limits.keepalive_expiry or 5.0,
        )
        self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session or self._open()
        timeout = request.extensions.get("timeout", {})
        try:
            response = await session.request(
                request.method,
                URL(str(request.url), encoded=True),
                headers=list(request.headers.multi_items()),
                data=request.content or None,
                allow_redirects=False,
                compress=None,
                timeout=aiohttp.ClientTimeout(
                    sock_connect=timeout.get("connect"), sock_read=timeout.get("read")
                ),
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise httpx_error(exc, request) from exc
        return httpx.Response(
            status_code=response.status,
            headers=[
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in response.raw_headers
            ],
            stream=_Body(response, request),
            request=request,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class _Body(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_chunked(CHUNK_BYTES):
                yield chunk
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise httpx_error(exc, self._request) from exc

    async def aclose(self) -> None:
        self._response.release()
