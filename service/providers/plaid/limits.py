"""Limits on the Plaid Item's fields (see `service.core.limits`).

Plaid's access tokens are `access-<environment>-<UUID>` (about 50 characters) and travel in a
JSON body, never in a URL; 256 characters leave room for a longer format and refuse the absurd.
"""

from __future__ import annotations

from service.core.limits import FieldLimit

FIELD_LIMITS: dict[str, FieldLimit] = {
    "aggregator.v1.PlaidItem.access_token": FieldLimit(max_chars=256),
}
