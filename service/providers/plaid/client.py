"""The HTTP side of Plaid: the client id, secret and API version headers of every call, and
Plaid's per-Item rate limits, kept by the gateway so that it refuses a call before Plaid would."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TypeVar

from service.core.envelope import Envelope, EnvelopeStatus
from service.core.errors import UpstreamRateLimited
from service.providers.call_limits import CallLimit
from service.providers.client import HttpProviderClient
from service.providers.operation import UpstreamRequest
from service.providers.plaid.settings import PlaidSettings
from service.providers.upstream import UpstreamCall, UpstreamHttp, UpstreamResponse, upstream_error
from service.resilience.guard import ProviderGuard

Answer = TypeVar("Answer")

API_VERSION = "2020-09-14"
"""The version every model of this package is written for."""

PER_ITEM_CALLS_PER_MINUTE: Mapping[str, int] = {
    "/investments/holdings/get": 15,
    "/investments/transactions/get": 30,
    "/item/get": 15,
    "/accounts/get": 15,
    "/accounts/balance/get": 5,
}
"""Plaid's documented production limits per Item, by endpoint."""


class PlaidClient(HttpProviderClient[PlaidSettings]):
    def __init__(
        self,
        label: str,
        settings: PlaidSettings,
        http: UpstreamHttp,
        guard: ProviderGuard,
        limits: Mapping[str, CallLimit] | None = None,
    ) -> None:
        super().__init__(label, settings, http, guard)
        if limits is None:
            limits = {
                path: CallLimit(calls, 60.0) for path, calls in PER_ITEM_CALLS_PER_MINUTE.items()
            }
        self._limits = dict(limits) if settings.item_rate_limits else {}

    async def exchange(
        self,
        call: UpstreamCall,
        request: UpstreamRequest,
        read: Callable[[UpstreamResponse], Answer],
    ) -> Answer:
        """Refuse the call when the Item has used up Plaid's limit for the endpoint; otherwise
        exchange it as every provider does. Every call counts, a shared one included."""
        limit = self._limits.get(request.path)
        if limit is not None:
            wait = limit.try_take(_access_token(request))
            if wait is not None:
                raise upstream_error(
                    UpstreamRateLimited,
                    f"Plaid allows {limit.max_calls} calls to {request.path} per minute per "
                    "Item; the gateway held this one back before Plaid would refuse it.",
                    call,
                    envelope=Envelope(status=EnvelopeStatus.TOO_MANY_REQUEST),
                    retry_after_seconds=wait,
                )
        return await super().exchange(call, request, read)

    async def send(self, call: UpstreamCall, request: UpstreamRequest) -> UpstreamResponse:
        headers = {
            "Accept": "application/json",
            "PLAID-CLIENT-ID": self.settings.client_id,
            "PLAID-SECRET": self.settings.secret.get_secret_value(),
            "Plaid-Version": API_VERSION,
        }
        return await self.http.send(self.http_request(request, headers), call)


def _access_token(request: UpstreamRequest) -> str:
    """The Item a request is for: every Plaid body carries its access token."""
    body = json.loads(request.json_body or b"{}")
    token = body.get("access_token") if isinstance(body, dict) else None
    return token if isinstance(token, str) else ""
