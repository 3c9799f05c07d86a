"""A provider's per-key call limit over a sliding window, driven by a fake clock."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.providers.call_limits import CallLimit


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_call_over_the_limit_is_refused_until_the_oldest_leaves_the_window() -> None:
    clock = FakeClock()
    limit = CallLimit(3, 60.0, clock=clock)
    for second in (0.0, 10.0, 20.0):
        clock.now = 1000.0 + second
        assert limit.try_take("item") is None

    clock.now = 1030.0
    assert limit.try_take("item") == pytest.approx(30.0)
    clock.now = 1060.0
    assert limit.try_take("item") is None


def test_a_refused_call_is_not_counted() -> None:
    clock = FakeClock()
    limit = CallLimit(1, 60.0, clock=clock)
    limit.try_take("item")
    for _ in range(5):
        assert limit.try_take("item") is not None

    clock.now += 60.0
    assert limit.try_take("item") is None


def test_keys_are_counted_apart_and_kept_only_as_hashes() -> None:
    limit = CallLimit(1, 60.0, clock=FakeClock())
    token = "access-sandbox-0b8d5c3e-secret"

    assert limit.try_take(token) is None
    assert limit.try_take("access-sandbox-other") is None
    assert limit.try_take(token) is not None
    assert token.encode() not in repr(vars(limit)).encode()
    assert all(token.encode() not in key for key in limit._calls)


def test_the_keys_idle_longest_are_forgotten_beyond_the_cap() -> None:
    limit = CallLimit(1, 60.0, max_keys=2, clock=FakeClock())
    limit.try_take("a")
    limit.try_take("b")
    limit.try_take("a")
    limit.try_take("c")

    assert limit.keys == 2
    # "b" was forgotten, "a" (used since) was kept.
    assert limit.try_take("b") is None
    assert limit.try_take("c") is not None


@settings(max_examples=200, deadline=None)
@given(
    max_calls=st.integers(min_value=1, max_value=20),
    gaps=st.lists(st.floats(min_value=0, max_value=30, allow_nan=False), max_size=120),
)
def test_no_window_ever_holds_more_than_the_limit(max_calls: int, gaps: list[float]) -> None:
    clock = FakeClock()
    limit = CallLimit(max_calls, 60.0, clock=clock)
    allowed: list[float] = []
    for gap in gaps:
        clock.now += gap
        if limit.try_take("item") is None:
            allowed.append(clock.now)

    for index, start in enumerate(allowed):
        assert len([t for t in allowed[index:] if t < start + 60.0]) <= max_calls
