"""Limits on the SnapTrade account's fields (see `service.core.limits`).

The user id and secret go in every URL's query and the account id in its path. SnapTrade's
document types them as plain strings (the account id a UUID, 36 characters) without a maximum;
its user secrets are UUIDs too, and user ids are chosen by the gateway's operators. 256
characters, and 512 bytes once percent-encoded, leave room for any id scheme while keeping
every URL far below what HTTP clients and servers accept.
"""

from __future__ import annotations

from service.core.limits import FieldLimit

FIELD_LIMITS: dict[str, FieldLimit] = {
    "aggregator.v1.SnapTradeAccount.user_id": FieldLimit(max_chars=256, max_url_bytes=512),
    "aggregator.v1.SnapTradeAccount.user_secret": FieldLimit(max_chars=256, max_url_bytes=512),
    "aggregator.v1.SnapTradeAccount.account_id": FieldLimit(max_chars=64),
}
