"""Reading an upstream again until its answer says what the caller waits for, within the RPC's
deadline: for workflows that wait (a confirmed cancel, a refresh).

The pauses grow (0.25 s, 0.5 s, 1 s, ... up to `max_interval`) so a slow upstream is not
hammered, and the last read ends early enough to leave `margin` seconds for the answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from service.core.rpc_context import time_left

Answer = TypeVar("Answer")


@dataclass(frozen=True)
class Polled(Generic[Answer]):
    """The last answer read, whether it was the one waited for, and how many reads it took."""

    answer: Answer
    done: bool
    reads: int


async def poll(
    read: Callable[[], Awaitable[Answer]],
    done: Callable[[Answer], bool],
    *,
    first_interval: float = 0.25,
    max_interval: float = 4.0,
    margin: float = 0.5,
    wait_first: bool = False,
) -> Polled[Answer] | None:
    """Read until `done(answer)` or until no further read fits before the deadline.

    None when not even one read fitted. Without a deadline, reads go on until `done`.
    """
    interval = first_interval
    reads = 0
    last: Answer | None = None
    if wait_first:
        if not _fits(interval, margin):
            return None
        await asyncio.sleep(interval)
        interval = min(interval * 2, max_interval)
    while _fits(0.0, margin):
        last = await read()
        reads += 1
        if done(last):
            return Polled(last, True, reads)
        if not _fits(interval, margin):
            break
        await asyncio.sleep(interval)
        interval = min(interval * 2, max_interval)
    return None if last is None else Polled(last, False, reads)


def _fits(pause: float, margin: float) -> bool:
    """Whether a read after `pause` seconds still leaves `margin` before the deadline."""
    remaining = time_left()
    return remaining is None or remaining - pause > margin
