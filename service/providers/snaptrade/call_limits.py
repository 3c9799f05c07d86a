"""SnapTrade's documented rate limits, which the gateway keeps so that it refuses a request
before SnapTrade would.

SnapTrade's rate-limiting guide (docs.snaptrade.com/docs/ratelimiting) has two layers, both
over the trailing 60 seconds: 250 requests a minute per client id across every endpoint and
account (`docs/upstreams/upstreams.md` says the same), and a limit per account on account data
endpoints, whose figure depends on the plan (10 a minute for Personal keys, by the team's notes;
the documents kept here do not give it), so it is off unless
`SNAPTRADE_ACCOUNT_REQUESTS_PER_MINUTE` sets it. It counts every `/accounts/{accountId}/...`
request: the guide does not list which endpoints it covers, and counting too many only refuses
early.
"""

from __future__ import annotations

from service.providers.call_limits import DocumentedLimit, per_value
from service.providers.operation import UpstreamRequest
from service.providers.snaptrade.settings import SnapTradeSettings

WINDOW_SECONDS = 60.0


def documented_limits(settings: SnapTradeSettings) -> tuple[DocumentedLimit, ...]:
    limits = [
        DocumentedLimit(
            "client id", settings.requests_per_minute, WINDOW_SECONDS, per_value(settings.client_id)
        )
    ]
    if settings.account_requests_per_minute:
        limits.append(
            DocumentedLimit(
                "account", settings.account_requests_per_minute, WINDOW_SECONDS, account_of
            )
        )
    return tuple(limits)


def account_of(request: UpstreamRequest) -> str | None:
    """The account an `/accounts/{accountId}/...` request reads (its encoded path segment)."""
    segments = request.path.split("/")
    if len(segments) > 3 and segments[1] == "accounts" and segments[2]:
        return segments[2]
    return None
