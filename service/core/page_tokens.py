"""Opaque page tokens (AIP-158): the provider's cursor, bound to the request it pages through.

A token carries the provider's cursor and an HMAC over it and over the request's filters
(the request without its page token and page size, and with its connection), so a token used
with other filters, for another connection, or altered, is refused as INVALID_ARGUMENT before
any upstream call. The key is derived from `AGGREGATOR_STATE_SECRET`, so every replica reads
every replica's tokens; without the secret each process draws its own key, and a token only
works on the process that issued it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets

from google.protobuf.message import Message

from service.core.errors import FieldViolation, InvalidRequest

_MAC_BYTES = 16
_key = secrets.token_bytes(32)


def use_key(key: bytes) -> None:
    """Sign and check tokens with `key` from now on (the gateway derives it at start-up)."""
    global _key
    _key = key


def scope_of(request: Message, *paging_fields: str) -> bytes:
    """What a token is bound to: `request` without its paging fields, encoded deterministically."""
    scope = type(request)()
    scope.CopyFrom(request)
    for name in paging_fields:
        scope.ClearField(name)
    return scope.SerializeToString(deterministic=True)


def issue(cursor: str, scope: bytes) -> str:
    """The token of the page after this one; `cursor` is the provider's, kept opaque."""
    body = json.dumps({"c": cursor}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(_mac(body, scope) + body).decode().rstrip("=")


def read(token: str, scope: bytes, field: str = "page_token") -> str:
    """The provider cursor inside `token`; INVALID_ARGUMENT unless this request issued it."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    mac, body = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
    if len(mac) == _MAC_BYTES and hmac.compare_digest(mac, _mac(body, scope)):
        cursor = json.loads(body).get("c")
        if isinstance(cursor, str):
            return cursor
    raise InvalidRequest(
        [
            FieldViolation(
                field,
                "is not a page token of this request: use the `next_page_token` of the previous "
                "page, with the same filters",
            )
        ]
    )


def _mac(body: bytes, scope: bytes) -> bytes:
    return hmac.new(_key, hashlib.sha256(scope).digest() + body, hashlib.sha256).digest()[
        :_MAC_BYTES
    ]
