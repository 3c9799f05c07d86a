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
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field

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
    return uuid.uuid4().hex


@contextmanager
def serving(context: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def current() -> RequestContext | None:
    return _current.get()


_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)


@contextmanager
def deadline_in(seconds: float) -> Iterator[None]:
    """Set the deadline of the current RPC, `seconds` from now."""
    token = _deadline.set(asyncio.get_running_loop().time() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def time_left() -> float | None:
    """Seconds until the deadline (negative once past), or None outside an RPC."""
    when = _deadline.get()
    return None if when is None else when - asyncio.get_running_loop().time()


@asynccontextmanager
async def within_deadline(
    on_expiry: Callable[[], GatewayError], slack: float = 0.0
) -> AsyncIterator[None]:
    """Cancel the enclosed work `slack` seconds after the deadline; raise `on_expiry()`."""
    when = _deadline.get()
    try:
        async with asyncio.timeout_at(None if when is None else when + slack):
            yield
    except TimeoutError as exc:
        raise on_expiry() from exc
