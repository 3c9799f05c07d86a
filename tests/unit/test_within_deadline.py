"""The RPC deadline scope: work past the deadline (plus its slack) is cancelled and becomes the
scope's error; any other cancellation passes through untouched, and the task is left as it was
found."""

from __future__ import annotations

import asyncio

import pytest

from service.core.errors import DeadlineExceeded
from service.core.rpc_context import deadline_in, within_deadline


def expired() -> DeadlineExceeded:
    return DeadlineExceeded("the deadline ran out")


async def test_work_past_the_deadline_raises_the_scopes_error_from_a_timeout() -> None:
    with deadline_in(0.01), pytest.raises(DeadlineExceeded) as raised:
        async with within_deadline(expired):
            await asyncio.sleep(10)

    assert isinstance(raised.value.__cause__, TimeoutError)
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0


async def test_the_slack_is_waited_beyond_the_deadline() -> None:
    loop = asyncio.get_running_loop()
    with deadline_in(0.0):
        started = loop.time()
        with pytest.raises(DeadlineExceeded):
            async with within_deadline(expired, slack=0.05):
                await asyncio.sleep(10)

    assert loop.time() - started >= 0.05


async def test_work_within_the_deadline_returns_and_leaves_no_timer_behind() -> None:
    with deadline_in(0.05):
        async with within_deadline(expired):
            await asyncio.sleep(0)
        # Had the scope's timer been left armed, it would cancel this sleep.
        await asyncio.sleep(0.1)


async def test_without_a_deadline_nothing_is_cancelled() -> None:
    async with within_deadline(expired):
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    ("deadline", "wait_before_cancelling"),
    [
        pytest.param(10.0, 0.01, id="while-the-work-waits"),
        # The task waits and its timer is due: the outside cancel still wins over the expiry.
        pytest.param(0.0, 0.0, id="at-the-moment-the-deadline-expires"),
    ],
)
async def test_a_cancellation_from_outside_passes_through_as_a_cancellation(
    deadline: float, wait_before_cancelling: float
) -> None:
    async def work() -> None:
        with deadline_in(deadline):
            async with within_deadline(expired):
                await asyncio.sleep(10)

    task = asyncio.create_task(work())
    await asyncio.sleep(wait_before_cancelling)
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task


async def test_nested_scopes_each_raise_their_own_error_at_their_own_time() -> None:
    def outer() -> DeadlineExceeded:
        return DeadlineExceeded("outer")

    inner_errors: list[str] = []

    async def work() -> None:
        async with within_deadline(outer, slack=0.05):
            try:
                async with within_deadline(expired):
                    await asyncio.sleep(10)
            except DeadlineExceeded as inner:
                inner_errors.append(inner.message)
            await asyncio.sleep(10)

    with deadline_in(0.01), pytest.raises(DeadlineExceeded) as raised:
        await work()

    assert inner_errors == ["the deadline ran out"]
    assert raised.value.message == "outer"


async def test_an_error_raised_inside_is_left_as_it_is_after_the_deadline() -> None:
    async def work() -> None:
        async with within_deadline(expired):
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                raise ValueError("its own failure") from None

    with deadline_in(0.01), pytest.raises(ValueError, match="own"):
        await work()
