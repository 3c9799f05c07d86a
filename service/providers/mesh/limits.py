"""Limits on the Mesh connection's fields (see `service.core.limits`).

Mesh documents the auth token as an opaque string of at least one character and gives no
maximum; it travels in a JSON body, never in a URL. The limit leaves room for any token format
in use (JWTs and encrypted blobs run to a few kilobytes) and refuses the absurd.
"""

from __future__ import annotations

from service.core.limits import FieldLimit

FIELD_LIMITS: dict[str, FieldLimit] = {
    "aggregator.v1.MeshConnection.auth_token": FieldLimit(max_chars=8192),
}
