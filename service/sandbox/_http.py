"""A real HTTP/1.1 server on 127.0.0.1 that records every request and asks a simulator to answer.

Each simulated upstream runs its own `ThreadingHTTPServer` on an ephemeral port in a daemon
thread. Responses always carry Content-Length so that clients keep their connections alive, as
they would against the real upstreams.
"""

import contextlib
import logging
import socket
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeAlias

from service.sandbox._hold import HeldRequests
from service.sandbox._json import JsonValue, dumps

_LOGGER = logging.getLogger(__name__)
_Request: TypeAlias = socket.socket | tuple[bytes, socket.socket]
_HOST = "127.0.0.1"
# How often the accept loop looks for a stop request: stop() waits up to this long, and tests
# stop a sandbox after every test.
_STOP_POLL_SECONDS = 0.02
# How long stop() lets answers in progress finish before it closes the connections: they are
# local and small, so this is only reached if a handler is stuck.
_ANSWER_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class RecordedRequest:
    """One request exactly as the sandbox received it."""

    method: str
    path: str
    """The raw path, still percent-encoded, without the query."""
    query: str
    """The raw query string, without the leading `?`."""
    headers: dict[str, str]
    """Header names lower-cased; repeated headers joined with `, `."""
    body: bytes


@dataclass(frozen=True)
class Response:
    """What a simulator answers; the server adds Content-Length."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang_up: bool = False
    """Close the connection without answering at all: an answer lost after the request arrived."""


HANG_UP = Response(0, hang_up=True)


def json_response(
    status: int,
    value: JsonValue,
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(status, dumps(value), content_type, headers or {})


class SimulatedUpstream(ABC):
    """An upstream API simulated on a local port: records requests, answers with `handle`."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._held = HeldRequests()

    @abstractmethod
    def handle(self, request: RecordedRequest) -> Response:
        """Answer one request; called concurrently from the server's handler threads."""

    @property
    def credentials(self) -> dict[str, str]:
        """The credentials a client needs, named as the provider's settings name them."""
        return {}

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received since start or the last reset, in order."""
        with self._lock:
            return list(self._requests)

    @property
    def held_count(self) -> int:
        """How many requests are being held right now (see `release_held`)."""
        return self._held.count

    def release_held(self) -> None:
        """Answer every held request now, and hold none until the next `reset`."""
        self._held.release()

    def _wait_while_held(self) -> None:
        """Called by `handle` for a `held` trigger: wait until released, stopped or timed out."""
        self._held.wait()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"the {self._name} sandbox is not running")
        return f"http://{_HOST}:{self._server.server_address[1]}"

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError(f"the {self._name} sandbox is already running")
        self._held.start()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(_STOP_POLL_SECONDS,),
            name=f"sandbox-{self._name}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server = self._thread = None
        server.shutdown()
        # Held requests answer normally, and every answer in progress reaches its client,
        # before the connections close: a stopped sandbox leaves no request hanging.
        self._held.stop()
        server.wait_for_answers(_ANSWER_GRACE_SECONDS)
        server.close_connections()
        server.server_close()
        thread.join()

    def reset(self) -> None:
        """Forget the recorded requests and hold `held` requests again."""
        with self._lock:
            self._requests.clear()
        self._held.rearm()

    def record(self, request: RecordedRequest) -> None:
        """Called by the server for every request, before `handle`."""
        with self._lock:
            self._requests.append(request)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: SimulatedUpstream) -> None:
        super().__init__((_HOST, 0), _Handler)
        self.upstream = upstream
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._answering = 0
        self._answering_changed = threading.Condition()

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Counts a request from its arrival until its answer is written."""
        with self._answering_changed:
            self._answering += 1
        try:
            yield
        finally:
            with self._answering_changed:
                self._answering -= 1
                self._answering_changed.notify_all()

    def wait_for_answers(self, timeout: float) -> None:
        with self._answering_changed:
            self._answering_changed.wait_for(lambda: self._answering == 0, timeout)

    def process_request(self, request: _Request, client_address: object) -> None:
        # Tracked in the accept loop, before the handler thread exists, so that stop() cannot
        # miss a connection accepted just before it.
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def close_request(self, request: _Request) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.discard(request)
        super().close_request(request)

    def close_connections(self) -> None:
        # shutdown() only stops accepting; kept-alive connections would otherwise go on being
        # served after stop(), so a stopped sandbox would still answer pooled clients.
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _serve(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            # Its length is unknown, and an unread body would corrupt the next request on this
            # connection, so refuse it and close.
            self._send(Response(411, headers={"Connection": "close"}))
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw_path, _, query = self.path.partition("?")
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        request = RecordedRequest(
            method=self.command,
            path=raw_path,
            query=query,
            headers=headers,
            body=self.rfile.read(length),
        )
        self.server.upstream.record(request)
        self._send(self.server.upstream.handle(request))

    def _serve_counted(self) -> None:
        with self.server.answering():
            self._serve()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve_counted

    def _send(self, response: Response) -> None:
        if response.hang_up:
            self.close_connection = True
            return
        self.send_response(response.status)
        if response.content_type is not None:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Without the query, which may carry a secret (SnapTrade's `userSecret`).
        _LOGGER.debug(
            "%s %s %s %s", self.address_string(), self.command, self.path.partition("?")[0], code
        )

    def log_message(self, format: str, *args: object) -> None:
        _LOGGER.debug("%s %s", self.address_string(), format % args)
