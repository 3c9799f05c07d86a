"""`service.resilience.coalescer`: identical concurrent reads share one piece of work."""

from __future__ import annotations

import asyncio

import pytest

from service.resilience.coalescer import Coalescer


class Work:
    """Work that counts its runs and waits for `release` before answering."""

    def __init__(self, result: object = "result", error: Exception | None = None) -> None:
        self.result = result
        self.error = error
        self.runs = 0
        self.cancelled = 0
        self.finished = 0
        self.release = asyncio.Event()

    async def __call__(self) -> object:
        self.runs += 1
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        self.finished += 1
        if self.error is not None:
            raise self.error
        return self.result


async def settle(turns: int = 10) -> None:
    """Let every ready task run; no clock involved."""
    for _ in range(turns):
        await asyncio.sleep(0)


async def test_concurrent_identical_keys_run_the_work_once_and_share_the_result() -> None:
    coalescer = Coalescer("test")
    work = Work(result={"holdings": 3})
    callers = [asyncio.create_task(coalescer.run("k", work)) for _ in range(5)]
    await settle()

    work.release.set()
    results = await asyncio.gather(*callers)

    assert work.runs == 1
    assert results == [{"holdings": 3}] * 5
    assert all(result is results[0] for result in results)
    assert coalescer.coalesced == 4


async def test_a_single_call_is_not_counted_as_coalesced() -> None:
    coalescer = Coalescer("test")
    work = Work()
    work.release.set()

    assert await coalescer.run("k", work) == "result"
    assert coalescer.coalesced == 0


async def test_different_keys_run_their_work_separately() -> None:
    coalescer = Coalescer("test")
    first, second = Work("one"), Work("two")
    callers = [
        asyncio.create_task(coalescer.run("k1", first)),
        asyncio.create_task(coalescer.run("k2", second)),
    ]
    await settle()

    first.release.set()
    second.release.set()

    assert await asyncio.gather(*callers) == ["one", "two"]
    assert (first.runs, second.runs) == (1, 1)
    assert coalescer.coalesced == 0


async def test_an_exception_reaches_every_caller() -> None:
    coalescer = Coalescer("test")
    failure = ValueError("upstream broke")
    work = Work(error=failure)
    callers = [asyncio.create_task(coalescer.run("k", work)) for _ in range(3)]
    await settle()

    work.release.set()
    outcomes = await asyncio.gather(*callers, return_exceptions=True)

    assert outcomes == [failure, failure, failure]
    assert work.runs == 1


async def test_a_joined_caller_leaving_does_not_cancel_the_work_for_the_others() -> None:
    coalescer = Coalescer("test")
    work = Work()
    first = asyncio.create_task(coalescer.run("k", work))
    leaving = asyncio.create_task(coalescer.run("k", work))
    staying = asyncio.create_task(coalescer.run("k", work))
    await settle()

    leaving.cancel()
    await settle()
    work.release.set()

    assert await first == "result"
    assert await staying == "result"
    assert leaving.cancelled()
    assert (work.runs, work.cancelled, work.finished) == (1, 0, 1)


async def test_when_the_first_caller_leaves_the_joined_ones_run_the_read_once_more() -> None:
    coalescer = Coalescer("test")
    work = Work()
    first = asyncio.create_task(coalescer.run("k", work))
    await settle()
    joiners = [asyncio.create_task(coalescer.run("k", work)) for _ in range(3)]
    await settle()

    first.cancel()
    await settle()
    work.release.set()

    assert await asyncio.gather(*joiners) == ["result"] * 3
    assert first.cancelled()
    # The first caller's read went with it; the joined callers shared one more between them.
    assert (work.runs, work.cancelled, work.finished) == (2, 1, 1)


async def test_when_every_caller_left_the_work_is_cancelled() -> None:
    coalescer = Coalescer("test")
    work = Work()
    callers = [asyncio.create_task(coalescer.run("k", work)) for _ in range(3)]
    await settle()

    for caller in callers:
        caller.cancel()
    await asyncio.gather(*callers, return_exceptions=True)
    await settle()

    assert all(caller.cancelled() for caller in callers)
    assert work.cancelled == 1
    assert work.finished == 0


async def test_after_the_work_is_cancelled_the_next_call_runs_it_again() -> None:
    coalescer = Coalescer("test")
    work = Work()
    caller = asyncio.create_task(coalescer.run("k", work))
    await settle()
    caller.cancel()
    await settle()

    work.release.set()

    assert await coalescer.run("k", work) == "result"
    assert work.runs == 2


async def test_a_call_right_after_the_last_caller_left_runs_the_work_afresh() -> None:
    coalescer = Coalescer("test")
    work = Work()
    leaving = asyncio.create_task(coalescer.run("k", work))
    await settle()

    leaving.cancel()
    # One turn: the leaving caller runs its cleanup and cancels the shared work, which has
    # not finished cancelling yet.
    await asyncio.sleep(0)
    arriving = asyncio.create_task(coalescer.run("k", work))
    await settle()
    work.release.set()

    assert await arriving == "result"


async def test_after_completion_the_next_call_runs_the_work_again() -> None:
    coalescer = Coalescer("test")
    work = Work()
    work.release.set()

    assert await coalescer.run("k", work) == "result"
    work.result = "fresh"
    assert await coalescer.run("k", work) == "fresh"
    assert work.runs == 2
    assert coalescer.coalesced == 0


async def test_after_a_failure_the_next_call_runs_the_work_again() -> None:
    coalescer = Coalescer("test")
    work = Work(error=ValueError("once"))
    work.release.set()

    with pytest.raises(ValueError, match="once"):
        await coalescer.run("k", work)
    work.error = None

    assert await coalescer.run("k", work) == "result"
    assert work.runs == 2
