"""The safety survey of the candidate upstream clients, against real local servers.

For each installed candidate (`bench/candidates.py`), checks what the gateway depends on and
prints a table of what was observed:

- a refused connection and a connection reset after the request was read raise classes that
  tell "never sent" from "may have been sent" (so a cancel is never sent twice);
- no POST is sent again when a kept-alive connection closes (FIN or RST) without answering;
- the connect timeout (a listener whose backlog is full) and the read timeout (an upstream
  that never answers) end the attempt;
- a redirect is returned, not followed; reading a body stops past a cap;
- the pool holds at most its limit of connections and reuses kept-alive ones.

Run: .venv/bin/python -m bench.client_safety
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from bench.candidates import CANDIDATES, BodyTooLarge, Candidate, installed
from bench.environment import Environment
from tests.faults.upstream import Endless, FaultyUpstream, Hangup, Hold, Reply, Reset

CONNECT_TIMEOUT, READ_TIMEOUT = 0.5, 0.5
BODY = b'{"authToken":"t","type":"robinhood"}'

Check = Callable[[type[Candidate]], Awaitable[tuple[bool, str]]]


async def _failure(call: Awaitable[object]) -> BaseException | None:
    try:
        async with asyncio.timeout(10) as scope:
            await call
    except TimeoutError as exc:
        return RuntimeError("hung for 10 s") if scope.expired() else exc
    except Exception as exc:
        return exc
    return None


def _named(exc: BaseException | None) -> str:
    return "no error" if exc is None else type(exc).__name__


def _client(candidate: type[Candidate], pool: int = 8) -> Candidate:
    return candidate(pool, CONNECT_TIMEOUT, READ_TIMEOUT, None)


@contextmanager
def _closed_port() -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        yield probe.getsockname()[1]


@contextmanager
def _full_backlog() -> Iterator[int]:
    """A listener that accepts nothing and whose queue is full: new SYNs are dropped, so a
    connect waits until the client's connect timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)
    try:
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def _upstream() -> FaultyUpstream:
    server = FaultyUpstream()
    await server.start()
    return server


async def tells_sent_from_not_sent(candidate: type[Candidate]) -> tuple[bool, str]:
    client = _client(candidate)
    with _closed_port() as port:
        refused = await _failure(client.post(f"http://127.0.0.1:{port}/", BODY))
    upstream = await _upstream()
    upstream.script(Reset(after_reading=True))
    after = await _failure(client.post(f"{upstream.url}/cancel", BODY))
    await upstream.stop()
    await client.aclose()
    told = (
        refused is not None
        and isinstance(refused, client.not_sent)
        and after is not None
        and not isinstance(after, client.not_sent)
    )
    return told, f"refused: {_named(refused)}; reset after send: {_named(after)}"


async def _posts_after_close(candidate: type[Candidate], close: Hangup | Reset) -> str:
    client = _client(candidate)
    upstream = await _upstream()
    upstream.script(Reply(), close)
    await _failure(client.post(f"{upstream.url}/cancel", BODY))
    second = await _failure(client.post(f"{upstream.url}/cancel", BODY))
    await asyncio.sleep(0.2)
    posts = len(upstream.requests)
    await upstream.stop()
    await client.aclose()
    return f"{posts - 1} POST(s) for 1 call ({_named(second)})"


async def never_resends(candidate: type[Candidate]) -> tuple[bool, str]:
    fin = await _posts_after_close(candidate, Hangup())
    rst = await _posts_after_close(candidate, Reset(after_reading=True))
    return fin.startswith("1 ") and rst.startswith("1 "), f"FIN: {fin}; RST: {rst}"


async def connect_timeout(candidate: type[Candidate]) -> tuple[bool, str]:
    client = _client(candidate)
    with _full_backlog() as port:
        started = time.monotonic()
        exc = await _failure(client.post(f"http://127.0.0.1:{port}/", BODY))
        elapsed = time.monotonic() - started
    await client.aclose()
    ok = exc is not None and elapsed < CONNECT_TIMEOUT + 1.5 and isinstance(exc, client.not_sent)
    return ok, f"{_named(exc)} after {elapsed:.2f} s"


async def read_timeout(candidate: type[Candidate]) -> tuple[bool, str]:
    client = _client(candidate)
    upstream = await _upstream()
    upstream.script(Hold(asyncio.Event()))
    started = time.monotonic()
    exc = await _failure(client.post(f"{upstream.url}/slow", BODY))
    elapsed = time.monotonic() - started
    await client.aclose()
    await upstream.stop()
    ok = exc is not None and elapsed < READ_TIMEOUT + 1.5 and not isinstance(exc, client.not_sent)
    return ok, f"{_named(exc)} after {elapsed:.2f} s"


async def no_redirects(candidate: type[Candidate]) -> tuple[bool, str]:
    client = _client(candidate)
    upstream = await _upstream()
    upstream.script(Reply(302, b"", (("Location", "/elsewhere"),)))
    try:
        status, _ = await client.post(f"{upstream.url}/moved", BODY)
    except Exception as exc:
        status = 0
        await client.aclose()
        await upstream.stop()
        return False, _named(exc)
    requests = len(upstream.requests)
    await client.aclose()
    await upstream.stop()
    return status == 302 and requests == 1, f"status {status}, {requests} request(s) at server"


async def body_cap(candidate: type[Candidate]) -> tuple[bool, str]:
    client = _client(candidate)
    upstream = await _upstream()
    upstream.script(Endless())
    started = time.monotonic()
    exc = await _failure(client.post(f"{upstream.url}/endless", BODY, cap=256 * 1024))
    elapsed = time.monotonic() - started
    await client.aclose()
    await upstream.stop()
    return isinstance(exc, BodyTooLarge), f"{_named(exc)} after {elapsed:.2f} s"


async def pool_limit_and_reuse(candidate: type[Candidate]) -> tuple[bool, str]:
    client = _client(candidate, pool=4)
    upstream = await _upstream()
    upstream.default = Reply(delay=0.1)
    url = f"{upstream.url}/value"
    failures = [await _failure(client.post(url, BODY)) for _ in range(10)]
    sequential = upstream.connections
    results = await asyncio.gather(*(_failure(client.post(url, BODY)) for _ in range(16)))
    failures += results
    concurrent = upstream.peak_open
    await client.aclose()
    await upstream.stop()
    errors = sum(failure is not None for failure in failures)
    ok = sequential == 1 and concurrent <= 4 and errors == 0
    return ok, (
        f"10 sequential: {sequential} connection(s); then 16 at once, pool 4: "
        f"at most {concurrent} open; {errors} failed"
    )


CHECKS: list[tuple[str, Check]] = [
    ("tells never-sent from maybe-sent by class", tells_sent_from_not_sent),
    ("no POST re-sent after a kept-alive connection closes", never_resends),
    ("connect timeout (full backlog), classed never-sent", connect_timeout),
    ("read timeout (no answer)", read_timeout),
    ("redirect returned, not followed", no_redirects),
    ("reading stops past a body cap (endless body)", body_cap),
    ("pool limit and keep-alive reuse", pool_limit_and_reuse),
]


async def survey(candidate: type[Candidate]) -> dict[str, tuple[bool, str]]:
    observed: dict[str, tuple[bool, str]] = {}
    for label, check in CHECKS:
        try:
            observed[label] = await check(candidate)
        except Exception as exc:
            observed[label] = (False, f"check failed: {type(exc).__name__}: {exc}")
    return observed


def passes(observed: dict[str, tuple[bool, str]]) -> bool:
    return all(ok for ok, _ in observed.values())


SAFETY = "upstream client safety"


def safety(env: Environment) -> None:
    """Scenario `client safety`: every installed candidate (only the gateway's own, http1,
    when smoke) through every check, recorded beside the clients' load rows."""
    candidates = [CANDIDATES[0]] if env.smoke else installed()
    env.bench.notes[SAFETY] = {
        candidate.name: asyncio.run(survey(candidate)) for candidate in candidates
    }


def main() -> None:
    for candidate in installed():
        observed = asyncio.run(survey(candidate))
        print(f"## {candidate.name}: {'passes' if passes(observed) else 'FAILS'}")
        for label, (ok, what) in observed.items():
            print(f"- {'ok  ' if ok else 'FAIL'} {label}: {what}")
        print()


if __name__ == "__main__":
    main()
