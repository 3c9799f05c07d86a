"""The fuzz suite's settings and its figures, printed at the end of the run."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, settings

from service.sandbox import SandboxUpstreams
from tests.conftest import Gateway, gateway_settings, sandbox_providers, start_gateway
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


@pytest.fixture
async def gateway(sandbox: SandboxUpstreams) -> AsyncIterator[Gateway]:
    """The suite's gateway, without the per-Item limits it keeps for Plaid and with keyed
    cancels and cached reads remembered for a millisecond: hypothesis repeats values across
    examples, and the sixteenth holdings call of a minute for one Item would be refused by the
    limit working, a repeated idempotency key answered from its record and a repeated read
    with a `max_age` from the cache, not by anything in the input."""
    providers = sandbox_providers(sandbox, plaid={"item_rate_limits": False})
    settings = gateway_settings(
        sandbox,
        aggregator_idempotency_retention_seconds=0.001,
        aggregator_read_cache_retention_seconds=0.001,
    )
    async for running in start_gateway(settings, sandbox, providers):
        yield running
