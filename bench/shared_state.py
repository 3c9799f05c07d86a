"""Scenarios 11 and 12: what the shared state backend adds to a call, in-process against Redis.

11. A caller's rate limit: `ListInstitutions` (no upstream, so the check is most of the work)
   by a caller of a callers file with a rate limit too high to refuse anything.
12. A cache hit: `GetHoldingsValue` with a `max_age`, once the cache is warm, against the same
   read live (no `max_age`, the fast upstream).

Calls are sequential (concurrency 1) from a grpc.aio client in this process, so the p50 gap
between two rows of a scenario is the added latency per call. Redis is a real redis-server on
loopback (the tests' own helper starts it).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message

from aggregator.v1.aggregator_service_pb2 import GetHoldingsValueRequest, ListInstitutionsRequest
from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from aggregator.v1.connection_pb2 import Connection, MeshConnection
from aggregator.v1.institution_pb2 import Institution
from bench.environment import Environment
from bench.harness import SERVER_CORE, LoadResult, cpu_seconds, free_port, pinned, process
from bench.servers import default_env
from tests.support.redis_server import redis_server

CALLER_KEY = "bench-caller-key"
SECRET = base64.b64encode(b"bench-state-secret-of-32-bytes!!").decode()
WARM_UP_CALLS = 20
VALUE = GetHoldingsValueRequest(
    connection=Connection(
        mesh=MeshConnection(institution=Institution.INSTITUTION_ROBINHOOD, auth_token="bench-user")
    )
)
CACHED_VALUE = GetHoldingsValueRequest(connection=VALUE.connection, max_age=Duration(seconds=3600))


def shared_state(env: Environment) -> None:
    """Scenarios 11 and 12, against gateways with their default settings on the fast upstream."""
    env.bench.results.extend(_rows(env.smoke, env.fast))


def _rows(smoke: bool, fast: str) -> list[LoadResult]:
    calls = 200 if smoke else 2000
    rows = []
    with tempfile.TemporaryDirectory() as scratch, redis_server(Path(scratch) / "redis") as redis:
        callers = Path(scratch) / "callers.toml"
        callers.write_text(
            "[[callers]]\n"
            'name = "bench"\n'
            f'api_key_sha256 = "{hashlib.sha256(CALLER_KEY.encode()).hexdigest()}"\n'
            'methods = ["*"]\n'
            "rate_per_second = 1000000\n"
            "burst = 1000000\n"
        )
        for state, backend in (("in-process", {}), ("Redis", {"AGGREGATOR_REDIS_URL": redis.url})):
            limited = {**backend, "AGGREGATOR_CALLERS_FILE": str(callers)}
            with _gateway(fast, limited) as (port, pid):
                rows.append(
                    _measure("11. caller rate limit (ListInstitutions)", f"gateway, {state} state",
                             port, pid, calls, "ListInstitutions", ListInstitutionsRequest(),
                             (("authorization", f"Bearer {CALLER_KEY}"),))
                )  # fmt: skip
            with _gateway(fast, backend) as (port, pid):
                rows.append(
                    _measure("12. cache hit (GetHoldingsValue)", f"gateway, {state} state",
                             port, pid, calls, "GetHoldingsValue", CACHED_VALUE)
                )  # fmt: skip
                if state == "in-process":
                    rows.append(
                        _measure("12. cache hit (GetHoldingsValue)", "gateway, live (no max_age)",
                                 port, pid, calls, "GetHoldingsValue", VALUE)
                    )  # fmt: skip
    return rows


@contextmanager
def _gateway(fast: str, extra: dict[str, str]) -> Iterator[tuple[int, int]]:
    """A gateway process with the shared state secret and `extra` settings: (port, pid)."""
    port, metrics_port = free_port(), free_port()
    env = {
        **default_env(fast, fast, port, metrics_port),
        **extra,
        "AGGREGATOR_STATE_SECRET": SECRET,
    }
    with process(pinned([sys.executable, "-m", "service"], SERVER_CORE), port, env) as pid:
        yield port, pid


def _measure(
    scenario: str,
    target: str,
    port: int,
    pid: int,
    calls: int,
    method: str,
    request: Message,
    metadata: tuple[tuple[str, str], ...] = (),
) -> LoadResult:
    latencies, ok, elapsed, cpu = asyncio.run(_calls(port, pid, calls, method, request, metadata))
    latencies.sort()
    count = len(latencies)
    p50, p99 = latencies[count // 2], latencies[min(count - 1, count * 99 // 100)]
    return LoadResult(
        scenario, target, 1, count, count / elapsed, p50, p99, cpu * 1000 / count, ok
    )  # fmt: skip


async def _calls(
    port: int,
    pid: int,
    calls: int,
    method: str,
    request: Message,
    metadata: tuple[tuple[str, str], ...],
) -> tuple[list[float], int, float, float]:
    """Per-call milliseconds, OK calls, seconds and gateway CPU seconds of `calls` calls made
    one after another, after a warm-up (which also fills the cache)."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = getattr(AggregatorServiceStub(channel), method)
        for _ in range(WARM_UP_CALLS):
            await call(request, metadata=metadata, timeout=10)
        latencies, ok = [], 0
        cpu_before, started = cpu_seconds(pid), time.perf_counter()
        for _ in range(calls):
            before = time.perf_counter()
            try:
                await call(request, metadata=metadata, timeout=10)
                ok += 1
            except grpc.aio.AioRpcError:
                pass
            latencies.append((time.perf_counter() - before) * 1000)
        elapsed = time.perf_counter() - started
        return latencies, ok, elapsed, cpu_seconds(pid) - cpu_before
