"""What grpc's C core spends to turn one call away at its pending-call limit, measured alone.

A grpc.aio server (uvloop, the gateway's pending-call options with a limit of one) whose first
call holds the event loop: no later call is taken up, so grpc refuses each one with
RESOURCE_EXHAUSTED before any Python runs, while closed-loop h2load (16 connections of 64
streams, the overload scenario's shape, on the load core) keeps them coming. The server's CPU
over that stretch, divided by the calls refused, is the cost of a refusal with nothing else
on the core; the overload scenario's figures show what it becomes inside a busy gateway.

Run: .venv/bin/python -m bench.refusal [--seconds 5]
(prints the figure as JSON; pin it with `taskset -c 0` as the bench does)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import tempfile
import threading
from pathlib import Path

import grpc
import uvloop

from bench.environment import VALUE_BODY
from bench.harness import LOAD_CORE, SERVICE, cpu_seconds, pinned

CONNECTIONS = 16
STREAMS = 64
HELD_AT_MOST = 120.0
"""The first call holds the loop until the load is over, or this long if the load fails."""
_DONE = re.compile(r"requests: \d+ total, \d+ started, (\d+) done")


def _load(url: str, body: Path, seconds: float) -> int:
    """Calls h2load saw answered in `seconds` (a duration run leaves the held ones open)."""
    command = [
        "h2load", "-D", f"{round(seconds * 1000)}ms", "-c", str(CONNECTIONS), "-m", str(STREAMS),
        "-d", str(body), "-H", "content-type: application/grpc", "-H", "te: trailers", url,
    ]  # fmt: skip
    output = subprocess.run(
        pinned(command, LOAD_CORE), capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    found = _DONE.search(output)
    if found is None:
        raise RuntimeError(f"h2load printed no request count: {output[-500:]}")
    return int(found.group(1))


async def measure(seconds: float) -> dict[str, float]:
    released = threading.Event()

    async def holding(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        # Blocks the loop on purpose: while it waits, grpc's C core alone answers every call.
        released.wait(HELD_AT_MOST)
        return b""

    server = grpc.aio.server(
        options=[
            ("grpc.server.max_pending_requests", 1),
            ("grpc.server.max_pending_requests_hard_limit", 1),
        ]
    )
    handler = grpc.method_handlers_generic_handler(
        SERVICE.lstrip("/"), {"GetHoldingsValue": grpc.unary_unary_rpc_method_handler(holding)}
    )
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    url = f"http://127.0.0.1:{port}{SERVICE}/GetHoldingsValue"
    with tempfile.TemporaryDirectory() as scratch:
        body = Path(scratch) / "body"
        body.write_bytes(VALUE_BODY)

        def under_load() -> dict[str, float]:
            try:
                # The first call of this run takes the loop and keeps it until the end.
                _load(url, body, 1)
                before = cpu_seconds(os.getpid())
                refused = _load(url, body, seconds)
                spent = cpu_seconds(os.getpid()) - before
            finally:
                released.set()
            return {
                "refused_per_second": refused / seconds,
                "us_per_refusal": spent / refused * 1e6,
            }

        # In a thread of its own: the loop stays free to take the first call, which holds it.
        outcome = await asyncio.to_thread(under_load)
    await server.stop(0)
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    print(json.dumps(uvloop.run(measure(parser.parse_args().seconds))))


if __name__ == "__main__":
    main()
