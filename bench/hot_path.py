"""The gateway's own Python work per call, below grpc and above HTTP: the RPC boundary, the
servicer, the provider's adapter and guard, reading and converting the answer, and the log
line, for one `GetHoldingsValue` and one `CancelOrder` (Mesh) against canned upstream answers.

What it leaves out (grpc's C core, the sockets) costs the same whatever the gateway does, so
this is where the gateway's cuts show. Two ways to measure:

- `.venv/bin/python -m bench.hot_path` prints CPU microseconds per call (the best of a few
  repeats; on a shared machine these move with the load).
- `.venv/bin/python -m bench.hot_path --instructions` runs itself twice under valgrind's
  callgrind (a Debian package: `apt-get install valgrind`) with two call counts and prints the
  instructions per pair of calls from the difference, which start-up does not enter and which
  stay the same whatever else the machine is doing.

`--log-level WARNING` leaves out the per-RPC log line, so the difference with the default
(INFO) is what the line costs.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import grpc
import uvloop
from pydantic import SecretStr

from aggregator.v1 import aggregator_service_pb2_grpc
from bench.environment import CANCEL_BODY, VALUE_BODY
from bench.upstream import CANCELLED, HOLDINGS_VALUE
from service.auth.rate_limit import CallerRateLimits
from service.config import Settings
from service.observability.logs import configure_logging
from service.observability.redaction import register_secret, register_secret_fields
from service.portfolio.orchestration import Portfolio
from service.process import server
from service.providers.mesh.settings import MeshSettings
from service.providers.registry import PROVIDERS, build_registry, field_limits, secret_fields
from service.providers.upstream import Headers, HttpRequest, UpstreamHttp
from service.rpc.boundary import RpcBoundary
from service.rpc.institutions import list_institutions
from service.rpc.portfolio_entries import entry_of
from service.rpc.servicer import AggregatorServicer
from service.state import KeyedDigests, ReadCache, Sealer, open_state

SERVICE = "/aggregator.v1.AggregatorService"
CALLS = {"GetHoldingsValue": VALUE_BODY[5:], "CancelOrder": CANCEL_BODY[5:]}
"""Each method's request bytes (the bench's gRPC frames without their 5-byte prefix)."""


class CannedUpstream:
    """A `Transport` that answers at once with the bench upstream's answers."""

    def __init__(self) -> None:
        self._headers: Headers = {"content-type": "application/json"}

    async def exchange(
        self, request: HttpRequest, max_body_bytes: int
    ) -> tuple[int, Headers, bytes]:
        return 200, self._headers, CANCELLED if "cancel" in request.target else HOLDINGS_VALUE

    async def aclose(self) -> None:
        return None


class CallContext:
    """What the boundary asks of grpc's servicer context: a call with no metadata and 10 s."""

    def invocation_metadata(self) -> tuple[()]:
        return ()

    def time_remaining(self) -> float:
        return 10.0

    async def send_initial_metadata(self, metadata: object) -> None:
        return None

    def auth_context(self) -> dict[str, Any]:
        return {}

    async def abort_with_status(self, status: grpc.Status) -> None:
        raise RuntimeError(f"the call failed: {status.code}")


class CallDetails:
    def __init__(self, method: str) -> None:
        self.method = method
        self.invocation_metadata: tuple[tuple[str, str | bytes], ...] = ()


class Handlers:
    """Collects the servicer's method handlers as `add_AggregatorServiceServicer_to_server`
    registers them."""

    def __init__(self) -> None:
        self.by_name: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}

    def add_generic_rpc_handlers(self, handlers: object) -> None:
        return None

    def add_registered_method_handlers(
        self, service: str, handlers: dict[str, grpc.RpcMethodHandler[Any, Any]]
    ) -> None:
        self.by_name.update(handlers)


async def pair_of_calls(stack: AsyncExitStack) -> Callable[[], Awaitable[None]]:
    """One `GetHoldingsValue` and one `CancelOrder` through the gateway's objects, built as
    `running_gateway` builds them."""
    settings = Settings(aggregator_listen="127.0.0.1:0")
    mesh = MeshSettings(
        base_url="http://127.0.0.1:9", client_id="bench", client_secret=SecretStr("bench-secret")
    )
    for secret in mesh.secrets():
        register_secret(secret)
    register_secret_fields(secret_fields())
    http = UpstreamHttp(CannedUpstream(), settings.aggregator_max_response_bytes)
    state = await stack.enter_async_context(open_state(settings))
    digests = KeyedDigests(os.urandom(32))
    registry = build_registry(settings, {"mesh": mesh}, http, (state, digests))
    reads = ReadCache(state, digests, Sealer(os.urandom(32)), 60)
    boundary = RpcBoundary(
        settings.aggregator_default_deadline_seconds,
        settings.aggregator_deadline_margin_seconds,
        server._authorizer(settings, CallerRateLimits(state, digests)),
        registry.describe,
        field_limits(),
        settings.aggregator_max_rpcs_in_flight,
    )
    servicer = AggregatorServicer(
        registry,
        Portfolio(registry, 50, 10, entry_of, reads),
        list_institutions(PROVIDERS),
        server._idempotent_cancels(settings, state, digests),
        reads,
    )
    handlers = Handlers()
    aggregator_service_pb2_grpc.add_AggregatorServiceServicer_to_server(
        servicer,
        handlers,  # type: ignore[arg-type]
    )

    async def call(name: str, raw: bytes) -> None:
        async def registered(details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler[Any, Any]:
            return handlers.by_name[name]

        handler = await boundary.intercept_service(registered, CallDetails(f"{SERVICE}/{name}"))
        assert handler is not None
        assert handler.unary_unary is not None
        await handler.unary_unary(raw, CallContext())  # type: ignore[arg-type]

    async def pair() -> None:
        for name, raw in CALLS.items():
            await call(name, raw)
            # A server's loop turns between calls; without it, uvloop would never free the
            # timers the calls cancel, and their pile would be counted as the calls' cost.
            await asyncio.sleep(0)

    return pair


async def measure(pairs: int, repeats: int) -> float:
    """CPU microseconds per pair of calls: the best of `repeats` runs of `pairs` pairs."""
    async with AsyncExitStack() as stack:
        pair = await pair_of_calls(stack)
        best = float("inf")
        for _ in range(repeats):
            gc.collect()
            started = time.process_time()
            for _ in range(pairs):
                await pair()
            best = min(best, (time.process_time() - started) / pairs * 1e6)
        return best


def instructions(pairs: int, log_level: str) -> int:
    """Instructions callgrind counted for a run of `pairs` pairs, start-up included."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "callgrind.out"
        command = [
            *("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"),
            *(sys.executable, "-m", "bench.hot_path", "--pairs", str(pairs), "--repeats", "1"),
            *("--log-level", log_level),
        ]
        subprocess.run(
            command, check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": "0"}
        )
        found = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
        if found is None:
            raise RuntimeError("callgrind wrote no total")
        return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--instructions", action="store_true")
    args = parser.parse_args()
    if args.instructions:
        few, many = 200, 1200
        per_pair = (instructions(many, args.log_level) - instructions(few, args.log_level)) / (
            many - few
        )
        print(f"{per_pair / 1e6:.3f} million instructions per pair (log level {args.log_level})")
        return
    configure_logging(args.log_level, "json")
    # The log lines are made and written, to nowhere: their cost is counted, not their text.
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
    micros = uvloop.run(measure(args.pairs, args.repeats))
    print(f"{micros:.1f} us CPU per pair (log level {args.log_level})")


if __name__ == "__main__":
    main()
