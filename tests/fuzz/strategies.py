"""Hypothesis strategies for hostile input: any request message of any RPC, built from its
descriptor (every field, every oneof branch), with hostile strings and undefined enum numbers;
and raw request bytes (random, truncated, with unknown fields, with huge length prefixes)."""

from __future__ import annotations

import importlib

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import strategies as st

from service.core.limits import DEFAULT_LIMIT, url_encoded_length
from service.providers.registry import field_limits
from service.sandbox import SandboxUpstreams

LIMITS = field_limits()
MIB = 1024 * 1024

TRIGGERS = frozenset(
    value
    for simulator in SandboxUpstreams().simulators
    for name, value in vars(
        importlib.import_module(f"service.sandbox.{simulator}.triggers")
    ).items()
    if name.isupper() and isinstance(value, str)
)
"""Values that make a simulator fail or hold on purpose; hostile input is anything else."""

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "token\r\nX-Injected: 1",
    "\n2026-01-01 ERROR forged log line",
    "\x1b[31mred\x1b[0m",
    "\x1b]0;title\x07",
    "\u202egnp.exe",
    "\u2066isolate\u2069",
    "\ufeffbom",
    "..",
    "../..",
    "../../admin",
    ".",
    "%2e%2e%2f",
    "%2e%2e/%2e%2e/",
    "%2F",
    "%00",
    "%",
    "?",
    "#",
    "a?b=c#d",
    "/",
    "\\",
    "&account_ids=x",
    "{}",
    '"',
    "'; DROP TABLE links; --",
    "${jndi:ldap://x}",
    "😀",
    "\U0010ffff",
]
REALISTIC = [
    "mk_eqkWN34UEoa2NxyALG8pcV",
    "acc_3kd8f2",
    "user-token",
    "alice-robinhood",
    "17EC1243-D91A-48B6-B0CE-ECFDB134F8A0",
    "BTC/USDT",
    "123456",
]
UNITS = ["x", "é", "%", "😀", "\x00", "/"]


def _lengths_near(field: FieldDescriptor) -> list[int]:
    """String lengths either side of the field's limits, and one far beyond."""
    limit = LIMITS.get(field.full_name, DEFAULT_LIMIT)
    lengths = [limit.max_chars, limit.max_chars + 1, MIB]
    if limit.max_url_bytes is not None:
        lengths += [limit.max_url_bytes // 6, limit.max_url_bytes // 6 + 1]
    return lengths


def texts(field: FieldDescriptor, small: bool) -> st.SearchStrategy[str]:
    """Hostile, random and realistic text; unless `small`, also lengths around the limits."""
    pieces = st.sampled_from(HOSTILE) | st.text(max_size=6)
    strategy = (
        st.sampled_from(HOSTILE)
        | st.sampled_from(REALISTIC)
        | st.text(max_size=40)
        | st.lists(pieces | st.sampled_from(REALISTIC), min_size=2, max_size=5).map("".join)
    )
    if not small:
        strategy |= st.builds(
            lambda unit, length: unit * length,
            st.sampled_from(UNITS),
            st.sampled_from(_lengths_near(field)),
        )
    return strategy.filter(lambda text: text not in TRIGGERS)


def _enum_numbers(field: FieldDescriptor) -> st.SearchStrategy[int]:
    defined = [value.number for value in field.enum_type.values]
    # Open enums keep numbers they do not define; the gateway must refuse them itself.
    return st.sampled_from(defined) | st.integers(-(2**31), 2**31 - 1)


def _scalar(field: FieldDescriptor, small: bool) -> st.SearchStrategy[object]:
    if field.type == field.TYPE_STRING:
        return texts(field, small)
    if field.type == field.TYPE_BYTES:
        return st.binary(max_size=64)
    if field.type == field.TYPE_ENUM:
        return _enum_numbers(field)
    if field.type == field.TYPE_BOOL:
        return st.booleans()
    if field.type in (field.TYPE_INT32, field.TYPE_SINT32, field.TYPE_SFIXED32):
        return st.integers(-(2**31), 2**31 - 1)
    if field.type in (field.TYPE_INT64, field.TYPE_SINT64, field.TYPE_SFIXED64):
        return st.integers(-(2**63), 2**63 - 1)
    if field.type in (field.TYPE_UINT32, field.TYPE_FIXED32):
        return st.integers(0, 2**32 - 1)
    if field.type in (field.TYPE_UINT64, field.TYPE_FIXED64):
        return st.integers(0, 2**64 - 1)
    return st.floats(allow_nan=True)


def _single(field: FieldDescriptor, depth: int, small: bool) -> st.SearchStrategy[object]:
    if field.message_type is None:
        return _scalar(field, small)
    return messages(field.message_type, depth + 1, small)


def _field(field: FieldDescriptor, depth: int, small: bool) -> st.SearchStrategy[object]:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        raise NotImplementedError(f"{field.full_name}: requests have no maps yet; add them here")
    if not field.is_repeated:
        return _single(field, depth, small)
    limit = LIMITS.get(field.full_name, DEFAULT_LIMIT)
    few = st.lists(_single(field, depth, small), max_size=4)
    if small:
        return few
    # Sometimes one entry more than the limit allows, each entry small: a list of a thousand
    # megabyte strings would only test the transport's size limit.
    return few | st.builds(
        lambda item: [item] * (limit.max_entries + 1), _single(field, depth, small=True)
    )


def messages(
    descriptor: Descriptor, depth: int = 0, small: bool = False
) -> st.SearchStrategy[Message]:
    """Any message of `descriptor`'s type: each field set or not, with any value. Setting
    several branches of a oneof leaves the last one set, so every branch gets its turn."""
    message_class = GetMessageClass(descriptor)
    if depth > 4:
        return st.just(message_class())
    optional = {field.name: _field(field, depth, small) for field in descriptor.fields}
    return st.fixed_dictionaries({}, optional=optional).map(lambda values: message_class(**values))


def _fits(text: str, field: FieldDescriptor) -> bool:
    limit = LIMITS.get(field.full_name, DEFAULT_LIMIT)
    if len(text) > limit.max_chars:
        return False
    return limit.max_url_bytes is None or url_encoded_length(text) <= limit.max_url_bytes


def _plausible_single(field: FieldDescriptor) -> st.SearchStrategy[object]:
    if field.message_type is not None:
        return plausible(field.message_type)
    if field.type == field.TYPE_STRING:
        return texts(field, small=True).filter(
            lambda text: bool(text.strip()) and _fits(text, field)
        )
    if field.type == field.TYPE_ENUM:
        return st.sampled_from([v.number for v in field.enum_type.values if v.number != 0])
    return _scalar(field, small=True)


def _plausible_field(field: FieldDescriptor) -> st.SearchStrategy[object]:
    if field.is_repeated:
        return st.lists(_plausible_single(field), min_size=1, max_size=3)
    return _plausible_single(field)


def plausible(descriptor: Descriptor) -> st.SearchStrategy[Message]:
    """Messages likely to pass the gateway's validation, so that they reach an upstream: every
    field set, one branch of each oneof, defined enum values, strings not blank and within
    their limits. The strings are hostile all the same."""
    message_class = GetMessageClass(descriptor)
    oneofs = [oneof for oneof in descriptor.oneofs if not oneof.name.startswith("_")]
    in_oneofs = {field.name for oneof in oneofs for field in oneof.fields}
    plain = st.fixed_dictionaries(
        {f.name: _plausible_field(f) for f in descriptor.fields if f.name not in in_oneofs}
    )
    branches = [
        st.sampled_from(list(oneof.fields)).flatmap(
            lambda field: _plausible_field(field).map(lambda value, name=field.name: {name: value})
        )
        for oneof in oneofs
    ]
    return st.tuples(plain, *branches).map(
        lambda parts: message_class(**{k: v for part in parts for k, v in part.items()})
    )


def requests(descriptor: Descriptor) -> st.SearchStrategy[Message]:
    """Any request of `descriptor`'s type, plausible ones often enough to reach the upstreams."""
    return messages(descriptor) | plausible(descriptor)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _tag(number: int, wire_type: int) -> bytes:
    return _varint(number << 3 | wire_type)


_UNKNOWN_NUMBERS = st.integers(16, 2**29 - 1)
_UNKNOWN_FIELDS = st.one_of(
    st.builds(lambda n, v: _tag(n, 0) + _varint(v), _UNKNOWN_NUMBERS, st.integers(0, 2**64 - 1)),
    st.builds(
        lambda n, b: _tag(n, 2) + _varint(len(b)) + b, _UNKNOWN_NUMBERS, st.binary(max_size=32)
    ),
    st.builds(lambda n, b: _tag(n, 1) + b, _UNKNOWN_NUMBERS, st.binary(min_size=8, max_size=8)),
    st.builds(lambda n, b: _tag(n, 5) + b, _UNKNOWN_NUMBERS, st.binary(min_size=4, max_size=4)),
)
"""Well-formed fields of numbers no request defines: they decode, and must be ignored."""


def _huge_length_prefix() -> st.SearchStrategy[bytes]:
    return st.builds(
        lambda number, length, rest: _tag(number, 2) + _varint(length) + rest,
        st.integers(1, 20),
        st.sampled_from([2**28, 2**31 - 1, 2**31, 2**32, 2**63, 2**64 - 1]),
        st.binary(max_size=16),
    )


def _deep_groups() -> st.SearchStrategy[bytes]:
    return st.builds(lambda depth: _tag(99, 3) * depth + _tag(99, 4) * depth, st.integers(1, 300))


def _replaced(data: bytes, index: int, byte: int) -> bytes:
    return data[:index] + bytes([byte]) + data[index + 1 :]


def raw_requests(descriptor: Descriptor) -> st.SearchStrategy[bytes]:
    """Bytes sent as a request of `descriptor`'s type: mostly not a valid encoding of it."""
    encoded = (messages(descriptor, small=True) | plausible(descriptor)).map(
        lambda message: message.SerializeToString()
    )
    truncated = encoded.filter(bool).flatmap(
        lambda data: st.integers(0, len(data) - 1).map(lambda cut: data[:cut])
    )
    with_unknown = st.builds(lambda data, extra: data + extra, encoded, _UNKNOWN_FIELDS)
    invalid_wire_type = st.builds(
        lambda data, number: data + _tag(number, 6), encoded, st.integers(1, 20)
    )
    flipped = st.builds(
        lambda data, index, byte: _replaced(data, index % len(data), byte),
        encoded.filter(bool),
        st.integers(0, 10**6),
        st.integers(0, 255),
    )
    strings = [f for f in descriptor.fields if f.type == f.TYPE_STRING]
    not_utf8 = st.builds(
        lambda data, field, invalid: data + _tag(field.number, 2) + _varint(len(invalid)) + invalid,
        encoded,
        st.sampled_from(strings) if strings else st.nothing(),
        st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"ok\x80"]),
    )
    return st.one_of(
        *([not_utf8] if strings else []),
        encoded,
        st.binary(max_size=64),
        truncated,
        with_unknown,
        invalid_wire_type,
        flipped,
        _huge_length_prefix(),
        _deep_groups(),
        st.sampled_from(
            [b"\xff", b"\x80", b"\x0a", b"\x0a\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80"]
        ),
    )
