"""`Http1Transport` against a raw local TCP server that sends exactly the bytes a test scripts:
what the fault suite (run under every transport) does not reach, because its upstream only
sends well-formed answers with a Content-Length."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import socket
import zlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import httptools
import pytest
import uvloop
from hypothesis import given, settings
from hypothesis import strategies as st

from service.core.errors import InvalidRequest
from service.providers.connections import KEEPALIVE_SECONDS
from service.providers.http1_transport import ClosedBeforeAnswer, Http1Transport, MalformedAnswer
from service.providers.upstream import HttpRequest, ResponseTooLarge, TransportFailure

TIMEOUT = 0.5
CAP = 64 * 1024
BODY = b'{"totalValue": "186.03"}'
T = TypeVar("T")


def answer(body: bytes = BODY, *headers: str, status: str = "200 OK") -> bytes:
    head = [f"HTTP/1.1 {status}", *headers]
    if not any(line.lower().startswith(("content-length", "transfer-encoding")) for line in head):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def chunked(body: bytes, size: int = 7, *headers: str) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    encoded = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"
    return answer(encoded, "Transfer-Encoding: chunked", *headers)


@dataclass
class Script:
    """What the server sends for one request: `pieces`, one write each `interval` apart;
    if `hold` is given, waits until it is set and sends `rest`; then closes if `close`."""

    pieces: Sequence[bytes]
    close: bool = False
    hold: asyncio.Event | None = None
    rest: bytes = b""
    interval: float = 0.001


@dataclass
class RawUpstream:
    scripts: deque[Script] = field(default_factory=deque)
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    closed: int = 0
    url: str = ""
    serving: set[asyncio.Task[None]] = field(default_factory=set)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.serving.add(asyncio.current_task())  # type: ignore[arg-type]
        try:
            while self.scripts:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                self.requests.append(head + await reader.readexactly(length))
                script = self.scripts.popleft()
                for piece in script.pieces:
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(script.interval)  # one TCP segment each, in practice
                if script.hold is not None:
                    await script.hold.wait()
                    writer.write(script.rest)
                    await writer.drain()
                if script.close:
                    return
            # Wait for the client to close, so `closed` counts what the client ended.
            await reader.read()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            self.closed += 1


@asynccontextmanager
async def raw_upstream(*scripts: Script) -> AsyncIterator[RawUpstream]:
    upstream = RawUpstream(deque(scripts))
    server = await asyncio.start_server(upstream.serve, "127.0.0.1", 0)
    upstream.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield upstream
    finally:
        server.close()
        if upstream.serving:
            _, pending = await asyncio.wait(upstream.serving, timeout=1)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)


@asynccontextmanager
async def transport(
    max_connections: int = 8, keepalive_seconds: float = KEEPALIVE_SECONDS
) -> AsyncIterator[Http1Transport]:
    client = Http1Transport(max_connections, TIMEOUT, keepalive_seconds=keepalive_seconds)
    try:
        yield client
    finally:
        await client.aclose()


def post(url: str, target: str = "/cancel", **headers: str) -> HttpRequest:
    return HttpRequest("POST", url, target, {"Content-Type": "application/json", **headers}, b"{}")


async def failure_of(client: Http1Transport, request: HttpRequest) -> TransportFailure:
    with pytest.raises(TransportFailure) as raised:
        await client.exchange(request, CAP)
    return raised.value


async def test_a_chunked_answer_is_read_whole() -> None:
    async with raw_upstream(Script([chunked(BODY * 10)])) as upstream, transport() as client:
        status, _, body = await client.exchange(post(upstream.url), CAP)

    assert (status, body) == (200, BODY * 10)


LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}


def run_on(loop: str, main: Coroutine[object, object, T]) -> T:
    with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
        return runner.run(main)


@settings(max_examples=40, deadline=None)
@given(
    loop=st.sampled_from(sorted(LOOPS)),
    encoding=st.sampled_from(["length", "chunked"]),
    cuts=st.lists(st.integers(min_value=1, max_value=400), max_size=25),
)
def test_an_answer_split_anywhere_across_tcp_writes_reads_the_same(
    loop: str, encoding: str, cuts: list[int]
) -> None:
    body = BODY * 8
    wire = answer(body, "X-Seen: yes") if encoding == "length" else chunked(body, 5, "X-Seen: yes")
    bounds = sorted({cut % len(wire) for cut in cuts} | {0, len(wire)})
    pieces = [wire[a:b] for a, b in itertools.pairwise(bounds) if b > a]

    async def run() -> tuple[int, str, bytes, int]:
        async with raw_upstream(Script(pieces), Script([wire])) as upstream:
            async with transport() as client:
                status, headers, read = await client.exchange(post(upstream.url), CAP)
                again = await client.exchange(post(upstream.url), CAP)
            assert again[2] == body
            return status, headers["x-seen"], read, upstream.connections

    assert run_on(loop, run()) == (200, "yes", body, 1)


def test_on_uvloop_connections_are_reused_closed_and_failures_mapped_alike() -> None:
    """The gateway runs on uvloop; the rest of this module and the fault suite on asyncio."""

    async def run() -> None:
        scripts = (
            Script([answer()]),
            Script([answer(BODY, "Connection: close")], close=True),
            Script([answer()]),
            Script([answer()[:-3]], close=True),
        )
        async with raw_upstream(*scripts) as upstream, transport() as client:
            for _ in range(3):
                assert (await client.exchange(post(upstream.url), CAP))[2] == BODY
            assert upstream.connections == 2
            assert (await failure_of(client, post(upstream.url))).sent
            cancelled = asyncio.create_task(client.exchange(post(upstream.url), CAP))
            await asyncio.sleep(0.05)
            cancelled.cancel()
            with pytest.raises(asyncio.CancelledError):
                await cancelled
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{probe.getsockname()[1]}"
            async with transport() as client:
                assert not (await failure_of(client, post(url))).sent

    run_on("uvloop", run())


@pytest.mark.parametrize(
    "ending",
    [
        answer(BODY, "Connection: close"),
        answer(BODY, status="200 OK").replace(b"HTTP/1.1", b"HTTP/1.0"),
    ],
    ids=["connection-close", "http-1.0"],
)
async def test_an_answer_that_ends_the_connection_is_not_reused(ending: bytes) -> None:
    scripts = (Script([ending], close=True), Script([answer()]))
    async with raw_upstream(*scripts) as upstream, transport() as client:
        first = await client.exchange(post(upstream.url), CAP)
        second = await client.exchange(post(upstream.url), CAP)

    assert first[2] == second[2] == BODY
    assert upstream.connections == 2


async def test_a_body_read_until_the_connection_closes_is_kept_whole() -> None:
    wire = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + BODY
    async with raw_upstream(Script([wire], close=True)) as upstream, transport() as client:
        status, _, body = await client.exchange(post(upstream.url), CAP)

    assert (status, body) == (200, BODY)


async def test_an_idle_connection_expires_after_the_keepalive() -> None:
    scripts = (Script([answer()]), Script([answer()]))
    async with raw_upstream(*scripts) as upstream, transport(keepalive_seconds=0.2) as client:
        await client.exchange(post(upstream.url), CAP)
        await asyncio.sleep(0.5)
        closed_while_idle = upstream.closed
        await client.exchange(post(upstream.url), CAP)

    assert closed_while_idle == 1
    assert upstream.connections == 2


@pytest.mark.parametrize(
    "wire",
    [
        b"HTTP/1.1 2xx OK\r\n\r\n",
        b"SMTP ready\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
    ],
    ids=["status", "protocol", "length"],
)
async def test_a_malformed_answer_fails_the_exchange_after_it_was_sent(wire: bytes) -> None:
    async with raw_upstream(Script([wire])) as upstream, transport() as client:
        failed = await failure_of(client, post(upstream.url))

    assert failed.sent
    assert not failed.timed_out
    assert isinstance(failed.__cause__, httptools.HttpParserError)


async def test_a_close_before_the_whole_answer_fails_after_it_was_sent() -> None:
    truncated = answer(BODY)[:-5]
    async with raw_upstream(Script([truncated], close=True)) as upstream, transport() as client:
        failed = await failure_of(client, post(upstream.url))

    assert failed.sent
    assert isinstance(failed.__cause__, ClosedBeforeAnswer | ConnectionError)


@pytest.mark.parametrize(
    "request_",
    [
        post("", target="/cancel HTTP/1.1\r\nX-Evil: 1\r\n\r\nGET /x"),
        post("", target="/a b"),
        post("", target="cancel"),
        post("", **{"X-Note": "ok\r\nX-Evil: 1"}),
        post("", **{"X-Note": "ok\nX-Evil: 1"}),
        post("", **{"X-Evil: 1\r\nX-Note": "ok"}),
        post("", **{"X-Note": "caf\u00e9"}),
        HttpRequest("GET\r\nX", "", "/", {}),
    ],
    ids=[
        "target-crlf",
        "target-space",
        "target-relative",
        "value-crlf",
        "value-lf",
        "name",
        "non-ascii",
        "method",
    ],
)
async def test_a_request_that_could_be_split_is_refused_before_connecting(
    request_: HttpRequest,
) -> None:
    async with raw_upstream(Script([answer()])) as upstream, transport() as client:
        request_.origin = upstream.url
        with pytest.raises(InvalidRequest):
            await client.exchange(request_, CAP)

    assert upstream.connections == 0


async def test_the_request_goes_out_as_given_with_host_and_length() -> None:
    async with raw_upstream(Script([answer()])) as upstream, transport() as client:
        await client.exchange(post(upstream.url, "/a%2Fb?q=1%202", **{"X-Id": "7"}), CAP)

    host = upstream.url.removeprefix("http://")
    assert (
        upstream.requests[0]
        == (
            f"POST /a%2Fb?q=1%202 HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            "X-Id: 7\r\nAccept-Encoding: gzip, deflate\r\nContent-Length: 2\r\n\r\n{}"
        ).encode()
    )


async def test_repeated_headers_are_joined_and_looked_up_in_any_case() -> None:
    wire = answer(BODY, "Vary: Accept", "vary: Origin", "X-Rate-Reset: 5")
    async with raw_upstream(Script([wire])) as upstream, transport() as client:
        _, headers, _ = await client.exchange(post(upstream.url), CAP)

    assert headers["vary"] == headers["VARY"] == "Accept, Origin"
    assert headers.get("x-rate-reset") == "5"


async def test_an_interim_answer_is_skipped_for_the_final_one() -> None:
    wire = b"HTTP/1.1 100 Continue\r\n\r\n" + answer(BODY, status="201 Created")
    async with raw_upstream(Script([wire])) as upstream, transport() as client:
        status, _, body = await client.exchange(post(upstream.url), CAP)

    assert (status, body) == (201, BODY)


@pytest.mark.parametrize(
    ("coding", "compress"),
    [("gzip", gzip.compress), ("deflate", zlib.compress)],
)
async def test_a_compressed_answer_is_decoded(coding: str, compress: object) -> None:
    assert callable(compress)
    compressed = compress(BODY * 50)
    header = f"Content-Encoding: {coding}"
    wires = (answer(compressed, header), chunked(compressed, 100, header))
    async with raw_upstream(*(Script([w]) for w in wires)) as upstream, transport() as client:
        answers = [await client.exchange(post(upstream.url), CAP) for _ in wires]

    assert [body for _, _, body in answers] == [BODY * 50] * 2
    assert upstream.connections == 1


async def test_a_decompression_bomb_stops_at_the_cap() -> None:
    bomb = gzip.compress(b"0" * (64 * CAP))
    assert len(bomb) < CAP
    wire = chunked(bomb, 4096, "Content-Encoding: gzip")
    async with raw_upstream(Script([wire])) as upstream, transport() as client:
        with pytest.raises(ResponseTooLarge) as raised:
            await client.exchange(post(upstream.url), CAP)

    assert raised.value.status_code == 200


@pytest.mark.parametrize(
    "wire",
    [
        answer(BODY, "Content-Encoding: br"),
        answer(BODY, "Content-Encoding: gzip"),
        answer(gzip.compress(BODY)[:-8], "Content-Encoding: gzip"),
    ],
    ids=["unknown", "not-gzip", "truncated"],
)
async def test_an_encoding_that_cannot_be_decoded_is_a_failure_not_garbage(wire: bytes) -> None:
    async with raw_upstream(Script([wire])) as upstream, transport() as client:
        failed = await failure_of(client, post(upstream.url))

    assert failed.sent
    assert isinstance(failed.__cause__, MalformedAnswer | zlib.error)


async def test_a_declared_length_over_the_cap_stops_before_reading() -> None:
    wire = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (CAP + 1)
    held = Script([wire], hold=asyncio.Event())
    async with raw_upstream(held) as upstream, transport() as client:
        with pytest.raises(ResponseTooLarge):
            await client.exchange(post(upstream.url), CAP)


async def test_a_call_cancelled_mid_answer_closes_its_connection() -> None:
    late = asyncio.Event()
    first = answer(b'{"answer": "first"}')
    scripts = (
        Script([first[:-6]], hold=late, rest=first[-6:]),
        Script([answer(b'{"answer": "second"}')]),
    )
    async with raw_upstream(*scripts) as upstream, transport() as client:
        call = asyncio.create_task(client.exchange(post(upstream.url), CAP))
        await asyncio.sleep(0.1)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        late.set()  # the rest of the first answer, if anything still listened
        _, _, body = await client.exchange(post(upstream.url), CAP)

    assert body == b'{"answer": "second"}'
    assert upstream.connections == 2


async def test_waiting_for_a_pooled_connection_times_out_before_anything_is_sent() -> None:
    wire = chunked(BODY, 3)
    # An answer that takes twice the timeout in all, but never waits as long for a byte.
    dripping = Script([wire[i : i + 8] for i in range(0, len(wire), 8)], interval=TIMEOUT / 6)
    async with raw_upstream(dripping) as upstream, transport(max_connections=1) as client:
        busy = asyncio.create_task(client.exchange(post(upstream.url), CAP))
        await asyncio.sleep(0.05)
        waited = await failure_of(client, post(upstream.url))
        answered = await busy

    assert not waited.sent
    assert waited.timed_out
    assert answered[2] == BODY
    assert len(upstream.requests) == 1


@pytest.mark.parametrize("idle", [TIMEOUT / 2, TIMEOUT * 1.5], ids=["within", "beyond"])
async def test_a_reused_connection_times_out_a_stalled_answer_from_the_last_byte_read(
    idle: float,
) -> None:
    # The read timer is left armed between exchanges: due during the second one (idle within
    # the timeout) or fired while idle (beyond it), it must time the second out neither early
    # nor never.
    stalled = asyncio.Event()
    async with (
        raw_upstream(Script([answer()]), Script([], hold=stalled)) as upstream,
        transport() as client,
    ):
        loop = asyncio.get_running_loop()
        await client.exchange(post(upstream.url), CAP)
        await asyncio.sleep(idle)
        started = loop.time()
        failure = await failure_of(client, post(upstream.url))
        waited = loop.time() - started
        stalled.set()

    assert failure.sent
    assert failure.timed_out
    assert waited >= TIMEOUT
    assert upstream.connections == 1
