"""`make bench`: the gateway measured against its ceilings, side by side, in one run.

Starts on loopback a fast upstream (aiohttp), a slow one (100 ms per answer), ceiling A (a
no-op grpc.aio server) and the gateway, pins the servers to core 0 and the load to core 1,
drives load with h2load (pre-encoded gRPC frames; each run's gRPC statuses are checked in the
gateway's own metrics, since h2load counts any HTTP 200 as success), and writes
`bench/results.md` and `bench/results.json`.

Run: .venv/bin/python -m bench.run [--smoke] [--output DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import grpc
import httpx

from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    GetHoldingsValueRequest,
    GetPortfolioRequest,
)
from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from aggregator.v1.connection_pb2 import Connection, MeshConnection, MoneyKitLink
from aggregator.v1.institution_pb2 import Institution
from bench.conversion import conversion_rows

SERVICE = "/aggregator.v1.AggregatorService"
SERVER_CORE, LOAD_CORE = "0", "1"


@dataclass
class LoadResult:
    scenario: str
    target: str
    concurrency: int
    calls: int
    calls_per_second: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_call: float | None
    ok: int | None = None
    """Calls the gateway's metrics counted as OK (None for servers without metrics)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def pinned(command: list[str], core: str) -> list[str]:
    taskset = shutil.which("taskset")
    return [taskset, "-c", core, *command] if taskset else command


@contextmanager
def process(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[int]:
    """Start a server, wait for its port, yield its pid, stop it."""
    child = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(300):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if child.poll() is not None:
                raise RuntimeError(f"{command} exited: {child.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            time.sleep(0.05)
        yield child.pid
    finally:
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def grpc_frame(message: bytes) -> bytes:
    return b"\x00" + struct.pack(">I", len(message)) + message


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of a process and its children so far."""
    total = 0.0
    for candidate in [pid, *_children(pid)]:
        fields = Path(f"/proc/{candidate}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def peak_rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def ok_calls(metrics_port: int, method: str) -> int:
    text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
    pattern = rf'aggregator_rpcs_total{{code="OK",method="{re.escape(method)}"}} ([0-9.e+]+)'
    match = re.search(pattern, text)
    return int(float(match.group(1))) if match else 0


def h2load(
    url: str,
    body: bytes,
    concurrency: int,
    calls: int,
    *,
    http1: bool = False,
    content_type: str = "application/grpc",
    connections: int = 1,
) -> tuple[float, float, float, int]:
    """Calls/s, p50 ms, p99 ms and successful calls of one h2load run."""
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "body"
        data.write_bytes(body)
        log = Path(scratch) / "log"
        streams = (
            ["-c", str(concurrency), "-m", "1"] if http1 else ["-c", "1", "-m", str(concurrency)]
        )
        command = [
            "h2load", "-n", str(calls), *streams, "-d", str(data), "--log-file", str(log),
            "-H", f"content-type: {content_type}",
            *([] if http1 else ["-H", "te: trailers"]),
            *(["--h1"] if http1 else []),
            url,
        ]  # fmt: skip
        output = subprocess.run(
            pinned(command, LOAD_CORE), capture_output=True, text=True, timeout=600, check=True
        ).stdout
        latencies = sorted(
            int(line.split("\t")[2]) / 1000 for line in log.read_text().splitlines() if line
        )
    rate = float(re.search(r"finished in [\d.]+m?s, ([\d.]+) req/s", output).group(1))  # type: ignore[union-attr]
    succeeded = int(re.search(r"(\d+) succeeded", output).group(1))  # type: ignore[union-attr]
    return rate, _percentile(latencies, 50), _percentile(latencies, 99), succeeded


def _percentile(values: list[float], percent: int) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(percent / 100 * (len(values) - 1)))]


class Bench:
    def __init__(self, smoke: bool) -> None:
        self.smoke = smoke
        self.results: list[LoadResult] = []
        self.notes: dict[str, object] = {}

    def calls_for(self, concurrency: int) -> int:
        return 200 if self.smoke else max(4000, concurrency * 40)

    def load(
        self, scenario: str, target: str, url: str, body: bytes, concurrency: int, pid: int,
        metrics_port: int | None = None, method: str = "", calls: int | None = None,
    ) -> LoadResult:  # fmt: skip
        calls = calls or self.calls_for(concurrency)
        before_ok = ok_calls(metrics_port, method) if metrics_port else None
        cpu_before = cpu_seconds(pid)
        rate, p50, p99, succeeded = h2load(url, body, concurrency, calls)
        cpu = cpu_seconds(pid) - cpu_before
        ok = (
            ok_calls(metrics_port, method) - before_ok
            if metrics_port and before_ok is not None
            else None
        )
        result = LoadResult(
            scenario, target, concurrency, succeeded, rate, p50, p99,
            cpu * 1000 / succeeded if succeeded else None, ok,
        )  # fmt: skip
        self.results.append(result)
        return result


def gateway_env(fast: str, slow: str, port: int, metrics_port: int) -> dict[str, str]:
    return {
        "AGGREGATOR_LISTEN": f"127.0.0.1:{port}",
        "AGGREGATOR_METRICS_LISTEN": f"127.0.0.1:{metrics_port}",
        "AGGREGATOR_LOG_LEVEL": "WARNING",
        "AGGREGATOR_WORKERS": "1",
        "MESH_BASE_URL": fast,
        "MESH_CLIENT_ID": "bench",
        "MESH_CLIENT_SECRET": "bench-secret",
        "MONEYKIT_BASE_URL": slow,
        "MONEYKIT_CLIENT_ID": "bench",
        "MONEYKIT_CLIENT_SECRET": "bench-secret",
        "AGGREGATOR_PORTFOLIO_MAX_CONNECTIONS": "200",
        "AGGREGATOR_PORTFOLIO_CONCURRENCY": "200",
        "AGGREGATOR_MAX_CONCURRENT_UPSTREAM": "256",
        "AGGREGATOR_MAX_WAITING_UPSTREAM": "2048",
        "AGGREGATOR_HTTP_MAX_KEEPALIVE_CONNECTIONS": "256",
        "AGGREGATOR_DEFAULT_DEADLINE_SECONDS": "60",
        "AGGREGATOR_MAX_CONCURRENT_STREAMS": "2048",
    }


async def portfolio_seconds(port: int, size: int, round_number: int) -> float:
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


def run(smoke: bool) -> dict[str, object]:
    bench = Bench(smoke)
    python = sys.executable
    fast_port, slow_port, echo_port, gateway_port, metrics_port = (free_port() for _ in range(5))
    fast, slow = f"http://127.0.0.1:{fast_port}", f"http://127.0.0.1:{slow_port}"
    value_body = grpc_frame(
        GetHoldingsValueRequest(
            connection=Connection(
                mesh=MeshConnection(
                    institution=Institution.INSTITUTION_ROBINHOOD, auth_token="bench-user"
                )
            )
        ).SerializeToString()
    )
    cancel_body = grpc_frame(
        CancelOrderRequest(
            connection=Connection(
                mesh=MeshConnection(
                    institution=Institution.INSTITUTION_ROBINHOOD, auth_token="bench-user"
                )
            ),
            order_id="order-1",
        ).SerializeToString()
    )
    concurrencies = [1, 16] if smoke else [1, 16, 64, 256]
    upstream = [python, "-m", "bench.upstream", "--port"]
    with (
        process(pinned([*upstream, str(fast_port)], LOAD_CORE), fast_port),
        process(pinned([*upstream, str(slow_port), "--delay", "0.1"], LOAD_CORE), slow_port),
        process(
            pinned([python, "-m", "bench.echo", "--port", str(echo_port)], SERVER_CORE), echo_port
        ) as echo_pid,
        process(
            pinned([python, "-m", "service"], SERVER_CORE),
            gateway_port,
            gateway_env(fast, slow, gateway_port, metrics_port),
        ) as gateway_pid,
    ):
        value_url = f"http://127.0.0.1:{gateway_port}{SERVICE}/GetHoldingsValue"
        for concurrency in concurrencies:
            bench.load("1. GetHoldingsValue", "ceiling A (no-op grpc.aio)",
                       f"http://127.0.0.1:{echo_port}{SERVICE}/GetHoldingsValue", value_body,
                       concurrency, echo_pid)  # fmt: skip
            bench.load("1. GetHoldingsValue", "gateway", value_url, value_body, concurrency,
                       gateway_pid, metrics_port, f"{SERVICE}/GetHoldingsValue")  # fmt: skip
        direct = h2load(
            f"{fast}/api/v1/holdings/value",
            b'{"authToken":"bench-user","type":"robinhood"}',
            1,
            bench.calls_for(1),
            http1=True,
            content_type="application/json",
        )
        bench.notes["direct upstream p50 ms (concurrency 1)"] = direct[1]
        bench.load("4. CancelOrder", "gateway",
                   f"http://127.0.0.1:{gateway_port}{SERVICE}/CancelOrder", cancel_body, 16,
                   gateway_pid, metrics_port, f"{SERVICE}/CancelOrder")  # fmt: skip
        sizes = [1, 10] if smoke else [1, 10, 50, 200]
        rounds = 2 if smoke else 5
        portfolio: dict[int, float] = {}
        for size in sizes:
            portfolio[size] = statistics.median(
                asyncio.run(portfolio_seconds(gateway_port, size, round_number))
                for round_number in range(rounds)
            )
        bench.notes["portfolio seconds by connections (upstream 100 ms)"] = portfolio
        if not smoke:
            rss_before = peak_rss_mib(gateway_pid)
            bench.load("6. memory", "gateway, 1,000 calls in flight (slow upstream)",
                       f"http://127.0.0.1:{gateway_port}{SERVICE}/GetHoldings",
                       grpc_frame(_slow_holdings()), 1000, gateway_pid, calls=1000)  # fmt: skip
            bench.notes["peak RSS MiB before / after 1,000 in flight"] = [
                rss_before,
                peak_rss_mib(gateway_pid),
            ]
            bench.notes["workers"] = workers_scenario(bench, fast, slow, value_body)
            choices_scenario(bench, fast, slow, value_body)
        from bench.shared_state import shared_state_rows  # it imports this module's helpers

        bench.results.extend(shared_state_rows(smoke, fast, slow))
    bench.notes["conversion (GetHoldings)"] = conversion_rows(smoke)
    return {"results": [asdict(result) for result in bench.results], "notes": bench.notes}


def workers_scenario(bench: Bench, fast: str, slow: str, body: bytes) -> dict[str, float]:
    """Scenario 5: one process against two sharing the port, unpinned, at concurrency 64
    over 4 connections (the kernel spreads connections, not calls, over the workers)."""
    rates: dict[str, float] = {}
    for workers in (1, 2):
        port, metrics_port = free_port(), free_port()
        env = {**gateway_env(fast, slow, port, metrics_port), "AGGREGATOR_WORKERS": str(workers)}
        method = f"{SERVICE}/GetHoldingsValue"
        with process([sys.executable, "-m", "service"], port, env) as pid:
            time.sleep(1)
            calls = bench.calls_for(64)
            cpu_before = cpu_seconds(pid)
            ok_before = ok_calls(metrics_port, method)
            rate, p50, p99, succeeded = h2load(
                f"http://127.0.0.1:{port}{method}", body, 16, calls, connections=4
            )
            cpu = cpu_seconds(pid) - cpu_before
            ok = ok_calls(metrics_port, method) - ok_before
        bench.results.append(
            LoadResult(
                "5. workers",
                f"gateway, {workers} worker(s), unpinned",
                64,
                succeeded,
                rate,
                p50,
                p99,
                cpu * 1000 / succeeded if succeeded else None,
                ok,
            )
        )
        rates[str(workers)] = rate
    return rates


CHOICES = [
    ("httpx", "asyncio"),
    ("httpx", "uvloop"),
    ("aiohttp", "asyncio"),
    ("aiohttp", "uvloop"),
]


def choices_scenario(bench: Bench, fast: str, slow: str, body: bytes) -> None:
    """The transport and event-loop choices, each measured at concurrency 64, pinned."""
    for transport, loop in CHOICES:
        port, metrics_port = free_port(), free_port()
        env = {
            **gateway_env(fast, slow, port, metrics_port),
            "AGGREGATOR_HTTP_TRANSPORT": transport,
            "AGGREGATOR_EVENT_LOOP": loop,
        }
        with process(pinned([sys.executable, "-m", "service"], SERVER_CORE), port, env) as pid:
            bench.load(
                "choices", f"gateway, {transport} transport, {loop} loop",
                f"http://127.0.0.1:{port}{SERVICE}/GetHoldingsValue", body, 64, pid,
                metrics_port, f"{SERVICE}/GetHoldingsValue",
            )  # fmt: skip


def _slow_holdings() -> bytes:
    from aggregator.v1.aggregator_service_pb2 import GetHoldingsRequest

    return GetHoldingsRequest(
        connection=Connection(moneykit=MoneyKitLink(link_id="mk_bench_memory_10"))
    ).SerializeToString()


def machine() -> dict[str, str]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1) if found else ""
    h2load_version = subprocess.run(["h2load", "--version"], capture_output=True, text=True).stdout
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "grpcio": grpc.__version__,
        "h2load": h2load_version.strip().splitlines()[0] if h2load_version else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="a few seconds: proves the harness")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent)
    args = parser.parse_args()
    data = {"machine": machine(), "smoke": args.smoke, **run(args.smoke)}
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "results.json").write_text(json.dumps(data, indent=2) + "\n")
    (args.output / "results.md").write_text(render(data))
    print((args.output / "results.md").read_text())


def render(data: dict[str, object]) -> str:
    from bench.report import markdown

    return markdown(data)


if __name__ == "__main__":
    main()
