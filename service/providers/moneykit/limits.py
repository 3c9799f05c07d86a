"""Limits on the MoneyKit link's fields (see `service.core.limits`).

The link id is one segment of the holdings URL path (`/links/{id}/investments/holdings`).
MoneyKit's documents and SDK type it as a plain string without a maximum; their ids are short
(`mk_eqkWN34UEoa2NxyALG8pcV`: 25 characters), so 128 characters, and 256 bytes once
percent-encoded, are generous and keep every URL the gateway builds far below what HTTP
clients and servers accept.
"""

from __future__ import annotations

from service.core.limits import FieldLimit

FIELD_LIMITS: dict[str, FieldLimit] = {
    "aggregator.v1.MoneyKitLink.link_id": FieldLimit(max_chars=128, max_url_bytes=256),
}
