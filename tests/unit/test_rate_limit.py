"""The token bucket, driven by a fake clock."""

from __future__ import annotations

import pytest

from service.auth.rate_limit import TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_a_full_bucket_allows_a_burst_then_refuses() -> None:
    bucket = TokenBucket(rate_per_second=1.0, burst=3, clock=FakeClock())

    assert [bucket.try_take() for _ in range(3)] == [None, None, None]
    assert bucket.try_take() is not None


def test_retry_after_is_the_time_until_the_next_token() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate_per_second=4.0, burst=1, clock=clock)
    assert bucket.try_take() is None

    assert bucket.try_take() == pytest.approx(0.25)
    clock.advance(0.125)
    assert bucket.try_take() == pytest.approx(0.125)
    clock.advance(0.125)
    assert bucket.try_take() is None


def test_refused_calls_take_nothing() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate_per_second=2.0, burst=1, clock=clock)
    bucket.try_take()

    for _ in range(5):
        assert bucket.try_take() == pytest.approx(0.5)
    clock.advance(0.5)
    assert bucket.try_take() is None


def test_the_bucket_refills_at_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate_per_second=10.0, burst=2, clock=clock)
    bucket.try_take()
    bucket.try_take()

    clock.advance(0.1)
    assert bucket.try_take() is None
    assert bucket.try_take() is not None


def test_small_steps_add_up_to_a_token() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate_per_second=10.0, burst=1, clock=clock)
    bucket.try_take()

    for _ in range(10):
        clock.advance(0.01)
    assert bucket.try_take() is None


def test_the_refill_stops_at_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate_per_second=100.0, burst=2, clock=clock)

    clock.advance(3600)

    assert [bucket.try_take() for _ in range(2)] == [None, None]
    assert bucket.try_take() is not None


def test_a_fractional_rate_waits_seconds_for_a_token() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate_per_second=0.5, burst=1, clock=clock)
    bucket.try_take()

    assert bucket.try_take() == pytest.approx(2.0)
    clock.advance(2.0)
    assert bucket.try_take() is None


def test_a_clock_going_back_adds_no_tokens() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate_per_second=1.0, burst=1, clock=clock)
    bucket.try_take()

    clock.advance(-5)
    assert bucket.try_take() == pytest.approx(1.0)
    clock.advance(5)
    assert bucket.try_take() == pytest.approx(1.0)
    clock.advance(1)
    assert bucket.try_take() is None


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0.5), (1, 0)])
def test_a_bucket_that_could_never_allow_a_call_is_refused(rate: float, burst: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        TokenBucket(rate, burst, clock=FakeClock())
