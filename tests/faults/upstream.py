"""A fault-injecting HTTP/1.1 upstream on loopback, scripted answer by answer.

Each request to a non-token path takes the next behaviour from the script (or the default
one): a reply, a delay, a connection reset before or after reading the request, a hang-up, a
truncated, endless or dripping body. The server counts what reached it and which exchanges the
client abandoned, so tests assert figures rather than the absence of a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import struct
from collections import deque
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b'{"status": "ok", "content": {"totalValue": 186.03}}'
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    delay: float = 0.0


@dataclass(frozen=True)
class Hold:
    """Answer `reply` only once `release` is set (or the client gives up)."""

    release: asyncio.Event
    reply: Reply = Reply()


@dataclass(frozen=True)
class Reset:
    """Reset the connection (RST), before or after reading the request."""

    after_reading: bool


@dataclass(frozen=True)
class Hangup:
    """Read the request, then close the connection (FIN) without answering: what a client sees
    when a server closes a kept-alive connection just as a request is sent on it."""


@dataclass(frozen=True)
class Truncated:
    """Announce `declared` bytes of body, send `body`, then close."""

    body: bytes
    declared: int


@dataclass(frozen=True)
class Endless:
    """A chunked body that never ends."""

    chunk: bytes = b"[" * 1024


@dataclass(frozen=True)
class Drip:
    """A body sent one byte per `interval` seconds."""

    body: bytes
    interval: float


Behaviour = Reply | Hold | Reset | Hangup | Truncated | Endless | Drip


def json_reply(data: object, status: int = 200, **headers: str) -> Reply:
    return Reply(
        status,
        json.dumps(data).encode(),
        (("Content-Type", "application/json"), *headers.items()),
    )


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FaultyUpstream:
    default: Behaviour = field(default_factory=Reply)
    requests: list[Recorded] = field(default_factory=list)
    token_requests: int = 0
    connections: int = 0
    abandoned: int = 0
    """Exchanges whose client went away before the answer was complete."""
    closed: int = 0
    """Connections that ended, whichever side closed them."""
    peak_open: int = 0
    """The most connections open at once."""
    unread: int = 0
    """Requests reset before they were read (so not in `requests`)."""
    token_reply: Behaviour = field(
        default_factory=lambda: json_reply(
            {"access_token": "fault-token", "token_type": "bearer", "expires_in": 3600}
        )
    )
    tls: ssl.SSLContext | None = None
    """Serve HTTPS with this context."""
    _script: deque[Behaviour] = field(default_factory=deque)
    _server: asyncio.Server | None = None

    def script(self, *behaviours: Behaviour) -> None:
        self._script.extend(behaviours)

    @property
    def attempts(self) -> int:
        """Requests that reached the server, read or not."""
        return len(self.requests) + self.unread

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=5)

    async def wait_for(self, counter: str, expected: int) -> None:
        """Wait (10 s at most) until `counter` reaches `expected`."""
        async with asyncio.timeout(10):
            while getattr(self, counter) < expected:  # noqa: ASYNC110 (counters, not events)
                await asyncio.sleep(0.01)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.peak_open = max(self.peak_open, self.connections - self.closed)
        try:
            while await self._exchange(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # The loop is closing with the connection open. Ending the handler here, rather
            # than as cancelled, keeps Python 3.11's stream callback from logging a traceback:
            # it asks a cancelled handler task for its exception.
            pass
        finally:
            writer.close()
            self.closed += 1

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; False once the connection is done."""
        peeked = self._script[0] if self._script else self.default
        if isinstance(peeked, Reset) and not peeked.after_reading:
            # Reset as soon as the connection is used, without reading the request.
            if not await reader.read(1):
                return False
            if self._script:
                self._script.popleft()
            self.unread += 1
            _reset(writer)
            return False
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in header_lines if line)
        }
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        if path.startswith("/auth/token"):
            self.token_requests += 1
            behaviour = self.token_reply
        else:
            self.requests.append(Recorded(method, path, headers, body))
            behaviour = self._script.popleft() if self._script else self.default
        return await self._behave(behaviour, reader, writer)

    async def _behave(
        self, behaviour: Behaviour, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        if isinstance(behaviour, Reset):
            _reset(writer)
            return False
        if isinstance(behaviour, Hangup):
            return False
        if isinstance(behaviour, Hold):
            if not await self._until_or_abandoned(behaviour.release.wait(), reader):
                return False
            behaviour = behaviour.reply
        if isinstance(behaviour, Reply):
            if behaviour.delay and not await self._until_or_abandoned(
                asyncio.sleep(behaviour.delay), reader
            ):
                return False
            writer.write(_head(behaviour.status, behaviour.headers, len(behaviour.body)))
            writer.write(behaviour.body)
            await writer.drain()
            return True
        if isinstance(behaviour, Truncated):
            writer.write(_head(200, (("Content-Type", "application/json"),), behaviour.declared))
            writer.write(behaviour.body)
            await writer.drain()
            return False
        if isinstance(behaviour, Endless):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
            writer.write(b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n%s\r\n" % (len(behaviour.chunk), behaviour.chunk)
            return await self._send_until_abandoned(writer, (chunk for _ in range(10**6)), 0)
        writer.write(_head(200, (("Content-Type", "application/json"),), len(behaviour.body)))
        drops = (bytes([byte]) for byte in behaviour.body)
        return await self._send_until_abandoned(writer, drops, behaviour.interval)

    async def _until_or_abandoned(
        self, waiting: Coroutine[object, object, object], reader: asyncio.StreamReader
    ) -> bool:
        """Wait for `waiting`; False (and counted) if the client hangs up first.

        The client sends nothing while it waits for an answer, so end of input means it left;
        polling for it never reads, so no byte of a later request is lost.
        """
        wait_task = asyncio.ensure_future(waiting)
        while not wait_task.done():
            if reader.at_eof():
                wait_task.cancel()
                self.abandoned += 1
                return False
            await asyncio.wait({wait_task}, timeout=0.01)
        return True

    async def _send_until_abandoned(
        self, writer: asyncio.StreamWriter, pieces: Iterator[bytes], pause: float
    ) -> bool:
        """Send `pieces` with a pause between them; False (and counted) if the client leaves."""
        try:
            for piece in pieces:
                writer.write(piece)
                await writer.drain()
                await asyncio.sleep(pause)
        except ConnectionError:
            self.abandoned += 1
            return False
        return True


def _head(status: int, headers: tuple[tuple[str, str], ...], length: int) -> bytes:
    lines = [f"HTTP/1.1 {status} Status", *(f"{k}: {v}" for k, v in headers)]
    lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
