"""Logging set-up: JSON lines (or text), every record tagged with its RPC's request id, and
redacted as it is made (`service.observability.redaction`)."""

from __future__ import annotations

import asyncio
import logging
import math
import sys
from datetime import UTC, datetime
from typing import Literal, TextIO

import msgspec

from service.core import rpc_context
from service.observability.redaction import install_redaction, scrub

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
RPC_FIELDS = (
    "method",
    "provider",
    "institution",
    "caller",
    "code",
    "attempts",
    "duration_ms",
    "upstream_request_id",
)
"""The structured fields of the one line logged per RPC."""

LogFormat = Literal["json", "text"]

_encode_json = msgspec.json.Encoder(enc_hook=str).encode
"""msgspec's encoder rather than `json.dumps`: the JSON line is made once per RPC, and this is
several times cheaper; anything it cannot encode is written as its text, as before."""


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = rpc_context.current()
        record.request_id = context.request_id if context is not None else "-"
        return True


def utc_iso_time(timestamp: float) -> str:
    """`datetime.fromtimestamp(timestamp, UTC).isoformat()`, its date and time of day made once
    per second rather than once per line: a `datetime` and its text were a third of a JSON
    line's formatting. The microseconds are rounded as `fromtimestamp` rounds them."""
    global _second
    fraction, whole = math.modf(timestamp)
    seconds, micros = int(whole), round(fraction * 1_000_000)
    if micros >= 1_000_000:
        seconds, micros = seconds + 1, micros - 1_000_000
    elif micros < 0:
        seconds, micros = seconds - 1, micros + 1_000_000
    second, up_to_seconds = _second
    if second != seconds:
        # Without its "+00:00": a whole second's text has no fraction.
        up_to_seconds = datetime.fromtimestamp(seconds, UTC).isoformat()[:-6]
        _second = (seconds, up_to_seconds)
    return f"{up_to_seconds}.{micros:06d}+00:00" if micros else f"{up_to_seconds}+00:00"


_second: tuple[int, str] = (0, "1970-01-01T00:00:00")
"""The second `utc_iso_time` last formatted, and its text."""


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        line: dict[str, object] = {
            "time": utc_iso_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
            "request_id": getattr(record, "request_id", "-"),
        }
        fields = record.__dict__
        for name in RPC_FIELDS:
            if name not in fields:
                continue
            value = fields[name]
            # A field the message (scrubbed as the record was made) already shows word for word
            # says nothing the line does not: most RPC fields, which need no second scrub.
            if isinstance(value, str) and value not in message:
                value = scrub(value)
            line[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(self.formatException(record.exc_info))
        if record.exc_text:
            line["exception"] = record.exc_text
        return _encode_json(line).decode()


FLUSH_SECONDS = 0.1
"""How long a line at INFO or below may wait in the buffer while the event loop runs."""


class BatchingStreamHandler(logging.StreamHandler[TextIO]):
    """Writes each record as it comes, but flushes the stream at most every `FLUSH_SECONDS`
    while an event loop runs, so the lines of many RPCs leave in one write; a record at WARNING
    or above is flushed at once, with those before it.

    A flush per record was a write(2) per RPC, measured at about 5% of a call's CPU (an event
    loop iteration finishes less than one RPC on average, so a flush per iteration saves
    nothing). Records made outside a running event loop (start-up, shutdown, other threads)
    are flushed at once, and at exit `logging` flushes the rest: only a process killed
    outright (SIGKILL) can lose up to `FLUSH_SECONDS` of lines.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._flush_on: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:
        # `StreamHandler.emit`, but for when it flushes.
        try:
            self.stream.write(self.format(record) + self.terminator)
            self._flush_soon(record.levelno)
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def _flush_soon(self, level: int) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or level >= logging.WARNING:
            self.flush()
        elif self._flush_on is not loop:
            self._flush_on = loop
            loop.call_later(FLUSH_SECONDS, self._flush_now)

    def _flush_now(self) -> None:
        self._flush_on = None
        self.flush()


def _unbuffered_by_line(stream: TextIO) -> TextIO:
    """`stream`'s file opened again without line buffering (standard error flushes at every
    line), left open when dropped; `stream` itself when it has no file (a test's capture)."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return stream
    encoding = getattr(stream, "encoding", None) or "utf-8"
    return open(descriptor, "w", encoding=encoding, errors="backslashreplace", closefd=False)


def configure_logging(level: str, log_format: LogFormat = "text") -> None:
    install_redaction()
    # No format of the gateway's names a thread or process; not looking them up for every
    # record is the logging documentation's own advice.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    # Nor the caller's file and line, found by walking the stack for every record: the logging
    # HOWTO's advice for the same case ("Optimization").
    logging._srcfile = None
    handler = BatchingStreamHandler(_unbuffered_by_line(sys.stderr))
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
