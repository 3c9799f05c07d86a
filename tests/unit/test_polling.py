"""Polling reads until the answer is the awaited one, backing off, within the deadline."""

from __future__ import annotations

import asyncio

from service.core.rpc_context import deadline_in
from service.providers.polling import poll


async def test_it_reads_until_done_and_says_how_many_reads_it_took() -> None:
    answers = iter([1, 2, 3, 4])

    async def read() -> int:
        return next(answers)

    polled = await poll(read, lambda answer: answer == 3, first_interval=0.001)

    assert polled is not None
    assert (polled.answer, polled.done, polled.reads) == (3, True, 3)


async def test_the_pauses_grow_up_to_the_ceiling() -> None:
    slept: list[float] = []
    real_sleep = asyncio.sleep

    async def recording_sleep(seconds: float) -> None:
        slept.append(seconds)
        await real_sleep(0)

    async def read() -> int:
        return 0

    original = asyncio.sleep
    asyncio.sleep = recording_sleep  # type: ignore[assignment]
    try:
        with deadline_in(3600):
            polled = await poll(
                read, lambda _: len(slept) >= 6, first_interval=0.25, max_interval=2.0
            )
    finally:
        asyncio.sleep = original
    assert polled is not None
    assert slept == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]


async def test_near_the_deadline_it_stops_with_the_last_answer() -> None:
    reads = 0

    async def read() -> int:
        nonlocal reads
        reads += 1
        return reads

    with deadline_in(0.3):
        polled = await poll(read, lambda _: False, first_interval=0.05, margin=0.1)

    assert polled is not None
    assert not polled.done
    assert polled.answer == polled.reads >= 1


async def test_with_no_time_left_it_does_not_read_at_all() -> None:
    async def read() -> int:
        raise AssertionError("read past the deadline")

    with deadline_in(0.05):
        assert await poll(read, lambda _: True, margin=0.5) is None
