"""The deadline of the RPC being served, shared by everything it waits on.

The RPC boundary sets it from the caller's remaining time (or the default), less a margin so
the gateway answers before the caller gives up. Upstream requests, retry back-offs and queues
wait at most until then.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

from service.errors import GatewayError

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
