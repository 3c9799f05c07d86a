"""Scenario 9: overload. The peak one process serves (closed loop) is measured first; then load
is offered open loop (h2load's `--rps`, calls carrying a 2 s deadline) at 2x and 4x it.

Reported per offered load, from the gateway's own metrics: goodput (OK calls/s), the share
turned away with RESOURCE_EXHAUSTED and the share that ran out of time; and the p99 of the calls
it accepted (OK), from its own log lines, beside h2load's p99 over every call.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench.environment import VALUE_BODY, Environment
from bench.harness import SERVICE, h2load, percentile, rpc_counts
from bench.scenarios import GATEWAY

SCENARIO = "9. overload"
OVERLOAD = "overload (GetHoldingsValue, defaults)"
CLIENTS = 16
SECONDS = 10
STREAMS_PER_CLIENT = 64
CALLER_DEADLINE = "grpc-timeout: 2S"
_TEXT_FIELDS = re.compile(r"code=(\w+) duration_ms=([\d.]+)")


def overload(env: Environment) -> None:
    server = env.gateway
    assert server.metrics_port is not None
    assert server.log is not None
    method = f"{SERVICE}/GetHoldingsValue"
    peak = env.bench.load(SCENARIO, f"{GATEWAY}, peak (closed loop)", server,
                          "GetHoldingsValue", VALUE_BODY, 64, clients=4)  # fmt: skip
    rows: list[dict[str, float]] = []
    seconds = 0.3 if env.smoke else SECONDS
    for factor in (2, 4):
        offered = factor * peak.calls_per_second
        before = rpc_counts(server.metrics_port, method)
        log_offset = server.log.stat().st_size
        run = h2load(
            f"{server.url}{method}",
            VALUE_BODY,
            STREAMS_PER_CLIENT,
            max(CLIENTS, int(offered * seconds)),
            clients=CLIENTS,
            rate_per_client=max(1.0, offered / CLIENTS),
            headers=(CALLER_DEADLINE,),
        )
        after = rpc_counts(server.metrics_port, method)
        codes = {code: after.get(code, 0) - before.get(code, 0) for code in after}
        # Calls grpc turned away before the event loop took them up (its pending-call limit)
        # never reach the gateway's metrics: h2load saw them answered, the gateway did not.
        codes["RESOURCE_EXHAUSTED (by grpc, unread)"] = max(0, run.succeeded - sum(codes.values()))
        answered = sum(codes.values()) or 1
        duration = run.succeeded / run.calls_per_second if run.calls_per_second else run.seconds
        accepted = sorted(_ok_durations_ms(server.log, log_offset, method))
        rows.append(
            {
                "factor": factor,
                "peak_calls_per_second": peak.calls_per_second,
                "offered_calls_per_second": offered,
                "sent_calls_per_second": sum(codes.values()) / duration,
                "goodput_calls_per_second": codes.get("OK", 0) / duration,
                "goodput_share_of_peak": codes.get("OK", 0) / duration / peak.calls_per_second,
                "resource_exhausted_share": (
                    codes.get("RESOURCE_EXHAUSTED", 0)
                    + codes["RESOURCE_EXHAUSTED (by grpc, unread)"]
                )
                / answered,
                "turned_away_by_grpc_share": codes["RESOURCE_EXHAUSTED (by grpc, unread)"]
                / answered,
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
            }
        )
    env.bench.notes[OVERLOAD] = rows


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
