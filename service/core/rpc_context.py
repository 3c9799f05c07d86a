"""The RPC being served, as everything below the RPC edge sees it: its request id, caller and
upstream attempt count (for logs and upstream headers), and its deadline.

The RPC boundary sets both from the call: the deadline is the caller's remaining time (or the
default), less a margin so the gateway answers before the caller gives up. Upstream requests,
retry back-offs and queues wait at most until then.
"""

from __future__ import annotations

import asyncio
import contextvars
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

from service.core.errors import GatewayError

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
"""Caller-chosen request ids are echoed into logs and upstream headers, so they are vetted."""


@dataclass
class RequestContext:
    request_id: str
    method: str
    caller: str = "-"
    attempts: int = field(default=0)
    """Upstream HTTP exchanges made for this RPC."""
    side_effect_may_have_reached: bool = False
    """Whether a request with side effects may have reached an upstream: set as it is sent,
    unset again when the transport says it never was. An idempotent call records its outcome
    only then; otherwise nothing happened and its key stays free."""


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "request_context", default=None
)


def request_id_from(metadata: object) -> str:
    """The caller's `x-request-id` when it is a sane token, else a new one."""
    for key, value in metadata if isinstance(metadata, tuple | list) else ():
        if key == "x-request-id" and isinstance(value, str) and _REQUEST_ID.fullmatch(value):
            return value
    # 128 random bits as 32 hex digits, as uuid4().hex looked, without building a UUID.
    return secrets.token_hex(16)


class serving:
    """Within it, `current()` is `context`.

    A class rather than `@contextmanager`: it is entered for every RPC, and a generator costs
    several times more to enter and leave.
    """

    __slots__ = ("_context", "_token")

    def __init__(self, context: RequestContext) -> None:
        self._context = context

    def __enter__(self) -> RequestContext:
        self._token = _current.set(self._context)
        return self._context

    def __exit__(self, *exc_info: object) -> None:
        _current.reset(self._token)


def current() -> RequestContext | None:
    return _current.get()


_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)


class deadline_in:
    """Set the deadline of the current RPC, `seconds` from now (a class, as `serving` is)."""

    __slots__ = ("_seconds", "_token")

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds

    def __enter__(self) -> None:
        self._token = _deadline.set(asyncio.get_running_loop().time() + self._seconds)

    def __exit__(self, *exc_info: object) -> None:
        _deadline.reset(self._token)


def time_left() -> float | None:
    """Seconds until the deadline (negative once past), or None outside an RPC."""
    when = _deadline.get()
    return None if when is None else when - asyncio.get_running_loop().time()


class within_deadline:
    """Cancel the enclosed work `slack` seconds after the deadline; raise `on_expiry()`.

    What `asyncio.timeout_at` does, on one timer of the loop's own: every RPC enters this twice,
    and `asyncio.Timeout`'s state machine (which also lets a timeout be moved) measured as much
    again as the timer itself. As there, a cancellation that is not its own passes through.
    """

    __slots__ = ("_cancelling", "_expired", "_on_expiry", "_slack", "_task", "_timer")

    def __init__(self, on_expiry: Callable[[], GatewayError], slack: float = 0.0) -> None:
        self._on_expiry = on_expiry
        self._slack = slack
        self._timer: asyncio.TimerHandle | None = None

    async def __aenter__(self) -> None:
        when = _deadline.get()
        if when is None:
            return
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("within_deadline must be used inside a task")
        self._task = task
        self._cancelling = task.cancelling()
        self._expired = False
        # The task's loop, rather than `get_running_loop()`, which asks the kernel for the
        # process id on every call up to Python 3.11.
        self._timer = task.get_loop().call_at(when + self._slack, self._expire)

    def _expire(self) -> None:
        self._expired = True
        self._task.cancel()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._timer is None:
            return
        self._timer.cancel()
        if (
            self._expired
            and self._task.uncancel() <= self._cancelling
            and exc_type is asyncio.CancelledError
        ):
            raise self._on_expiry() from TimeoutError()
