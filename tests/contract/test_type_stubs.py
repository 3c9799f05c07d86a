"""The generated code ships type stubs: a caller's mistakes fail mypy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

CALLER = """
from aggregator.v1.aggregator_service_pb2 import GetHoldingsValueResponse
from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub

value: str = GetHoldingsValueResponse().total_value
wrong: int = GetHoldingsValueResponse().total_value
GetHoldingsValueResponse(no_such_field="1")
stub_call = AggregatorServiceStub.GetHoldingsValue
"""


def test_mypy_catches_type_errors_against_the_generated_stubs(tmp_path: Path) -> None:
    caller = tmp_path / "caller.py"
    caller.write_text(CALLER)

    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(caller)],
        cwd=REPO_ROOT,
        env={"MYPYPATH": str(REPO_ROOT / "generated"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 2, result.stdout
    assert "caller.py:6:" in errors[0]
    assert "caller.py:7:" in errors[1]
