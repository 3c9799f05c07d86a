"""The JSON log line's time is the text `datetime` gives for the record's timestamp."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from service.observability.logs import utc_iso_time

TIMESTAMPS = st.floats(min_value=-2e9, max_value=4e9, allow_nan=False)
WHOLE_SECONDS = st.integers(min_value=-2_000_000_000, max_value=4_000_000_000)


@given(TIMESTAMPS)
@example(1_764_626_400.0)  # a whole second: no fraction in the text
@example(1_764_626_400.9999996)  # rounds up into the next second
@example(1_764_626_400.0000005)  # half a microsecond: rounded to even
@example(-0.5)
def test_the_time_is_datetimes_isoformat_of_the_timestamp(timestamp: float) -> None:
    assert utc_iso_time(timestamp) == datetime.fromtimestamp(timestamp, UTC).isoformat()


@given(WHOLE_SECONDS, st.lists(st.integers(min_value=0, max_value=999_999), max_size=5))
def test_lines_within_one_second_and_across_seconds_each_get_their_own_time(
    second: int, micros: list[int]
) -> None:
    for timestamp in [second + micro / 1e6 for micro in micros] + [second + 1.5, second + 0.25]:
        assert utc_iso_time(timestamp) == datetime.fromtimestamp(timestamp, UTC).isoformat()


@pytest.mark.parametrize("timestamp", [0.0, 1e-7, 59.9999999])
def test_the_first_seconds_of_the_epoch(timestamp: float) -> None:
    assert utc_iso_time(timestamp) == datetime.fromtimestamp(timestamp, UTC).isoformat()
