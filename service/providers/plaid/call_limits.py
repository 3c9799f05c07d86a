"""Plaid's documented rate limits, which the gateway keeps so that it refuses a request before
Plaid would.

Plaid's "Rate Limit Exceeded errors" page (plaid.com/docs/errors/rate-limit-exceeded) lists,
for Production, a limit per Item and a limit per client (the gateway's client id) for each
endpoint, over a minute; `docs/upstreams/upstreams.md` repeats the two investments rows. The
table below is the rows of the endpoints the gateway calls; `/investments/refresh` has none
there. Plaid's own sandbox allows more, so these hold there too.
"""

from __future__ import annotations

import json

from service.providers.call_limits import DocumentedLimit, per_value
from service.providers.operation import UpstreamRequest
from service.providers.plaid.settings import PlaidSettings

WINDOW_SECONDS = 60.0

PER_MINUTE: dict[str, tuple[int, int]] = {
    "/investments/holdings/get": (15, 2_000),
    "/investments/transactions/get": (30, 20_000),
    "/item/get": (15, 5_000),
    "/accounts/get": (15, 15_000),
    "/accounts/balance/get": (5, 1_200),
}
"""Plaid's Production limits by endpoint: (requests per Item, requests per client) a minute."""


def documented_limits(settings: PlaidSettings) -> tuple[DocumentedLimit, ...]:
    """Plaid's limits, as far as `PLAID_ITEM_RATE_LIMITS` and `PLAID_CLIENT_RATE_LIMITS` keep
    them in the gateway."""
    limits: list[DocumentedLimit] = []
    for path, (per_item, per_client) in PER_MINUTE.items():
        paths = frozenset({path})
        if settings.item_rate_limits:
            limits.append(DocumentedLimit("Item", per_item, WINDOW_SECONDS, access_token, paths))
        if settings.client_rate_limits:
            limits.append(
                DocumentedLimit(
                    "client", per_client, WINDOW_SECONDS, per_value(settings.client_id), paths
                )
            )
    return tuple(limits)


def access_token(request: UpstreamRequest) -> str | None:
    """The Item a request is for: every Plaid body carries its access token."""
    body = json.loads(request.json_body or b"{}")
    token = body.get("access_token") if isinstance(body, dict) else None
    return token if isinstance(token, str) and token else None
