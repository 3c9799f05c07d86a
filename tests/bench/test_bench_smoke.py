"""The benchmark harness works end to end (a few seconds; no timing is asserted)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_smoke_bench_measures_every_part_and_writes_its_report(tmp_path: Path) -> None:
    if shutil.which("h2load") is None:
        if os.environ.get("CI"):
            pytest.fail("h2load is missing: `make h2load` installs nghttp2-client")
        pytest.skip("h2load is missing: run `make h2load` (Debian's nghttp2-client)")

    subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--output", str(tmp_path)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )

    data = json.loads((tmp_path / "results.json").read_text())
    targets = {(r["scenario"], r["target"], r["concurrency"]) for r in data["results"]}
    for target in ("ceiling A (no-op grpc.aio)", "ceiling B (plain handler)", "gateway (defaults)"):
        assert ("1. GetHoldingsValue", target, 16) in targets
    assert ("1. GetHoldingsValue", "gateway (tuned)", 16) in targets
    for scenario in ("4. CancelOrder", "4. GetHoldings (MoneyKit seed example)"):
        assert (scenario, "ceiling B (plain handler)", 16) in targets
        assert (scenario, "gateway (defaults)", 16) in targets
    assert ("8. GetHoldingsValue, upstream over TLS", "gateway (defaults)", 16) in targets
    scenarios = {r["scenario"] for r in data["results"]}
    assert {"5. workers", "6. memory in flight", "7. memory growth", "9. overload"} <= scenarios
    assert "choices" in scenarios
    behind_envoy = "3 replicas behind Envoy (CPU: Envoy's)"
    assert ("10. cluster (GetHoldingsValue)", behind_envoy, 64) in targets
    for result in data["results"]:
        if result["scenario"] in ("7. memory growth", "6. memory in flight"):
            continue
        assert result["calls"] == 200, result
        if result["ok"] is not None:
            assert result["ok"] == 200, f"every call the gateway answered was a gRPC OK: {result}"

    notes = data["notes"]
    assert notes["conversion (GetHoldings)"]
    assert all(ok for ok, _ in notes["upstream client safety"]["http1"].values()), (
        "the gateway's upstream client passes every safety check"
    )
    assert {"11. caller rate limit (ListInstitutions)", "12. cache hit (GetHoldingsValue)"} <= (
        scenarios
    )
    assert notes["portfolio seconds by connections (upstream 100 ms)"]
    assert notes["RSS MiB after 10,000 / 100,000 calls"]["calls"] == [100, 1000]
    overload = notes["overload (GetHoldingsValue, defaults)"]
    assert [row["factor"] for row in overload] == [2, 4]
    for row in overload:
        assert row["goodput_calls_per_second"] > 0, "some calls were served at overload"
        assert row["other_failures_share"] == 0, "at overload a call is served or turned away"
    rounds = notes[
        "overload: each round's goodput / peak, and the core's share of grpc's event-engine "
        "threads and of the others, by offered load"
    ]
    assert {factor: len(measured) for factor, measured in rounds.items()} == {"2x": 1, "4x": 1}
    assert [rounds[f"{row['factor']}x"][0] for row in overload] == [
        [
            round(row["goodput_share_of_peak"], 3),
            round(row["event_engine_core_share"], 3),
            round(row["other_threads_core_share"], 3),
        ]
        for row in overload
    ], "the row shown is the round's (the median of one), its CPU shares kept beside its ratio"
    # Summed over both offered loads: the threads' CPU is counted in 10 ms ticks.
    engine = sum(row["event_engine_core_share"] for row in overload)
    others = sum(row["other_threads_core_share"] for row in overload)
    assert 0 < engine < others, "grpc's event-engine threads and the rest are measured apart"
    assert notes["overload: CPU us per call grpc turns away, alone (bench/refusal.py)"] > 0
    assert data["settings"]["gateway (defaults)"] == {"AGGREGATOR_WORKERS": "1"}, (
        "the headline gateway runs with its default settings"
    )

    report = (tmp_path / "results.md").read_text()
    assert "x ceiling B" in report
    assert "x ceiling A" in report
    assert "## Targets (issue 14)" in report
    assert "Scenario 9: overload" in report
    assert "Smoke run" in report
