"""`make bench`: the gateway measured against its ceilings, side by side, in one run.

Starts on loopback a fast upstream (aiohttp), a slow one (100 ms per answer), ceiling A (a
no-op grpc.aio server), ceiling B (plain handlers making the gateway's upstream calls) and the
gateway twice (its default settings, and the bench's tuned ones), pins the servers to core 0
and the load to core 1, runs every scenario in SCENARIOS (each may start servers of its own),
and writes `bench/results.md` and `bench/results.json`. h2load counts any HTTP 200 as a
success, so each gateway run's gRPC statuses are read from the gateway's own metrics.

Run: .venv/bin/python -m bench.run [--smoke] [--output DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path

import grpc

from bench import (
    client_safety,
    clients,
    cluster,
    memory,
    overload,
    scenarios,
    shared_state,
    upstream_tls,
)
from bench.environment import Environment, Scenario
from bench.harness import Bench, free_port
from bench.servers import (
    ceiling_a,
    ceiling_b,
    default_env,
    gateway,
    settings_shown,
    tuned_env,
    upstream,
)

SCENARIOS: list[Scenario] = [
    scenarios.throughput,
    scenarios.other_rpcs,
    upstream_tls.over_tls,
    memory.growth,
    overload.overload,
    scenarios.portfolio,
    scenarios.in_flight_memory,
    scenarios.workers,
    scenarios.choices,
    client_safety.safety,
    clients.clients,
    scenarios.conversion,
    shared_state.shared_state,
    cluster.cluster,
]
"""Run in this order; a new scenario is one line here."""


def run(smoke: bool) -> dict[str, object]:
    bench = Bench(smoke)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        fast = stack.enter_context(upstream())
        slow = stack.enter_context(upstream(delay=0.1))
        port, metrics_port, tuned_port, tuned_metrics_port = (free_port() for _ in range(4))
        defaults = default_env(fast, fast, port, metrics_port)
        tuned = tuned_env(fast, slow, tuned_port, tuned_metrics_port)
        env = Environment(
            bench=bench,
            fast=fast,
            slow=slow,
            ceiling_a=stack.enter_context(ceiling_a()),
            ceiling_b=stack.enter_context(ceiling_b(fast, fast)),
            gateway=stack.enter_context(
                gateway(defaults, port, metrics_port, Path(scratch) / "gateway.log")
            ),
            tuned=stack.enter_context(
                gateway(tuned, tuned_port, tuned_metrics_port, Path(scratch) / "tuned.log")
            ),
            scratch=Path(scratch),
            settings={
                scenarios.GATEWAY: settings_shown(defaults),
                scenarios.TUNED: settings_shown(tuned),
            },
        )
        for scenario in SCENARIOS:
            scenario(env)
    return {
        "results": [asdict(result) for result in bench.results],
        "notes": bench.notes,
        "settings": env.settings,
        "seconds": time.perf_counter() - started,
    }


def machine() -> dict[str, str]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1) if found else ""
    h2load_version = subprocess.run(["h2load", "--version"], capture_output=True, text=True).stdout
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "load average at start (1, 5, 15 min)": " ".join(load),
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
