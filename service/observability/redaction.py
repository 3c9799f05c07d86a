"""The one redaction layer: secrets are scrubbed from every log record and upstream text.

Secrets are known three ways: the gateway's own credentials (registered at start-up),
the secret fields of the request being served (registered per RPC in a context variable),
and anything shaped like a bearer token. `scrub` and `scrub_json` apply the same knowledge to
texts that are not log records, such as what an upstream said. A secret is scrubbed as written
and percent-encoded, since some travel in URLs (a user secret in a query); and URLs given to
a log record (httpx's own "HTTP Request" line) are logged without their query.
"""

from __future__ import annotations

import contextvars
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

REDACTED = "[REDACTED]"
SECRET_FIELDS: set[str] = {"mfa_code", "client_secret"}
"""Request fields whose values are secrets, wherever they are nested; providers add the fields
of their connections (`register_secret_fields`)."""

_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\",]+")
_static_secrets: set[str] = set()
_request_secrets: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "request_secrets", default=()
)


def register_secret(value: str) -> None:
    """Scrub `value` from every log record from now on (credentials, access tokens)."""
    if value:
        _static_secrets.add(value)


def register_secret_fields(names: Iterable[str]) -> None:
    """Treat request fields named `names` as secrets from now on."""
    SECRET_FIELDS.update(names)


@contextmanager
def request_secrets(request: Message) -> Iterator[None]:
    """Scrub the secret fields of `request` from what is logged or built while it is served."""
    token = _request_secrets.set(tuple(_secret_values(request)))
    try:
        yield
    finally:
        _request_secrets.reset(token)


def _secret_values(message: Message) -> Iterator[str]:
    """Every secret field's text in `message`, however deep: nested, repeated, map, oneof."""
    for field, value in message.ListFields():
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            yield from _field_secrets(field.name, value_field, list(value.values()))
        else:
            yield from _field_secrets(field.name, field, value if field.is_repeated else [value])


def _field_secrets(name: str, field: FieldDescriptor, values: Iterable[Any]) -> Iterator[str]:
    for value in values:
        if field.message_type is not None:
            yield from _secret_values(value)
        elif name in SECRET_FIELDS and isinstance(value, str) and value:
            yield value


def scrub(text: str) -> str:
    """`text` without any known secret or bearer token."""
    forms = {
        form
        for secret in (*_static_secrets, *_request_secrets.get())
        for form in (secret, quote(secret, safe=""), quote_plus(secret))
    }
    # Longest first, so a secret that contains another is never left half visible.
    for secret in sorted(forms, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _BEARER.sub(rf"\g<1>{REDACTED}", text)


def scrub_json(value: Any) -> Any:
    """A decoded JSON value with every string in it, keys included, scrubbed."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub_json(key): scrub_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub_json(item) for item in value]
    return value


def _without_query(value: object) -> object:
    return value.copy_with(query=None) if isinstance(value, httpx.URL) else value


_formatter = logging.Formatter()
_installed = False


def install_redaction() -> None:
    """Scrub every log record as it is created, whichever logger or handler it goes to.

    Redacting at creation rather than in one handler's filter also covers handlers added
    later (test capture, third-party set-ups) and the records of httpx and grpc.
    """
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def make_redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if isinstance(record.args, tuple):
            record.args = tuple(_without_query(arg) for arg in record.args)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        if record.exc_info:
            record.exc_text = scrub(_formatter.formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(make_redacted_record)
    _installed = True
