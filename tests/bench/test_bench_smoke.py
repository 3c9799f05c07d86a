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
    assert ("1. GetHoldingsValue", "gateway", 1) in targets
    assert ("1. GetHoldingsValue", "ceiling A (no-op grpc.aio)", 16) in targets
    assert ("4. CancelOrder", "gateway", 16) in targets
    for result in data["results"]:
        assert result["calls"] == 200
        if result["target"] == "gateway":
            assert result["ok"] == 200, "every call the gateway answered was a gRPC OK"
    assert data["notes"]["conversion (GetHoldings)"]
    assert data["notes"]["portfolio seconds by connections (upstream 100 ms)"]
    report = (tmp_path / "results.md").read_text()
    assert "x ceiling A" in report
    assert "Smoke run" in report
