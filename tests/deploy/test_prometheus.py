"""The alerting rules in `deploy/prometheus/` pass `promtool check rules`, and their unit tests
(`alerts.test.yaml`) pass `promtool test rules` and cover every alert, firing and quiet."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.tools import require_tool

PROMETHEUS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
ALERTS = PROMETHEUS / "alerts.yaml"
ALERT_TESTS = PROMETHEUS / "alerts.test.yaml"


@pytest.fixture(scope="module")
def promtool() -> Path:
    return require_tool("promtool", "run `make promtool` (Debian's prometheus package)")


def promtool_run(promtool: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(promtool), *map(str, args)],
        cwd=PROMETHEUS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def test_promtool_accepts_the_alerting_rules(promtool: Path) -> None:
    result = promtool_run(promtool, "check", "rules", ALERTS)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


def test_the_alert_unit_tests_pass(promtool: Path) -> None:
    result = promtool_run(promtool, "test", "rules", ALERT_TESTS)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_unit_tests_fail_when_an_alert_misfires(promtool: Path, tmp_path: Path) -> None:
    raised = ALERTS.read_text().replace(") > 0.05", ") > 0.5")
    (tmp_path / "alerts.yaml").write_text(raised)
    (tmp_path / "alerts.test.yaml").write_text(ALERT_TESTS.read_text())

    result = promtool_run(promtool, "test", "rules", tmp_path / "alerts.test.yaml")

    assert result.returncode != 0
    assert "AggregatorRpcErrorRatioHigh" in result.stdout + result.stderr


def test_every_alert_is_tested_firing_and_quiet() -> None:
    cases = [
        case
        for test in yaml.safe_load(ALERT_TESTS.read_text())["tests"]
        for case in test["alert_rule_test"]
    ]
    firing = {case["alertname"] for case in cases if case["exp_alerts"]}
    quiet = {case["alertname"] for case in cases if not case["exp_alerts"]}
    names = {rule["alert"] for rule in alert_rules()}

    assert firing == names
    assert quiet == names


def test_every_alert_has_a_severity_a_summary_and_a_description() -> None:
    for rule in alert_rules():
        assert rule["labels"]["severity"] in {"page", "warning", "info"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert rule["annotations"]["description"], rule["alert"]
