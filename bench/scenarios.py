"""The throughput, latency, fan-out and choice scenarios, against the ceilings in one run."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

import grpc

from aggregator.v1.aggregator_service_pb2 import GetHoldingsRequest, GetPortfolioRequest
from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from aggregator.v1.connection_pb2 import Connection, MoneyKitLink
from bench.conversion import conversion_rows
from bench.environment import (
    CANCEL_BODY,
    DIRECT_VALUE_BODY,
    SEED_HOLDINGS_BODY,
    VALUE_BODY,
    Environment,
)
from bench.harness import (
    SERVICE,
    LoadResult,
    Server,
    cpu_seconds,
    free_port,
    grpc_frame,
    h2load,
    pinned,
    process,
    rpc_counts,
    rss_mib,
)
from bench.servers import PYTHON, SERVER_CORE, settings_shown, tuned_env

CEILING_A = "ceiling A (no-op grpc.aio)"
CEILING_B = "ceiling B (plain handler)"
GATEWAY = "gateway (defaults)"
TUNED = "gateway (tuned)"
THROUGHPUT = "1. GetHoldingsValue"
DIRECT_P50 = "direct upstream p50 ms (concurrency 1)"


def throughput(env: Environment) -> None:
    """Scenario 1: GetHoldingsValue against both ceilings, defaults and tuned, and the latency
    added at concurrency 1 over calling the upstream directly."""
    bench = env.bench
    low, high = ([1], [16]) if env.smoke else ([1, 16], [64, 256])
    for concurrency in [*low, *high]:
        bench.load(THROUGHPUT, CEILING_A, env.ceiling_a, "GetHoldingsValue", VALUE_BODY,
                   concurrency)  # fmt: skip
    ours, theirs = (GATEWAY, env.gateway), (CEILING_B, env.ceiling_b)
    for concurrency in low:
        bench.compare(THROUGHPUT, ours, theirs, "GetHoldingsValue", VALUE_BODY, concurrency)
    # Interleaved, so that "no loss from 64 to 256" is the gateway's and not the machine's.
    bench.compare_at(THROUGHPUT, ours, theirs, "GetHoldingsValue", VALUE_BODY, tuple(high))
    for concurrency in [16] if env.smoke else [64, 256]:
        bench.load(THROUGHPUT, TUNED, env.tuned, "GetHoldingsValue", VALUE_BODY, concurrency)
    direct = h2load(
        f"{env.fast}/api/v1/holdings/value",
        DIRECT_VALUE_BODY,
        1,
        bench.calls_for(1),
        http1=True,
        content_type="application/json",
    )
    bench.notes[DIRECT_P50] = direct.p50_ms


def other_rpcs(env: Environment) -> None:
    """Scenario 4: CancelOrder (Mesh) and GetHoldings (MoneyKit, the documentation's example
    answer) against ceiling-B handlers making the same upstream call."""
    concurrency = 16 if env.smoke else 64
    for scenario, method, body in (
        ("4. CancelOrder", "CancelOrder", CANCEL_BODY),
        ("4. GetHoldings (MoneyKit seed example)", "GetHoldings", SEED_HOLDINGS_BODY),
    ):
        env.bench.compare(scenario, (GATEWAY, env.gateway), (CEILING_B, env.ceiling_b), method,
                          body, concurrency)  # fmt: skip


def conversion(env: Environment) -> None:
    """Scenario 2: converting MoneyKit holdings, against the official SDK (in this process)."""
    env.bench.notes["conversion (GetHoldings)"] = conversion_rows(env.smoke)


def portfolio(env: Environment) -> None:
    """Scenario 3: GetPortfolio over many connections whose upstream takes 100 ms (tuned: the
    default allows 50 connections per portfolio)."""
    sizes = [1, 10] if env.smoke else [1, 10, 50, 200]
    rounds = 2 if env.smoke else 5
    port = int(env.tuned.url.rsplit(":", 1)[1])
    env.bench.notes["portfolio seconds by connections (upstream 100 ms)"] = {
        size: statistics.median(
            asyncio.run(_portfolio_seconds(port, size, round_number))
            for round_number in range(rounds)
        )
        for size in sizes
    }


async def _portfolio_seconds(port: int, size: int, round_number: int) -> float:
    connections = [
        Connection(moneykit=MoneyKitLink(link_id=f"mk_bench_{round_number}_{n}_10"))
        for n in range(size)
    ]
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = AggregatorServiceStub(channel)
        started = time.perf_counter()
        response = await stub.GetPortfolio(GetPortfolioRequest(connections=connections), timeout=60)
        elapsed = time.perf_counter() - started
    assert response.summary.succeeded == size, response.summary
    return elapsed


def in_flight_memory(env: Environment) -> None:
    """Scenario 6: peak memory with 1,000 calls in flight (tuned: the default admits 256)."""
    calls = 100 if env.smoke else 1000
    before = rss_mib(env.tuned.pid, "VmHWM")
    body = grpc_frame(
        GetHoldingsRequest(
            connection=Connection(moneykit=MoneyKitLink(link_id="mk_bench_memory_10"))
        ).SerializeToString()
    )
    env.bench.load("6. memory in flight", f"{TUNED}, {calls} calls in flight (slow upstream)",
                   env.tuned, "GetHoldings", body, calls, calls=calls)  # fmt: skip
    env.bench.notes["peak RSS MiB before / with calls in flight"] = [
        before,
        rss_mib(env.tuned.pid, "VmHWM"),
        calls,
    ]


def workers(env: Environment) -> None:
    """Scenario 5: one process against two sharing the port, unpinned, at concurrency 64
    over 4 connections (the kernel spreads connections, not calls, over the workers)."""
    rates: dict[str, float] = {}
    for count in (2,) if env.smoke else (1, 2):
        port, metrics_port = free_port(), free_port()
        settings = {
            **tuned_env(env.fast, env.slow, port, metrics_port),
            "AGGREGATOR_WORKERS": str(count),
        }
        method = f"{SERVICE}/GetHoldingsValue"
        label = f"{TUNED}, {count} worker(s), unpinned"
        env.settings[label] = settings_shown(settings)
        with process([PYTHON, "-m", "service"], port, settings) as pid:
            time.sleep(0.5 if env.smoke else 1)
            calls = env.bench.calls_for(64)
            cpu_before = cpu_seconds(pid)
            ok_before = rpc_counts(metrics_port, method).get("OK", 0)
            run = h2load(f"http://127.0.0.1:{port}{method}", VALUE_BODY, 16, calls, clients=4)
            cpu = cpu_seconds(pid) - cpu_before
            ok = rpc_counts(metrics_port, method).get("OK", 0) - ok_before
        env.bench.results.append(
            LoadResult("5. workers", label, 64, run.succeeded, run.calls_per_second, run.p50_ms,
                       run.p99_ms, cpu * 1000 / run.succeeded if run.succeeded else None, ok)
        )  # fmt: skip
        rates[str(count)] = run.calls_per_second
    env.bench.notes["workers"] = rates


CHOICES = [
    ("httpx", "asyncio"), ("httpx", "uvloop"), ("aiohttp", "asyncio"), ("aiohttp", "uvloop"),
    ("http1", "asyncio"), ("http1", "uvloop"),
]  # fmt: skip


def choices(env: Environment) -> None:
    """The transport and event-loop choices, each measured at concurrency 64, pinned, tuned."""
    for transport, loop in CHOICES[:1] if env.smoke else CHOICES:
        port, metrics_port = free_port(), free_port()
        settings = {
            **tuned_env(env.fast, env.slow, port, metrics_port),
            "AGGREGATOR_HTTP_TRANSPORT": transport,
            "AGGREGATOR_EVENT_LOOP": loop,
        }
        label = f"{TUNED}, {transport} transport, {loop} loop"
        env.settings[label] = settings_shown(settings)
        command = pinned([sys.executable, "-m", "service"], SERVER_CORE)
        with process(command, port, settings) as pid:
            server = Server(pid, f"http://127.0.0.1:{port}", metrics_port)
            env.bench.load("choices", label, server, "GetHoldingsValue", VALUE_BODY, 64)
