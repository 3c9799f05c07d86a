"""The breaker, bulkhead, retry policy and retry budget on their own, with a fake clock."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.core.errors import (
    UpstreamContext,
    UpstreamOverloaded,
    UpstreamRateLimited,
    UpstreamRejectedRequest,
    UpstreamUnavailable,
)
from service.resilience.breaker import BreakerState, CircuitBreaker
from service.resilience.bulkhead import Bulkhead
from service.resilience.retry import RetryBudget, RetryPolicy

CONTEXT = UpstreamContext("mesh", "holdings_value")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_the_threshold_and_probes_once_after_the_cooldown() -> None:
    clock = Clock()
    breaker = CircuitBreaker("mesh", threshold=3, cooldown_seconds=10, clock=clock)
    for _ in range(2):
        assert breaker.seconds_until_probe() is None
        breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
    breaker.record_failure()

    assert breaker.state is BreakerState.OPEN
    assert breaker.seconds_until_probe() == pytest.approx(10)
    clock.now += 10
    assert breaker.seconds_until_probe() is None
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.seconds_until_probe() is not None, "only one probe at a time"
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED


def test_a_success_resets_the_consecutive_failures() -> None:
    breaker = CircuitBreaker("mesh", threshold=3, cooldown_seconds=10, clock=Clock())
    for _ in range(5):
        breaker.record_failure()
        breaker.record_failure()
        breaker.record_success()

    assert breaker.state is BreakerState.CLOSED


def test_an_abandoned_probe_lets_the_next_call_probe() -> None:
    clock = Clock()
    breaker = CircuitBreaker("mesh", threshold=1, cooldown_seconds=5, clock=clock)
    breaker.record_failure()
    clock.now += 5
    assert breaker.seconds_until_probe() is None

    breaker.abandon_probe()

    assert breaker.seconds_until_probe() is None


def test_a_threshold_of_zero_disables_the_breaker() -> None:
    breaker = CircuitBreaker("mesh", threshold=0, cooldown_seconds=5, clock=Clock())
    for _ in range(100):
        breaker.record_failure()

    assert breaker.seconds_until_probe() is None


@given(st.integers(1, 5_000))
def test_the_budget_keeps_retries_within_the_ratio_or_the_floor(requests: int) -> None:
    clock = Clock()
    budget = RetryBudget(ratio=0.2, min_per_second=3, window_seconds=10, clock=clock)
    retries = 0
    for _ in range(requests):
        budget.record_request()
        retries += budget.try_spend()
        retries += budget.try_spend()

    assert retries <= max(30, 0.2 * requests)
    assert retries >= min(requests * 2, max(30, int(0.2 * requests)) - 1)


def test_the_budget_forgets_requests_and_retries_outside_its_window() -> None:
    clock = Clock()
    budget = RetryBudget(ratio=0.0, min_per_second=1, window_seconds=10, clock=clock)
    assert all(budget.try_spend() for _ in range(10))
    assert not budget.try_spend()

    clock.now += 10.001

    assert budget.try_spend()


def policy() -> RetryPolicy:
    return RetryPolicy(max_attempts=3, base_delay_seconds=0.1, max_delay_seconds=0.15)


@given(st.integers(1, 2))
def test_backoff_is_full_jitter_under_the_capped_exponential(attempts: int) -> None:
    delay = policy().delay_before(
        UpstreamUnavailable("down", CONTEXT, retryable=True), attempts, None, False
    )

    assert delay is not None
    assert 0 <= delay <= min(0.15, 0.1 * 2 ** (attempts - 1))


def test_no_retry_after_the_last_attempt_or_for_non_retryable_errors() -> None:
    retryable = UpstreamUnavailable("down", CONTEXT, retryable=True)

    assert policy().delay_before(retryable, 3, None, False) is None
    assert policy().delay_before(UpstreamUnavailable("down", CONTEXT), 1, None, False) is None
    assert policy().delay_before(UpstreamRejectedRequest("no", CONTEXT), 1, None, False) is None


def test_a_retry_after_is_honoured_only_when_it_fits_and_only_for_reads() -> None:
    limited = UpstreamRateLimited("slow down", CONTEXT, retry_after_seconds=2)

    assert policy().delay_before(limited, 1, 5.0, False) == 2
    assert policy().delay_before(limited, 1, 1.5, False) is None
    assert policy().delay_before(limited, 1, 5.0, True) is None
    unknown = UpstreamRateLimited("slow down", CONTEXT, retry_after_seconds=None)
    assert policy().delay_before(unknown, 1, 5.0, False) is None


def test_a_backoff_longer_than_the_time_left_is_not_taken() -> None:
    slow = RetryPolicy(max_attempts=3, base_delay_seconds=10, max_delay_seconds=10)
    retryable = UpstreamUnavailable("down", CONTEXT, retryable=True)

    assert slow.delay_before(retryable, 1, 0.0, False) is None


async def test_the_bulkhead_admits_the_limit_queues_the_waiting_line_and_refuses_the_rest() -> None:
    bulkhead = Bulkhead("mesh", max_concurrent=2, max_waiting=1)
    release = asyncio.Event()
    inside = 0

    async def hold() -> None:
        nonlocal inside
        async with bulkhead.slot():
            inside += 1
            await release.wait()

    holders = [asyncio.ensure_future(hold()) for _ in range(3)]
    await asyncio.sleep(0)
    assert inside == 2
    with pytest.raises(UpstreamOverloaded):
        async with bulkhead.slot():
            pass
    release.set()
    await asyncio.gather(*holders)
    assert inside == 3
