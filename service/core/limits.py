"""Size limits on caller input: every string, bytes and repeated field of a request is bounded.

Limits are data, keyed by the proto field's full name (`aggregator.v1.MoneyKitLink.link_id`).
`violations` walks any request by its descriptor (nested, repeated and map fields, whichever
oneof branch is set) and names each value over its limit by its path
(`connections[3].mesh.auth_token`); a field without a declared limit gets the defaults of
`FieldLimit`, so no caller value is unbounded. The RPC boundary applies them to every request
before any handler runs, so an oversized value never reaches an upstream.

`size_within_limits` is the shortcut that spares small requests the walk: every value is a part
of the request's bytes, so a request no larger than its type's smallest limit has nothing over
any limit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from service.core.errors import FieldViolation

MAX_VIOLATIONS = 10
"""Violations reported per request: the details travel in a trailer, which clients cap."""


@dataclass(frozen=True)
class FieldLimit:
    """The most a caller may send in one field.

    `max_chars` bounds a string in characters (a bytes field in bytes), each entry of a repeated
    one included; `max_url_bytes`, for values that go into an upstream URL, bounds the value
    percent-encoded as UTF-8 (every byte outside `A-Z a-z 0-9 - . _ ~` as `%XX`), which is what
    the URL carries; `max_entries` bounds a repeated or map field's entries.
    """

    max_chars: int = 4096
    max_url_bytes: int | None = None
    max_entries: int = 1000


FieldLimits = Mapping[str, FieldLimit]

DEFAULT_LIMIT = FieldLimit()

GATEWAY_LIMITS: dict[str, FieldLimit] = {
    # Mesh's order ids are UUIDs (36 characters) in every example; institutions' own ids vary.
    "aggregator.v1.CancelOrderRequest.order_id": FieldLimit(max_chars=256),
    # Two symbols and a separator (`BTC/USDT`); Mesh caps a crypto symbol at 10 characters.
    "aggregator.v1.CancelOrderRequest.symbol_pair": FieldLimit(max_chars=64),
    # A one-time code: Mesh's examples have 6 digits.
    "aggregator.v1.CancelOrderRequest.mfa_code": FieldLimit(max_chars=64),
    # A caller-chosen id (a UUID is 36 characters); digested, never stored as it is.
    "aggregator.v1.CancelOrderRequest.idempotency_key": FieldLimit(max_chars=128),
    # The same order reference as a cancel's.
    "aggregator.v1.GetOrderRequest.order_id": FieldLimit(max_chars=256),
    "aggregator.v1.GetOrderRequest.symbol_pair": FieldLimit(max_chars=64),
    "aggregator.v1.GetOrderRequest.mfa_code": FieldLimit(max_chars=64),
    # A signed wrapper of the provider's cursor (Mesh's example cursor has 48 characters).
    "aggregator.v1.ListOrdersRequest.page_token": FieldLimit(max_chars=4096),
    # One entry per order status.
    "aggregator.v1.ListOrdersRequest.statuses": FieldLimit(max_entries=8),
    # Repeated in the query of MoneyKit's holdings URL; ids like `acc_...`, as short as link ids.
    "aggregator.v1.GetHoldingsRequest.account_ids": FieldLimit(
        max_chars=128, max_url_bytes=256, max_entries=100
    ),
    # Repeated in the query of MoneyKit's accounts URL, like the holdings' account ids.
    "aggregator.v1.GetBalancesRequest.account_ids": FieldLimit(
        max_chars=128, max_url_bytes=256, max_entries=100
    ),
    # ISO dates (`2024-03-14`) in MoneyKit's transactions URL query.
    "aggregator.v1.ListInvestmentTransactionsRequest.start_date": FieldLimit(
        max_chars=10, max_url_bytes=10
    ),
    "aggregator.v1.ListInvestmentTransactionsRequest.end_date": FieldLimit(
        max_chars=10, max_url_bytes=10
    ),
    # As for the holdings: repeated in MoneyKit's transactions URL query.
    "aggregator.v1.ListInvestmentTransactionsRequest.account_ids": FieldLimit(
        max_chars=128, max_url_bytes=256, max_entries=100
    ),
    # The gateway's own tokens are about 50 characters (a MAC and a page number).
    "aggregator.v1.ListInvestmentTransactionsRequest.page_token": FieldLimit(max_chars=256),
    # A ceiling on the configured limit (AGGREGATOR_PORTFOLIO_MAX_CONNECTIONS, 50 by default).
    "aggregator.v1.GetPortfolioRequest.connections": FieldLimit(max_entries=1000),
    "aggregator.v1.StreamPortfolioRequest.connections": FieldLimit(max_entries=1000),
}
"""The limits of provider-neutral fields; each provider package declares its own fields'."""


def violations(request: Message, limits: FieldLimits) -> list[FieldViolation]:
    """The request's values over their limits, at most `MAX_VIOLATIONS` of them."""
    found: list[FieldViolation] = []
    for violation in _walk(request, "", limits):
        found.append(violation)
        if len(found) == MAX_VIOLATIONS:
            break
    return found


def size_within_limits(descriptor: Descriptor, limits: FieldLimits) -> int:
    """The most bytes a serialized message of this type can take with no value over its limit.

    A value is a part of the message's bytes: a string has no more characters than UTF-8 bytes,
    percent-encoding makes at most three bytes of one, and every entry of a repeated or map
    field takes at least one byte. So the smallest limit reachable from the type bounds them
    all, whatever the message holds.
    """
    smallest = _UNBOUNDED
    seen: set[str] = set()
    pending = [descriptor]
    while pending:
        message = pending.pop()
        if message.full_name in seen:
            continue  # a recursive type (google.protobuf.Struct) is visited once
        seen.add(message.full_name)
        for field in message.fields:
            limit = limits.get(field.full_name, DEFAULT_LIMIT)
            if field.is_repeated:
                smallest = min(smallest, limit.max_entries)
            if field.message_type is not None:
                pending.append(field.message_type)
            elif field.type in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES):
                smallest = min(smallest, limit.max_chars)
                if limit.max_url_bytes is not None:
                    smallest = min(smallest, limit.max_url_bytes // _MOST_BYTES_PER_ENCODED_BYTE)
    return smallest


_UNBOUNDED = 2**63
_MOST_BYTES_PER_ENCODED_BYTE = 3
"""`%XX`"""


def url_encoded_length(value: str) -> int:
    """The length of `value` percent-encoded as UTF-8, with nothing left unescaped but the
    unreserved characters: the most room it can take in a URL path or query."""
    return len(quote(value, safe=""))


def _walk(message: Message, prefix: str, limits: FieldLimits) -> Iterator[FieldViolation]:
    # ListFields names only the fields that are set: unset oneof branches and empty values
    # cannot be over a limit.
    for field, value in message.ListFields():
        path = f"{prefix}{field.name}"
        limit = limits.get(field.full_name, DEFAULT_LIMIT)
        if not field.is_repeated:
            yield from _value(value, path, limit, limits)
            continue
        if len(value) > limit.max_entries:
            yield FieldViolation(
                path, f"must have at most {limit.max_entries} entries; it has {len(value)}"
            )
            continue
        entry_type = field.message_type
        if entry_type is not None and entry_type.GetOptions().map_entry:
            yield from _map(entry_type, value, path, limits)
            continue
        for index, item in enumerate(value):
            yield from _value(item, f"{path}[{index}]", limit, limits)


def _map(
    entry_type: Descriptor, entries: Mapping[object, object], path: str, limits: FieldLimits
) -> Iterator[FieldViolation]:
    key_limit = limits.get(entry_type.fields_by_name["key"].full_name, DEFAULT_LIMIT)
    value_limit = limits.get(entry_type.fields_by_name["value"].full_name, DEFAULT_LIMIT)
    for key, value in entries.items():
        key_violations = [
            FieldViolation(path, f"a key {violation.description}")
            for violation in _value(key, path, key_limit, limits)
        ]
        yield from key_violations
        if not key_violations:
            # Quoted as JSON, so that a key's control or bidirectional characters stay visible.
            yield from _value(value, f"{path}[{json.dumps(key)}]", value_limit, limits)


def _value(
    value: object, path: str, limit: FieldLimit, limits: FieldLimits
) -> Iterator[FieldViolation]:
    if isinstance(value, Message):
        yield from _walk(value, f"{path}.", limits)
    elif isinstance(value, str | bytes):
        unit = "characters" if isinstance(value, str) else "bytes"
        if len(value) > limit.max_chars:
            yield FieldViolation(
                path, f"must be at most {limit.max_chars} {unit} long; it has {len(value)}"
            )
        elif limit.max_url_bytes is not None and isinstance(value, str):
            encoded = url_encoded_length(value)
            if encoded > limit.max_url_bytes:
                yield FieldViolation(
                    path,
                    f"must be at most {limit.max_url_bytes} bytes once percent-encoded for the "
                    f"upstream URL; it has {encoded}",
                )
