"""The malformed-request log's limiter: one report per caller per interval, with a count of the
reports it held back."""

from __future__ import annotations

from service.rpc.boundary import OncePerInterval


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_report_per_interval_then_the_count_of_those_held_back() -> None:
    clock = Clock()
    reports = OncePerInterval(60.0, clock)

    assert reports.take("alice") == 0
    assert [reports.take("alice") for _ in range(5)] == [None] * 5
    clock.now += 59.9
    assert reports.take("alice") is None
    clock.now += 0.1
    assert reports.take("alice") == 6
    assert reports.take("alice") is None


def test_each_caller_has_its_own_interval() -> None:
    clock = Clock()
    reports = OncePerInterval(60.0, clock)

    assert reports.take("alice") == 0
    assert reports.take("bob") == 0
    assert reports.take("alice") is None
    assert reports.take("bob") is None
