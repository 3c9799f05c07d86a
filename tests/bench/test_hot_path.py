"""`bench/hot_path.py` drives real RPCs through the gateway's own objects (no timing is
asserted): the figures it prints are of calls that succeeded."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_hot_path_runs_both_calls_and_prints_its_cost_per_pair() -> None:
    # A failed call raises in the script (the context aborts), so a clean exit means every
    # GetHoldingsValue and CancelOrder was answered.
    finished = subprocess.run(
        [sys.executable, "-m", "bench.hot_path", "--pairs", "20", "--repeats", "1"],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert re.fullmatch(r"\d+\.\d us CPU per pair \(log level INFO\)\n", finished.stdout)
