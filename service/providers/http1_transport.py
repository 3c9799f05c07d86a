"""The gateway's own HTTP/1.1 upstream client: asyncio protocols, responses parsed by httptools.

Why own code where a library exists: the upstream exchange is the largest cost on the hot path
left, and the general clients pay for what the gateway never uses (redirects, cookies, URL
objects, multidicts, streaming readers). Measured in a plain grpc.aio handler making one POST
per call (issue 14, ceiling B), a keep-alive client like this one costs ~250 µs CPU per call
against ~440 µs with aiohttp; in the gateway, see `bench/README.md` ("The upstream client").
The parsing itself, the part that is easy to get wrong, is httptools (llhttp, as uvicorn
uses). What the rest has to get right is the safety the gateway depends on, each checked by
the fault suite (`tests/faults/`, run under every transport, and its own
`tests/faults/test_http1_transport.py`):

- The one failure map: `TransportFailure(sent=False)` only when the failure happened before a
  byte of the request was handed to the socket: DNS, a refused or failed connect, the TLS
  handshake or the certificate, the connect timeout, or waiting for a pooled connection past
  it. Everything after the write (a reset, EOF before a complete answer, the read timeout, a
  malformed answer, an encoding it cannot decode) is `sent=True`. A kept-alive connection that
  fails after the request was written is never retried on a new one here: a cancel must not
  go twice, and the retry layer above decides for reads. `timed_out` marks the timeouts.
- Per-attempt timeouts: connecting (including waiting for a pooled connection and the TLS
  handshake) and every wait for bytes of the answer are each bounded by `timeout_seconds`.
- The pool: keep-alive connections per origin, at most `max_connections` open in all; an idle
  one lives `KEEPALIVE_SECONDS`. A connection goes back to the pool only after its answer was
  read completely and the server did not end it (`Connection: close`, HTTP/1.0 without
  keep-alive, EOF); anything else (the cap, a timeout, cancellation, a parse error) closes it,
  so no late byte of one answer can be read as the next one's.
- The body is capped: `ResponseTooLarge` as soon as the declared length or the bytes read pass
  the cap. gzip and deflate are asked for (as aiohttp does) and decoded with the cap counting
  decoded bytes (`decompressobj` with `max_length`), so a decompression bomb stops there; any
  other `Content-Encoding` is a failed exchange, never undecoded bytes.
- No redirects, no cookies; the target goes on the request line exactly as given; a request
  that could be split (CR, LF or other controls in the target, a header name or value) is
  refused before anything is sent, as `InvalidRequest`.
- Headers come back case-insensitive, repeated ones joined by ", ".
"""

from __future__ import annotations

import asyncio
import re
import ssl
import zlib
from collections import deque
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NoReturn, cast
from urllib.parse import urlsplit

import httptools
from opentelemetry.trace import Tracer

from service.core.errors import FieldViolation, InvalidRequest
from service.providers.connections import KEEPALIVE_SECONDS, tls_context
from service.providers.upstream import HttpRequest, ResponseTooLarge, TransportFailure
from service.providers.upstream_tracing import Answer, traced

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
"""What adapters send; HEAD is left out because its answer has no body whatever it declares."""

ACCEPT_ENCODING = "gzip, deflate"
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_TARGET = re.compile(r"/[\x21-\x7e]*")
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e]*")
_SET_BY_TRANSPORT = frozenset({"host", "content-length", "transfer-encoding", "connection"})
_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
"""`Content-Encoding` to zlib's window bits: deflate in HTTP is the zlib format (RFC 9110)."""


class ResponseHeaders(Mapping[str, str]):
    """Response headers looked up by any case; repeated ones joined by ", "."""

    __slots__ = ("_by_name",)

    def __init__(self, by_name: dict[str, str]) -> None:
        self._by_name = by_name
        """Lower-case names to values."""

    def __getitem__(self, name: str) -> str:
        return self._by_name[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def __repr__(self) -> str:
        return f"ResponseHeaders({self._by_name!r})"


class MalformedAnswer(Exception):
    """The upstream's bytes are not an HTTP answer this client can read."""


class ClosedBeforeAnswer(ConnectionError):
    """The connection ended before a complete answer."""


class Http1Transport:
    """The `Transport` over pooled HTTP/1.1 connections (see the module's docstring)."""

    def __init__(
        self,
        max_connections: int,
        timeout_seconds: float,
        ca_file: Path | None = None,
        tracer: Tracer | None = None,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
    ) -> None:
        self._max_connections = max_connections
        self.timeout = timeout_seconds
        self._keepalive = keepalive_seconds
        self._ca_file = ca_file
        self._tracer = tracer
        self._origins: dict[str, _Origin] = {}
        self._open = 0
        """Connections open or being opened, in all origins."""
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._sweep: asyncio.TimerHandle | None = None
        self.closing = False

    async def exchange(self, request: HttpRequest, max_body_bytes: int) -> Answer:
        if self._tracer is None:
            return await self._exchange(request, max_body_bytes)
        return await traced(self._tracer, request, lambda: self._exchange(request, max_body_bytes))

    async def _exchange(self, request: HttpRequest, max_body_bytes: int) -> Answer:
        origin = self._origins.get(request.origin) or self._origin(request.origin)
        message = _request_bytes(request, origin.host_header)
        connection = origin.take_idle(self._keepalive)
        if connection is None:
            connection = await self._connect(origin)
        return await connection.exchange(message, max_body_bytes)

    def _origin(self, origin: str) -> _Origin:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidRequest([FieldViolation("request", "has no http(s) upstream origin")])
        tls = parts.scheme == "https"
        port = parts.port or (443 if tls else 80)
        # Built here, the first time an origin is used, so a missing CA file fails a call.
        context = tls_context(self._ca_file) if tls else None
        known = self._origins[origin] = _Origin(self, parts.hostname, port, parts.netloc, context)
        return known

    async def _connect(self, origin: _Origin) -> _Connection:
        """A new connection to `origin`, or an idle one freed while waiting for room, within
        the connect timeout; nothing of the request has been sent if this fails."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.timeout):
                while self._open >= self._max_connections:
                    self._close_an_idle_connection()
                    await self._wait_for_room(loop)
                    connection = origin.take_idle(self._keepalive)
                    if connection is not None:
                        return connection
                self._open += 1
                connection = _Connection(self, origin, loop)
                try:
                    await loop.create_connection(
                        lambda: connection,
                        origin.host,
                        origin.port,
                        ssl=origin.tls,
                        server_hostname=origin.host if origin.tls else None,
                        ssl_handshake_timeout=self.timeout if origin.tls else None,
                    )
                except BaseException:
                    connection.forget()
                    raise
                return connection
        except OSError as exc:  # TimeoutError, refused, DNS, TLS (ssl.SSLError) alike
            raise TransportFailure(sent=False, timed_out=isinstance(exc, TimeoutError)) from exc

    async def _wait_for_room(self, loop: asyncio.AbstractEventLoop) -> None:
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.room_made()  # the wake-up this waiter got goes to the next one
            else:
                self._waiters.remove(waiter)
            raise

    def room_made(self) -> None:
        """A connection closed or went idle: one waiter may go on."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _close_an_idle_connection(self) -> None:
        """Make room at the limit by closing the longest idle connection of any origin."""
        oldest: _Connection | None = None
        for origin in self._origins.values():
            if origin.idle and (oldest is None or origin.idle[0].idle_since < oldest.idle_since):
                oldest = origin.idle[0]
        if oldest is not None:
            oldest.close()

    def connection_closed(self) -> None:
        self._open -= 1
        self.room_made()

    def went_idle(self, loop: asyncio.AbstractEventLoop) -> None:
        self.room_made()
        if self._sweep is None and not self.closing:
            self._sweep = loop.call_later(self._keepalive, self._expire_idle, loop)

    def _expire_idle(self, loop: asyncio.AbstractEventLoop) -> None:
        """Close connections idle for longer than the keep-alive, so none lingers unused."""
        self._sweep = None
        now = loop.time()
        oldest = None
        for origin in self._origins.values():
            origin.expire(now - self._keepalive)
            if origin.idle:
                since = origin.idle[0].idle_since
                oldest = since if oldest is None else min(oldest, since)
        if oldest is not None and not self.closing:
            self._sweep = loop.call_at(oldest + self._keepalive, self._expire_idle, loop)

    async def aclose(self) -> None:
        self.closing = True
        if self._sweep is not None:
            self._sweep.cancel()
        for origin in self._origins.values():
            while origin.idle:
                origin.idle[0].close()
        await asyncio.sleep(0)  # lets the closed connections' transports finish


class _Origin:
    """Where requests to one scheme, host and port go, and its idle connections."""

    __slots__ = ("host", "host_header", "idle", "port", "tls", "transport")

    def __init__(
        self,
        transport: Http1Transport,
        host: str,
        port: int,
        netloc: str,
        tls: ssl.SSLContext | None,
    ) -> None:
        self.transport = transport
        self.host = host
        self.port = port
        self.host_header = netloc
        self.tls = tls
        self.idle: deque[_Connection] = deque()
        """Oldest first; the newest is taken, as the least likely to be closing."""

    def take_idle(self, keepalive: float) -> _Connection | None:
        while self.idle:
            connection = self.idle.pop()
            if connection.usable(keepalive):
                return connection
            connection.close()
        return None

    def expire(self, before: float) -> None:
        while self.idle and self.idle[0].idle_since < before:
            self.idle[0].close()


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: one exchange at a time, its answer parsed as bytes arrive."""

    def __init__(
        self, pool: Http1Transport, origin: _Origin, loop: asyncio.AbstractEventLoop
    ) -> None:
        self._pool = pool
        self._origin = origin
        self._loop = loop
        self._timeout = pool.timeout
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._counted = True
        self.closed = False
        self.idle_since = 0.0
        self._answer: asyncio.Future[Answer] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._last_read = 0.0
        self._error: BaseException | None = None
        self._cap = 0
        self._status = 0
        self._headers: dict[str, str] = {}
        self._body = bytearray()
        self._raw_bytes = 0
        self._decoder: Any = None
        self._keep_alive = False
        self._headers_done = False
        self._until_eof = False

    # The exchange, driven by the calling task.

    async def exchange(self, message: bytes, max_body_bytes: int) -> Answer:
        if self._transport is None:  # never connected: nothing was sent
            self.close()
            raise TransportFailure(sent=False, timed_out=False)
        answer: asyncio.Future[Answer] = self._loop.create_future()
        self._answer = answer
        self._cap = max_body_bytes
        self._status = 0
        self._headers = {}
        self._body = bytearray()
        self._raw_bytes = 0
        self._decoder = None
        self._headers_done = self._until_eof = self._keep_alive = False
        self._last_read = self._loop.time()
        if self._timer is None:
            # Left armed after an answer, not cancelled: the next exchange on this kept-alive
            # connection needs no timer of its own, and uvloop's cost ~2 us each.
            self._timer = self._loop.call_at(self._last_read + self._timeout, self._check_timeout)
        self._transport.write(message)
        try:
            answered = await answer
        except ResponseTooLarge:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise TransportFailure(sent=True, timed_out=isinstance(exc, TimeoutError)) from exc
        except BaseException:  # cancelled: the answer's late bytes must not meet the next call
            self.close()
            raise
        finally:
            self._answer = None
        if self._keep_alive and not self.closed and not self._pool.closing:
            self.idle_since = self._loop.time()
            self._origin.idle.append(self)
            self._pool.went_idle(self._loop)
        else:
            self.close()
        return answered

    def usable(self, keepalive: float) -> bool:
        return (
            not self.closed
            and self._transport is not None
            and not self._transport.is_closing()
            and self._loop.time() - self.idle_since < keepalive
        )

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._disarm()
            self._unpool()
            if self._transport is not None:
                self._transport.abort()  # its `connection_lost` gives up the place
            else:
                self.forget()

    def forget(self) -> None:
        """Give up this connection's place in the limit (once)."""
        if self._counted:
            self._counted = False
            self._pool.connection_closed()

    def _unpool(self) -> None:
        idle = self._origin.idle
        if idle and self in idle:
            idle.remove(self)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _check_timeout(self) -> None:
        """The read timeout bounds every wait for bytes, not the whole answer: rescheduled
        from the last read rather than reset on each one, which is cheaper.

        The timer is never due later than the read timeout: it was armed at an earlier
        exchange's start or read, and an exchange starts by counting a read.
        """
        if self._answer is None:  # between exchanges: the next one arms it again
            self._timer = None
            return
        due = self._last_read + self._timeout
        if self._loop.time() < due:
            self._timer = self._loop.call_at(due, self._check_timeout)
        else:
            self._fail(TimeoutError("no bytes of the answer within the read timeout"))

    def _fail(self, exc: BaseException) -> None:
        self._keep_alive = False
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(exc)

    def _finish(self) -> None:
        if self._decoder is not None and self._raw_bytes and not self._decoder.eof:
            self._fail(MalformedAnswer("the compressed body ended early"))
        elif self._answer is not None and not self._answer.done():
            # A copy now: bytes after this answer must not change what the caller gets.
            self._answer.set_result(
                (self._status, ResponseHeaders(self._headers), bytes(self._body))
            )

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not `asyncio.Transport` subclasses, but have its methods.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self._answer is None or self._answer.done():
            # Bytes nobody asked for: what follows on this connection cannot be trusted.
            self._keep_alive = False
            self.close()
            return
        self._last_read = self._loop.time()
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError:
            self._fail(self._error or MalformedAnswer("an unreadable answer"))
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def eof_received(self) -> bool:
        self._ended(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._disarm()
        self._unpool()
        self._ended(exc)
        self.forget()

    def _ended(self, exc: Exception | None) -> None:
        if self._until_eof and self._headers_done and exc is None:
            self._keep_alive = False
            self._finish()
        else:
            self._fail(exc or ClosedBeforeAnswer("the connection ended before a complete answer"))

    # httptools callbacks

    def on_message_begin(self) -> None:
        if self._answer is None or self._answer.done():
            self._stop(MalformedAnswer("bytes after the answer"))

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        known = self._headers.get(key)
        self._headers[key] = text if known is None else f"{known}, {text}"

    def on_headers_complete(self) -> None:
        parser = self._parser
        status = self._status = parser.get_status_code()
        if status < 200:
            return  # 1xx: the answer follows
        if parser.should_upgrade():
            self._stop(MalformedAnswer("an upgrade that was not asked for"))
        self._headers_done = True
        self._keep_alive = parser.should_keep_alive()
        headers = self._headers
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._cap:
            self._stop(ResponseTooLarge(status))
        coding = headers.get("transfer-encoding")
        if coding is not None and coding.strip().lower() != "chunked":
            self._stop(MalformedAnswer("a Transfer-Encoding other than chunked"))
        encoding = headers.get("content-encoding")
        if encoding is not None and (encoding := encoding.strip().lower()) != "identity":
            wbits = _DECODERS.get(encoding)
            if wbits is None:
                self._stop(MalformedAnswer("a Content-Encoding that was not asked for"))
            self._decoder = zlib.decompressobj(wbits)
        self._until_eof = declared is None and coding is None and status not in (204, 304)

    def on_body(self, body: bytes) -> None:
        self._raw_bytes += len(body)
        if self._raw_bytes > self._cap:
            self._stop(ResponseTooLarge(self._status))
        if self._decoder is None:
            self._body += body
            return
        if self._decoder.eof:
            self._stop(MalformedAnswer("bytes after the end of the compressed body"))
        try:
            self._body += self._decoder.decompress(body, self._cap - len(self._body) + 1)
        except zlib.error as exc:
            self._stop(exc)
        if len(self._body) > self._cap:
            self._stop(ResponseTooLarge(self._status))

    def on_message_complete(self) -> None:
        if self._status < 200:
            self._headers = {}
            return
        self._finish()

    def _stop(self, exc: BaseException) -> NoReturn:
        """Stop parsing: httptools wraps what a callback raises, so it is kept for the
        exchange to raise as it is."""
        self._error = exc
        raise exc


def _request_bytes(request: HttpRequest, host: str) -> bytes:
    """The request as it goes on the wire, or `InvalidRequest` if anything in it could end a
    line or the request early (a split request could reach the upstream as two)."""
    if request.method not in METHODS or not _TARGET.fullmatch(request.target):
        raise InvalidRequest([FieldViolation("request", "does not fit in an upstream request")])
    lines = [f"{request.method} {request.target} HTTP/1.1\r\nHost: {host}\r\n"]
    asks_encoding = False
    for name, value in request.headers.items():
        if not (_TOKEN.fullmatch(name) and _FIELD_VALUE.fullmatch(value)):
            raise InvalidRequest(
                [FieldViolation("request", "does not fit in an upstream request header")]
            )
        lower = name.lower()
        if lower not in _SET_BY_TRANSPORT:
            lines.append(f"{name}: {value}\r\n")
            asks_encoding = asks_encoding or lower == "accept-encoding"
    if not asks_encoding:
        lines.append(f"Accept-Encoding: {ACCEPT_ENCODING}\r\n")
    body = request.body
    if body is not None or request.method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body) if body else 0}\r\n")
    lines.append("\r\n")
    head = "".join(lines).encode("ascii")
    return head + body if body else head
