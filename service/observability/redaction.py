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
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast
from urllib.parse import quote, quote_plus

import httpx
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

REDACTED = "[REDACTED]"
SECRET_FIELDS: set[str] = {"mfa_code", "client_secret"}
"""Request fields whose values are secrets, wherever they are nested; providers add the fields
of their connections (`register_secret_fields`)."""

_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\",]+")
_static_secrets: set[str] = set()
_static_forms: tuple[str, ...] = ()
"""Every written form of the static secrets, longest first: computed once per registration,
not once per scrubbed text."""
_static_version = 0


def register_secret(value: str) -> None:
    """Scrub `value` from every log record from now on (credentials, access tokens)."""
    global _static_forms, _static_version
    if value and value not in _static_secrets:
        _static_secrets.add(value)
        _static_forms = _longest_first(_written_forms(_static_secrets))
        _static_version += 1


def register_secret_fields(names: Iterable[str]) -> None:
    """Treat request fields named `names` as secrets from now on."""
    SECRET_FIELDS.update(names)
    _secret_plans.clear()


class _RequestSecrets:
    """The secrets of the request being served, found only once something is scrubbed: an RPC
    that logs and raises nothing never walks its request."""

    __slots__ = ("_forms", "_request", "_values", "_version")

    def __init__(self, request: Message) -> None:
        self._request = request
        self._values: tuple[str, ...] | None = None
        self._forms: tuple[str, ...] = ()
        self._version = -1

    def forms(self) -> tuple[str, ...]:
        if self._values is None:
            self._values = tuple(_secret_values(self._request))
        if self._version != _static_version:
            # Only the request's own secrets are encoded here; the static ones were, once.
            self._forms = (
                _longest_first((*_static_forms, *_written_forms(self._values)))
                if self._values
                else _static_forms
            )
            self._version = _static_version
        return self._forms


_request_secrets: contextvars.ContextVar[_RequestSecrets | None] = contextvars.ContextVar(
    "request_secrets", default=None
)


class request_secrets:
    """Scrub the secret fields of `request` from what is logged or built while it is served
    (a class rather than `@contextmanager`: it is entered for every RPC).

    Entered without a request, it scrubs those of the one it is later told to `cover`: the RPC
    boundary enters it before the request is decoded.
    """

    __slots__ = ("_request", "_token")

    def __init__(self, request: Message | None = None) -> None:
        self._request = request
        self._token: contextvars.Token[_RequestSecrets | None] | None = None

    def __enter__(self) -> request_secrets:
        if self._request is not None:
            self.cover(self._request)
        return self

    def cover(self, request: Message) -> None:
        """Scrub `request`'s secrets from now until the end of the block."""
        self._token = _request_secrets.set(_RequestSecrets(request))

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            _request_secrets.reset(self._token)


def _secret_values(message: Message) -> list[str]:
    """Every secret field's text in `message`, however deep: nested, repeated, map, oneof."""
    found: list[str] = []
    _collect_secrets(message, found)
    return found


def _collect_secrets(message: Message, found: list[str]) -> None:
    # A list filled in place rather than nested generators: every RPC walks its request once.
    plan = _secret_plans.get(type(message))
    if plan is None:
        plan = _secret_plans[type(message)] = _secret_plan(cast(Descriptor, message.DESCRIPTOR))
    for name, shape, holds_messages in plan:
        if shape == _ONE:
            if not holds_messages:
                value = getattr(message, name)
                if isinstance(value, str) and value:
                    found.append(value)
            elif message.HasField(name):
                _collect_secrets(getattr(message, name), found)
            continue
        held = getattr(message, name)
        items = held.values() if shape == _MAP else held
        if holds_messages:
            for item in items:
                _collect_secrets(item, found)
        else:
            found.extend(item for item in items if isinstance(item, str) and item)


_ONE, _REPEATED, _MAP = "one", "repeated", "map"
"""How a field holds its values: one value, a repeated field's, or a map's values."""

_secret_plans: dict[type[Message], tuple[tuple[str, str, bool], ...]] = {}
"""Each message class's `_secret_plan`, looked up by class: cheaper than by descriptor."""


def _secret_plan(descriptor: Descriptor) -> tuple[tuple[str, str, bool], ...]:
    """The fields of `descriptor` that are secrets or may hold one, each with how it holds its
    values and whether they are messages: a request is walked only where a secret can be, by
    name (`HasField` and attributes, not `ListFields`, which pairs every set field with its
    descriptor), and nothing of the descriptors is looked up again per request."""
    plan: list[tuple[str, str, bool]] = []
    for field in descriptor.fields:
        if _may_hold_secret(field, frozenset()):
            entry = field.message_type
            if entry is not None and entry.GetOptions().map_entry:
                value_type = entry.fields_by_name["value"].message_type
                plan.append((field.name, _MAP, value_type is not None))
            else:
                shape = _REPEATED if field.is_repeated else _ONE
                plan.append((field.name, shape, entry is not None))
    return tuple(plan)


def _may_hold_secret(field: FieldDescriptor, visiting: frozenset[str]) -> bool:
    entry = field.message_type
    if entry is not None and entry.GetOptions().map_entry:
        value_field = entry.fields_by_name["value"]
        if value_field.message_type is None:
            return field.name in SECRET_FIELDS
        field, entry = value_field, value_field.message_type
    if entry is None:
        return field.name in SECRET_FIELDS
    if entry.full_name in visiting:
        # A recursive type (Struct, Value) holds what its other fields hold.
        return False
    return any(_may_hold_secret(nested, visiting | {entry.full_name}) for nested in entry.fields)


def scrub(text: str) -> str:
    """`text` without any known secret or bearer token (the same object when it has none)."""
    if not text:
        # Most texts scrubbed are an upstream's empty envelope fields: no walk of the request.
        return text
    secrets = _request_secrets.get()
    # Longest first, so a secret that contains another is never left half visible.
    for secret in secrets.forms() if secrets is not None else _static_forms:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if "bearer" not in text.lower():
        # `re` tries a case-insensitive pattern at every position, with no fast search for its
        # literal start: about 2 µs for an RPC's log line. Only ASCII letters match "bearer"
        # case-insensitively, so a text whose lower case lacks it has no match.
        return text
    return _BEARER.sub(_redacted_bearer, text)


def _redacted_bearer(match: re.Match[str]) -> str:
    # A function, not a template: `re` parses a template on every call, matched or not.
    return match.group(1) + REDACTED


def _longest_first(forms: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(forms), key=len, reverse=True))


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")
"""Text that percent-encoding leaves as it is: most tokens."""


def _written_forms(secrets: Iterable[str]) -> Iterator[str]:
    """Each secret as written and as a URL would carry it."""
    for secret in secrets:
        yield secret
        if not _UNRESERVED.fullmatch(secret):
            yield quote(secret, safe="")
            yield quote_plus(secret)


def scrub_json(value: Any) -> Any:
    """A decoded JSON value with every string in it, keys included, scrubbed."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub_json(key): scrub_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub_json(item) for item in value]
    return value


_formatter = logging.Formatter()
_installed = False
_redacting_factory: Callable[..., logging.LogRecord] | None = None
_templates: dict[tuple[object, ...], dict[str, Any]] = {}


def install_redaction() -> None:
    """Scrub every log record as it is created, whichever logger or handler it goes to.

    Redacting at creation rather than in one handler's filter also covers handlers added
    later (test capture, third-party set-ups) and the records of httpx and grpc.
    """
    global _installed, _redacting_factory
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def make_redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        given = record.args
        if isinstance(given, tuple):
            record.args = tuple(
                [arg.copy_with(query=None) if isinstance(arg, httpx.URL) else arg for arg in given]
            )
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
    _redacting_factory = make_redacted_record
    _installed = True


def redacted_record(
    logger: logging.Logger, level: int, message: str, fields: dict[str, object]
) -> logging.LogRecord:
    """The record `logger.log(level, message, extra=fields)` would make, `message` scrubbed,
    for `logger.handle`: the one line logged per RPC.

    Made from a copy of a record made once, rather than by `Logger.makeRecord` and the record
    factory, which measured as half the line's cost: what they do per record (look up the
    level's name, the file's module, the thread) gives the same answer for every RPC. Under a
    record factory other than the redacting one, it is that factory's record, as before.
    """
    if logging.getLogRecordFactory() is not _redacting_factory:
        return logger.makeRecord(logger.name, level, _NO_FILE, 0, message, (), None, extra=fields)
    key = (logger.name, level, logging.logThreads, logging.logProcesses, logging.logMultiprocessing)
    template = _templates.get(key)
    if template is None:
        made = logging.LogRecord(logger.name, level, _NO_FILE, 0, "", None, None, _NO_FUNCTION)
        template = _templates[key] = dict(vars(made))
    record = logging.LogRecord.__new__(logging.LogRecord)
    attributes = record.__dict__
    attributes.update(template)
    attributes.update(fields)
    created = time.time()
    attributes["created"] = created
    # As `LogRecord` computes them.
    attributes["msecs"] = int((created - int(created)) * 1000) + 0.0
    attributes["relativeCreated"] = (created - logging._startTime) * 1000  # type: ignore[attr-defined]
    attributes["msg"] = scrub(message)
    return record


_NO_FILE, _NO_FUNCTION = "(unknown file)", "(unknown function)"
"""What a record says of its caller when `logging` is told not to look (`_srcfile = None`)."""
