"""The proto contract passes `buf lint` (default rules plus comments) and `buf format`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BUF = REPO_ROOT / ".tools" / "node_modules" / ".bin" / "buf"


@pytest.fixture(scope="module")
def buf() -> Path:
    if not BUF.exists():
        if os.environ.get("CI"):
            pytest.fail("buf is not installed: `make tools` installs it")
        pytest.skip("buf is not installed: run `make tools`")
    return BUF


def run_buf(buf: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(buf), *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_buf_lint_passes(buf: Path) -> None:
    result = run_buf(buf, "lint")

    assert result.returncode == 0, result.stdout + result.stderr


def test_protos_are_buf_formatted(buf: Path) -> None:
    result = run_buf(buf, "format", "--diff", "--exit-code")

    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_lint_requires_comments(buf: Path, tmp_path: Path) -> None:
    module = tmp_path / "protos" / "aggregator" / "v1"
    module.mkdir(parents=True)
    (module / "bare.proto").write_text(
        'syntax = "proto3";\n\npackage aggregator.v1;\n\nmessage Bare {\n  string name = 1;\n}\n'
    )
    (tmp_path / "buf.yaml").write_text((REPO_ROOT / "buf.yaml").read_text())

    result = subprocess.run(
        [str(buf), "lint", "--error-format=json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert "COMMENT_MESSAGE" in result.stdout
    assert "COMMENT_FIELD" in result.stdout
