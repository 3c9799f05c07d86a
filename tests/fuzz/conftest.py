"""The fuzz suite's settings and its figures, printed at the end of the run."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.fuzz.outcomes import FIGURES

EXAMPLES = int(os.environ.get("AGGREGATOR_FUZZ_EXAMPLES", "40"))
"""Examples per RPC and suite: few in `make test`, many in `make fuzz`."""

FUZZ = settings(
    max_examples=EXAMPLES,
    # Each example is a real call through the gateway to the sandbox: its time depends on the
    # machine, so no example has a deadline.
    deadline=None,
    # One gateway serves every example of a test, which is the point: it must stay up.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = FIGURES.report()
    if lines:
        terminalreporter.section("fuzz figures")
        for line in lines:
            terminalreporter.write_line(line)
