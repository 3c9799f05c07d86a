"""Scenario 9: overload. In each of `ROUNDS` rounds, the peak one process serves (closed loop)
is measured first; then load is offered open loop (h2load's `--rps`, calls carrying a 2 s
deadline) at 2x and 4x that peak.

Reported per offered load, from the gateway's own metrics: goodput (OK calls/s), the share
turned away with RESOURCE_EXHAUSTED and the share that ran out of time; and the p99 of the calls
it accepted (OK), from its own log lines, beside h2load's p99 over every call. The row shown
is the round with the median goodput / peak, and every round's ratio is kept: one peak and one
offered run, seconds apart, differed by up to a third on this machine (0.69 to 1.09 in four
runs of the same build), where the ratio of a round is steadier than either of its runs.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

from bench.environment import VALUE_BODY, Environment
from bench.harness import (
    ROUNDS,
    SERVER_CORE,
    SERVICE,
    LoadResult,
    Server,
    event_engine_cpu_seconds,
    h2load,
    median_run,
    percentile,
    pinned,
    rpc_counts,
)
from bench.scenarios import GATEWAY

SCENARIO = "9. overload"
OVERLOAD = "overload (GetHoldingsValue, defaults)"
OVERLOAD_ROUNDS = (
    "overload: each round's goodput / peak, and the core's share of grpc's event-engine threads "
    "and of the others, by offered load"
)
REFUSAL_ALONE = "overload: CPU us per call grpc turns away, alone (bench/refusal.py)"
FACTORS = (2, 4)
CPU_SHARES = ("event_engine_core_share", "other_threads_core_share")
CLIENTS = 16
SECONDS = 6
STREAMS_PER_CLIENT = 64
CALLER_DEADLINE = "grpc-timeout: 2S"
_TEXT_FIELDS = re.compile(r"code=(\w+) duration_ms=([\d.]+)")


def overload(env: Environment) -> None:
    server = env.gateway
    method = f"{SERVICE}/GetHoldingsValue"
    seconds = 0.3 if env.smoke else SECONDS
    peaks: list[LoadResult] = []
    rounds: dict[int, list[dict[str, float]]] = {factor: [] for factor in FACTORS}
    for _ in range(1 if env.smoke else ROUNDS):
        peak = env.bench.measure(SCENARIO, f"{GATEWAY}, peak (closed loop)", server,
                                 "GetHoldingsValue", VALUE_BODY, 64, clients=4)  # fmt: skip
        peaks.append(peak)
        for factor in FACTORS:
            rounds[factor].append(_offered(server, method, peak.calls_per_second, factor, seconds))
    env.bench.results.append(median_run(peaks))
    share = "goodput_share_of_peak"
    env.bench.notes[OVERLOAD] = [
        sorted(rows, key=lambda row: row[share])[len(rows) // 2] for rows in rounds.values()
    ]
    env.bench.notes[OVERLOAD_ROUNDS] = {
        f"{factor}x": [[round(row[name], 3) for name in (share, *CPU_SHARES)] for row in rows]
        for factor, rows in rounds.items()
    }
    env.bench.notes[REFUSAL_ALONE] = _refusal_alone(1.0 if env.smoke else 5.0)


def _refusal_alone(seconds: float) -> float:
    """The CPU of one refusal with nothing else on the server core (`bench/refusal.py`)."""
    command = [sys.executable, "-m", "bench.refusal", "--seconds", str(seconds)]
    output = subprocess.run(
        pinned(command, SERVER_CORE), capture_output=True, text=True, timeout=300, check=True
    ).stdout
    return float(json.loads(output)["us_per_refusal"])


def _offered(
    server: Server, method: str, peak: float, factor: int, seconds: float
) -> dict[str, float]:
    """`factor` times `peak` offered open loop for `seconds`, and what became of the calls."""
    assert server.metrics_port is not None
    assert server.log is not None
    offered = factor * peak
    before = rpc_counts(server.metrics_port, method)
    log_offset = server.log.stat().st_size
    engine_before, other_before = event_engine_cpu_seconds(server.pid)
    started = time.perf_counter()
    run = h2load(
        f"{server.url}{method}",
        VALUE_BODY,
        STREAMS_PER_CLIENT,
        max(CLIENTS, int(offered * seconds)),
        clients=CLIENTS,
        rate_per_client=max(1.0, offered / CLIENTS),
        headers=(CALLER_DEADLINE,),
    )
    elapsed = time.perf_counter() - started
    engine_after, other_after = event_engine_cpu_seconds(server.pid)
    after = rpc_counts(server.metrics_port, method)
    codes = {code: after.get(code, 0) - before.get(code, 0) for code in after}
    # Calls grpc turned away before the event loop took them up (its pending-call limit)
    # never reach the gateway's metrics: h2load saw them answered, the gateway did not.
    codes["RESOURCE_EXHAUSTED (by grpc, unread)"] = max(0, run.succeeded - sum(codes.values()))
    answered = sum(codes.values()) or 1
    duration = run.succeeded / run.calls_per_second if run.calls_per_second else run.seconds
    accepted = sorted(_ok_durations_ms(server.log, log_offset, method))
    return {
        "factor": factor,
        "peak_calls_per_second": peak,
        "offered_calls_per_second": offered,
        "sent_calls_per_second": sum(codes.values()) / duration,
        "goodput_calls_per_second": codes.get("OK", 0) / duration,
        "goodput_share_of_peak": codes.get("OK", 0) / duration / peak,
        "resource_exhausted_share": (
            codes.get("RESOURCE_EXHAUSTED", 0) + codes["RESOURCE_EXHAUSTED (by grpc, unread)"]
        )
        / answered,
        "turned_away_by_grpc_share": codes["RESOURCE_EXHAUSTED (by grpc, unread)"] / answered,
        "deadline_exceeded_share": codes.get("DEADLINE_EXCEEDED", 0) / answered,
        "other_failures_share": (
            answered
            - codes.get("OK", 0)
            - codes.get("RESOURCE_EXHAUSTED", 0)
            - codes["RESOURCE_EXHAUSTED (by grpc, unread)"]
            - codes.get("DEADLINE_EXCEEDED", 0)
        )
        / answered,
        "accepted_p50_ms": percentile(accepted, 50),
        "accepted_p99_ms": percentile(accepted, 99),
        "all_calls_p99_ms": run.p99_ms,
        "calls": sum(codes.values()),
        "event_engine_core_share": (engine_after - engine_before) / elapsed,
        "other_threads_core_share": (other_after - other_before) / elapsed,
    }


def _ok_durations_ms(log: Path, offset: int, method: str) -> list[float]:
    """The durations of the OK calls of `method` in the gateway's log lines after `offset`
    (JSON lines by default; the text format's `code=... duration_ms=...` otherwise)."""
    with log.open("rb") as lines:
        lines.seek(offset)
        found = []
        for raw in lines:
            line = raw.decode(errors="replace")
            if method not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                match = _TEXT_FIELDS.search(line)
                if match and match.group(1) == "OK":
                    found.append(float(match.group(2)))
                continue
            if record.get("code") == "OK" and "duration_ms" in record:
                found.append(float(record["duration_ms"]))
    return found
