"""What the logs and upstream requests need to know about the RPC being served."""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
"""Caller-chosen request ids are echoed into logs and upstream headers, so they are vetted."""


@dataclass
class RequestContext:
    request_id: str
    method: str
    caller: str = "-"
    attempts: int = field(default=0)
    """Upstream HTTP exchanges made for this RPC."""


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
