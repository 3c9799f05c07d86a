"""The bench's tools: start servers pinned to a core, drive them with h2load, read a process's
CPU and memory from /proc and the gateway's own counts from its metrics."""

from __future__ import annotations

import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from scripts.processes import stop

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


@dataclass(frozen=True)
class Server:
    """A started server: its pid, the URL of its gRPC service, its metrics port if any, and
    the file its standard error goes to (the gateway's log lines)."""

    pid: int
    url: str
    metrics_port: int | None = None
    log: Path | None = None


@dataclass(frozen=True)
class H2loadRun:
    calls_per_second: float
    p50_ms: float
    p99_ms: float
    succeeded: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def pinned(command: list[str], core: str | None) -> list[str]:
    taskset = shutil.which("taskset")
    return [taskset, "-c", core, *command] if taskset and core is not None else command


@contextmanager
def process(
    command: list[str], port: int, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[int]:
    """Start a server, wait for its port, yield its pid, stop it.

    Its standard error goes to `log` (a file, never a pipe nobody reads: a gateway logging
    at INFO would fill a pipe and block).
    """
    with tempfile.TemporaryDirectory() as scratch:
        log = log or Path(scratch) / "stderr"
        with log.open("wb") as errors:
            child = subprocess.Popen(
                command,
                env={**os.environ, **(env or {})},
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
            try:
                _wait_for_port(child, port, command, log)
                yield child.pid
            finally:
                stop(child, grace_seconds=15)


def _wait_for_port(
    child: subprocess.Popen[bytes], port: int, command: list[str], log: Path
) -> None:
    for _ in range(600):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if child.poll() is not None:
            raise RuntimeError(f"{command} exited: {log.read_text()[-2000:]}")
        time.sleep(0.05)
    raise RuntimeError(f"{command} did not listen on port {port}: {log.read_text()[-2000:]}")


def grpc_frame(message: bytes) -> bytes:
    return b"\x00" + struct.pack(">I", len(message)) + message


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of a process and its children so far."""
    return sum(
        _stat_cpu(Path(f"/proc/{candidate}/stat"))[1] for candidate in [pid, *_children(pid)]
    )


def event_engine_cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU so far of a process and its children: grpc's event-engine threads (which read and
    write the sockets, and turn calls away at the pending-call limit), and all other threads."""
    engine = other = 0.0
    for candidate in [pid, *_children(pid)]:
        for task in Path(f"/proc/{candidate}/task").iterdir():
            name, seconds = _stat_cpu(task / "stat")
            if name.startswith("event_engine"):
                engine += seconds
            else:
                other += seconds
    return engine, other


def _stat_cpu(stat: Path) -> tuple[str, float]:
    """The name and user plus system CPU seconds in a process's or thread's `stat` file."""
    text = stat.read_text()
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text.rsplit(")", 1)[1].split()
    return name, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def rss_mib(pid: int, field_name: str = "VmRSS") -> float:
    """The process's resident memory now (VmRSS) or at its peak (VmHWM), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"{field_name}:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def rpc_counts(metrics_port: int, method: str) -> dict[str, int]:
    """The gateway's count of finished RPCs of `method` by gRPC code."""
    text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
    pattern = rf'aggregator_rpcs_total{{code="([A-Z_]+)",method="{re.escape(method)}"}} ([0-9.e+]+)'
    return {code: int(float(count)) for code, count in re.findall(pattern, text)}


def h2load(
    url: str,
    body: bytes,
    concurrency: int,
    calls: int,
    *,
    http1: bool = False,
    content_type: str = "application/grpc",
    clients: int = 1,
    rate_per_client: float | None = None,
    headers: tuple[str, ...] = (),
) -> H2loadRun:
    """One bounded h2load run: `calls` requests, `concurrency` streams per client (or, over
    HTTP/1.1, `concurrency` connections); with `rate_per_client`, open loop at that rate."""
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "body"
        data.write_bytes(body)
        log = Path(scratch) / "log"
        streams = (
            ["-c", str(concurrency), "-m", "1"]
            if http1
            else ["-c", str(clients), "-m", str(concurrency)]
        )
        rate = ["--rps", f"{rate_per_client:.0f}"] if rate_per_client else []
        command = [
            "h2load", "-n", str(calls), *streams, *rate, "-d", str(data), "--log-file", str(log),
            "-H", f"content-type: {content_type}",
            *([] if http1 else ["-H", "te: trailers"]),
            *[part for header in headers for part in ("-H", header)],
            *(["--h1"] if http1 else []),
            url,
        ]  # fmt: skip
        started = time.perf_counter()
        output = subprocess.run(
            pinned(command, LOAD_CORE), capture_output=True, text=True, timeout=900, check=True
        ).stdout
        seconds = time.perf_counter() - started
        latencies = sorted(
            int(line.split("\t")[2]) / 1000 for line in log.read_text().splitlines() if line
        )
    finished = re.search(r"finished in [\d.]+m?s, ([\d.]+) req/s", output)
    succeeded = re.search(r"(\d+) succeeded", output)
    if finished is None or succeeded is None:
        raise RuntimeError(f"unexpected h2load output: {output[-2000:]}")
    return H2loadRun(
        float(finished.group(1)),
        percentile(latencies, 50),
        percentile(latencies, 99),
        int(succeeded.group(1)),
        seconds,
        latencies,
    )


def percentile(values: list[float], percent: float) -> float:
    """The nearest-rank percentile of sorted `values`."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(percent / 100 * (len(values) - 1)))]


class Bench:
    """The results of one run, and the call counts that suit it (`smoke`: a few seconds)."""

    def __init__(self, smoke: bool) -> None:
        self.smoke = smoke
        self.results: list[LoadResult] = []
        self.notes: dict[str, object] = {}
        self.round_ratios: dict[str, list[float]] = {}
        self.notes[ROUND_RATIOS] = self.round_ratios

    def calls_for(self, concurrency: int) -> int:
        return 200 if self.smoke else max(4000, concurrency * 40)

    def load(
        self, scenario: str, target: str, server: Server, method: str, body: bytes,
        concurrency: int, calls: int | None = None, clients: int = 1,
    ) -> LoadResult:  # fmt: skip
        """One closed-loop h2load run of `method` against `server`, recorded."""
        result = self.measure(scenario, target, server, method, body, concurrency, calls,
                              clients)  # fmt: skip
        self.results.append(result)
        return result

    def compare(
        self, scenario: str, ours: tuple[str, Server], theirs: tuple[str, Server], method: str,
        body: bytes, concurrency: int,
    ) -> tuple[LoadResult, LoadResult]:  # fmt: skip
        """`ours` against `theirs` in `ROUNDS` alternating rounds; each one's median round (by
        calls/s) is recorded, and every round's ratio goes in the notes.

        One run of each can be skewed by a moment of noise on the machine (another process, the
        CPU's clock), which a ratio of single runs shows as a gain or a loss; alternating and
        taking medians leaves that out.
        """
        return self.compare_at(scenario, ours, theirs, method, body, (concurrency,))[0]

    def compare_at(
        self, scenario: str, ours: tuple[str, Server], theirs: tuple[str, Server], method: str,
        body: bytes, concurrencies: tuple[int, ...],
    ) -> list[tuple[LoadResult, LoadResult]]:  # fmt: skip
        """`compare` at each of `concurrencies`, their rounds interleaved (round k at every
        concurrency before round k + 1 at any): ours at one concurrency against ours at another
        is then measured over the same stretch of the run, not at two moments of the machine's
        speed. Ours at the last concurrency against the first, round by round, goes in the notes
        too."""
        rounds = 1 if self.smoke else ROUNDS
        measured: dict[tuple[int, str], list[LoadResult]] = {
            (concurrency, target): []
            for concurrency in concurrencies
            for target, _ in (ours, theirs)
        }
        for round_number in range(rounds):
            order = (theirs, ours) if round_number % 2 == 0 else (ours, theirs)
            for concurrency in concurrencies:
                for target, server in order:
                    measured[concurrency, target].append(
                        self.measure(scenario, target, server, method, body, concurrency)
                    )
        chosen = []
        for concurrency in concurrencies:
            mine, other = measured[concurrency, ours[0]], measured[concurrency, theirs[0]]
            self.round_ratios[f"{scenario} | {ours[0]} / {theirs[0]} | {concurrency}"] = (
                _round_ratios(mine, other)
            )
            pair = median_run(mine), median_run(other)
            self.results.extend(pair)
            chosen.append(pair)
        if len(concurrencies) > 1:
            first, last = concurrencies[0], concurrencies[-1]
            self.round_ratios[f"{scenario} | {ours[0]} at {last} / at {first}"] = _round_ratios(
                measured[last, ours[0]], measured[first, ours[0]]
            )
        return chosen

    def measure(
        self, scenario: str, target: str, server: Server, method: str, body: bytes,
        concurrency: int, calls: int | None = None, clients: int = 1,
    ) -> LoadResult:  # fmt: skip
        """One closed-loop h2load run, not recorded: for a scenario that records its own pick."""
        calls = calls or self.calls_for(concurrency)
        full = f"{SERVICE}/{method}"
        before = rpc_counts(server.metrics_port, full) if server.metrics_port else None
        cpu_before = cpu_seconds(server.pid)
        run = h2load(f"{server.url}{full}", body, max(1, concurrency // clients), calls,
                     clients=clients)  # fmt: skip
        cpu = cpu_seconds(server.pid) - cpu_before
        ok = None
        if server.metrics_port and before is not None:
            ok = rpc_counts(server.metrics_port, full).get("OK", 0) - before.get("OK", 0)
        return LoadResult(
            scenario, target, concurrency, run.succeeded, run.calls_per_second, run.p50_ms,
            run.p99_ms, cpu * 1000 / run.succeeded if run.succeeded else None, ok,
        )  # fmt: skip


ROUNDS = 5
"""Alternating rounds of each comparison behind a target (`Bench.compare`)."""
ROUND_RATIOS = "ratios of each round (ours / theirs, calls/s)"


def _round_ratios(ours: list[LoadResult], theirs: list[LoadResult]) -> list[float]:
    return [
        round(a.calls_per_second / b.calls_per_second, 3) for a, b in zip(ours, theirs, strict=True)
    ]


def median_run(results: list[LoadResult]) -> LoadResult:
    ranked = sorted(results, key=lambda result: result.calls_per_second)
    return ranked[len(ranked) // 2]
