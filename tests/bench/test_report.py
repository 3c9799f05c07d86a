"""The report: the targets' figures, and its account of alternating rounds (every round's ratio
and their median)."""

from __future__ import annotations

from bench.report import Target, _rounds


def test_each_comparison_lists_its_round_ratios_and_their_median() -> None:
    lines = _rounds({"1. GetHoldingsValue | gateway / ceiling B | 64": [0.81, 0.86, 0.74]})

    assert (
        lines[-1]
        == "- 1. GetHoldingsValue | gateway / ceiling B | 64: 0.81, 0.86, 0.74 (median 0.81)"
    )


def test_a_run_without_rounds_adds_nothing() -> None:
    assert _rounds({}) == []


def test_a_target_just_short_of_its_bound_shows_a_figure_short_of_it() -> None:
    line = Target("GetHoldingsValue / ceiling B", 0.7986, 0.8).line(smoke=False)

    assert line == "| GetHoldingsValue / ceiling B | >= 0.8 x | 0.799 x | **not met** |"
