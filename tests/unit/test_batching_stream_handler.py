"""The log handler flushes at most every `FLUSH_SECONDS` while an event loop runs, at once for
warnings and outside a loop."""

from __future__ import annotations

import asyncio
import io
import logging
import threading
import uuid
from collections.abc import Iterator

import pytest

from service.observability import logs
from service.observability.logs import BatchingStreamHandler


class RecordingStream(io.StringIO):
    """What had been written at each flush."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[str] = []

    def flush(self) -> None:
        self.flushed.append(self.getvalue())


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[logging.Logger, RecordingStream]]:
    monkeypatch.setattr(logs, "FLUSH_SECONDS", 0.5)
    stream = RecordingStream()
    logger = logging.getLogger(f"tests.unit.flush.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = BatchingStreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    yield logger, stream
    logger.removeHandler(handler)


async def test_lines_logged_while_the_loop_runs_leave_together_after_the_flush_interval(
    logged: tuple[logging.Logger, RecordingStream],
) -> None:
    logger, stream = logged

    for n in range(3):
        logger.info("rpc %d", n)
        await asyncio.sleep(0)
    flushed_before = list(stream.flushed)
    await asyncio.sleep(0.8)

    assert flushed_before == []
    assert stream.flushed == ["rpc 0\nrpc 1\nrpc 2\n"]


async def test_a_warning_is_flushed_at_once_with_the_lines_before_it(
    logged: tuple[logging.Logger, RecordingStream],
) -> None:
    logger, stream = logged

    logger.info("rpc 1")
    logger.warning("upstream outcome unknown")

    assert stream.flushed == ["rpc 1\nupstream outcome unknown\n"]


def test_records_made_outside_an_event_loop_are_flushed_at_once(
    logged: tuple[logging.Logger, RecordingStream],
) -> None:
    logger, stream = logged

    logger.info("starting")
    logger.info("started")

    assert stream.flushed == ["starting\n", "starting\nstarted\n"]


async def test_records_of_another_thread_are_flushed_at_once_while_the_loop_runs(
    logged: tuple[logging.Logger, RecordingStream],
) -> None:
    logger, stream = logged

    worker = threading.Thread(target=logger.info, args=("from a thread",))
    worker.start()
    worker.join()

    assert stream.flushed == ["from a thread\n"]


def test_a_flush_left_pending_by_a_stopped_loop_happens_in_the_next_one(
    logged: tuple[logging.Logger, RecordingStream],
) -> None:
    logger, stream = logged

    def log_and_stop(loop: asyncio.AbstractEventLoop) -> None:
        logger.info("in the first loop")
        loop.stop()  # long before its flush is due

    first = asyncio.new_event_loop()
    first.call_soon(log_and_stop, first)
    first.run_forever()
    first.close()
    flushed_by_the_first = list(stream.flushed)

    async def log() -> None:
        logger.info("in the second loop")
        await asyncio.sleep(0.8)

    asyncio.run(log())

    assert flushed_by_the_first == []
    assert stream.flushed[0] == "in the first loop\nin the second loop\n"
