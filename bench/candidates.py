"""The asyncio HTTP clients weighed as the gateway's upstream client, behind one small face.

Each candidate is set up the way the gateway would use it: a shared pool of `pool` connections
kept alive, per-attempt connect and read timeouts, no redirects, the body read as a stream so
that reading stops past a cap, and a custom CA trusted for TLS on loopback. `not_sent` names
the exception classes a gateway would have to take as "the request was never sent": the
safety survey (`bench/client_safety.py`) checks whether that can be told by class at all.

The gateway's own `Http1Transport` and aiohttp are dependencies of the project; the others
are imported when installed (`pip install rnet pyreqwest aiosonic curl-cffi`), and skipped
when not.
"""

from __future__ import annotations

import importlib.util
import ssl
from abc import ABC, abstractmethod
from datetime import timedelta
from pathlib import Path
from typing import Any


class BodyTooLarge(Exception):
    """The answer went past the cap; reading stopped there."""


class Candidate(ABC):
    name: str
    module: str
    not_sent: tuple[type[BaseException], ...] = ()

    def __init__(
        self, pool: int, connect_timeout: float, read_timeout: float, cafile: Path | None
    ) -> None:
        self.pool = pool
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.cafile = cafile

    @classmethod
    def installed(cls) -> bool:
        return importlib.util.find_spec(cls.module) is not None

    @abstractmethod
    async def post(self, url: str, body: bytes, cap: int = 1 << 20) -> tuple[int, bytes]:
        """POST `body` as JSON; the status and the body, read up to `cap` bytes."""

    async def aclose(self) -> None:
        return None

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cafile) if self.cafile else None)


def _capped(body: bytearray, chunk: bytes, cap: int) -> None:
    body.extend(chunk)
    if len(body) > cap:
        raise BodyTooLarge(len(body))


JSON = {"Content-Type": "application/json", "Accept": "application/json"}


class Aiohttp(Candidate):
    name, module = "aiohttp", "aiohttp"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        import aiohttp

        self._aiohttp = aiohttp
        self.not_sent = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
        self._session: Any = None

    async def post(self, url: str, body: bytes, cap: int = 1 << 20) -> tuple[int, bytes]:
        aiohttp = self._aiohttp
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self.pool, keepalive_timeout=30.0, ssl=self.ssl_context()
            )
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        timeout = aiohttp.ClientTimeout(
            sock_connect=self.connect_timeout, sock_read=self.read_timeout
        )
        async with self._session.post(
            url, data=body, headers=JSON, allow_redirects=False, timeout=timeout
        ) as response:
            read = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                _capped(read, chunk, cap)
            return response.status, bytes(read)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class NeverSent(Exception):
    """The gateway's own transport says "never sent" by a flag, not a class: this is that flag
    as a class, so the survey checks it like the others'."""


class Http1(Candidate):
    """`service.providers.http1_transport.Http1Transport`, as the gateway uses it."""

    name, module = "http1", "httptools"
    not_sent = (NeverSent,)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        from service.providers.http1_transport import Http1Transport

        # One timeout for connecting and for each read, as the gateway configures it.
        self._transport = Http1Transport(
            self.pool, max(self.connect_timeout, self.read_timeout), self.cafile
        )

    async def post(self, url: str, body: bytes, cap: int = 1 << 20) -> tuple[int, bytes]:
        from service.providers.upstream import HttpRequest, ResponseTooLarge, TransportFailure

        try:
            status, _, read = await self._transport.exchange(
                HttpRequest.to("POST", url, dict(JSON), body), cap
            )
        except TransportFailure as failure:
            if not failure.sent:
                raise NeverSent from failure
            raise
        except ResponseTooLarge as too_large:
            raise BodyTooLarge(cap) from too_large
        return status, read

    async def aclose(self) -> None:
        await self._transport.aclose()


class Rnet(Candidate):
    name, module = "rnet", "rnet"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        import rnet

        self._rnet = rnet
        self.not_sent = (rnet.ConnectionError,)
        self._client = rnet.Client(
            allow_redirects=False,
            pool_max_size=self.pool,
            pool_max_idle_per_host=self.pool,
            pool_idle_timeout=30,
            http1_only=True,
            verify=self.cafile if self.cafile else True,
        )

    async def post(self, url: str, body: bytes, cap: int = 1 << 20) -> tuple[int, bytes]:
        # rnet's timeouts are whole seconds: the survey's sub-second read timeout rounds up.
        response = await self._client.post(
            url,
            body=body,
            headers=JSON,
            allow_redirects=False,
            timeout=max(1, round(self.connect_timeout + self.read_timeout)),
            read_timeout=max(1, round(self.read_timeout)),
        )
        read = bytearray()
        async with response.stream() as stream:
            async for chunk in stream:
                _capped(read, chunk, cap)
        return response.status, bytes(read)


class Pyreqwest(Candidate):
    name, module = "pyreqwest", "pyreqwest"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        from pyreqwest.client import ClientBuilder
        from pyreqwest.exceptions import ConnectError, ConnectTimeoutError, PoolTimeoutError

        self.not_sent = (ConnectError, ConnectTimeoutError, PoolTimeoutError)
        builder = (
            ClientBuilder()
            .max_connections(self.pool)
            .pool_max_idle_per_host(self.pool)
            .follow_redirects(False)
            .connect_timeout(timedelta(seconds=self.connect_timeout))
            .read_timeout(timedelta(seconds=self.read_timeout))
            .http1_only()
        )
        if self.cafile:
            builder = builder.add_root_certificate_pem(self.cafile.read_bytes())
        self._client = builder.build()

    async def post(self, url: str, body: bytes, cap: int = 1 << 20) -> tuple[int, bytes]:
        request = self._client.post(url).headers(JSON).body_bytes(body).build_streamed()
        async with request as response:
            read = bytearray()
            reader = response.body_reader
            while (chunk := await reader.read_chunk()) is not None:
                _capped(read, bytes(chunk), cap)
            return response.status, bytes(read)

    async def aclose(self) -> None:
        await self._client.close()


class Aiosonic(Candidate):
    name, module = "aiosonic", "aiosonic"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        import aiosonic
        from aiosonic.exceptions import ConnectionPoolAcquireTimeout, ConnectTimeout
        from aiosonic.pools import PoolConfig

        self.not_sent = (ConnectTimeout, ConnectionPoolAcquireTimeout, ConnectionRefusedError)
        connector = aiosonic.TCPConnector(
            pool_configs={":default": PoolConfig(size=self.pool)},
            timeouts=aiosonic.Timeouts(
                sock_connect=self.connect_timeout, sock_read=self.read_timeout
            ),
        )
        self._client = aiosonic.HTTPClient(connector=connector, follow=False)
        self._ssl = self.ssl_context()

    async def post(self, url: str, body: bytes, cap: int = 1 << 20) -> tuple[int, bytes]:
        response = await self._client.post(
            url, data=body, headers=JSON, follow=False,
            ssl=self._ssl if url.startswith("https:") else None,
        )  # fmt: skip
        read = bytearray()
        if response.chunked:
            async for chunk in response.read_chunks():
                _capped(read, chunk, cap)
        else:
            _capped(read, await response.content(), cap)
        return response.status_code, bytes(read)

    async def aclose(self) -> None:
        await self._client.connector.cleanup()


class CurlCffi(Candidate):
    name, module = "curl-cffi", "curl_cffi"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        from curl_cffi.requests import AsyncSession
        from curl_cffi.requests.exceptions import ConnectionError, ConnectTimeout

        self.not_sent = (ConnectTimeout, ConnectionError)
        self._session = AsyncSession(max_clients=self.pool)

    async def post(self, url: str, body: bytes, cap: int = 1 << 20) -> tuple[int, bytes]:
        response = await self._session.post(
            url,
            data=body,
            headers=JSON,
            allow_redirects=False,
            timeout=(self.connect_timeout, self.read_timeout),
            verify=str(self.cafile) if self.cafile else True,
            stream=True,
            accept_encoding=None,
        )
        read = bytearray()
        try:
            async for chunk in response.aiter_content():
                _capped(read, chunk, cap)
        finally:
            await response.aclose()
        return response.status_code, bytes(read)

    async def aclose(self) -> None:
        await self._session.close()


# The gateway's own client first: the smoke run surveys and measures only it.
CANDIDATES: list[type[Candidate]] = [Http1, Aiohttp, Rnet, Pyreqwest, Aiosonic, CurlCffi]


def installed() -> list[type[Candidate]]:
    return [candidate for candidate in CANDIDATES if candidate.installed()]
