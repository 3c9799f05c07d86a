"""The HTTP side of SnapTrade: `clientId` and `timestamp` in every query, the `Signature`
header over the request as sent."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from service.providers.client import HttpProviderClient
from service.providers.operation import UpstreamRequest
from service.providers.snaptrade.settings import SnapTradeSettings
from service.providers.snaptrade.signing import signature
from service.providers.upstream import UpstreamCall, UpstreamHttp, UpstreamResponse
from service.resilience.guard import ProviderGuard


class SnapTradeClient(HttpProviderClient[SnapTradeSettings]):
    def __init__(
        self,
        settings: SnapTradeSettings,
        http: UpstreamHttp,
        guard: ProviderGuard,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__("SnapTrade", settings, http, guard)
        self._wall_clock = wall_clock

    async def send(self, call: UpstreamCall, request: UpstreamRequest) -> UpstreamResponse:
        """One signed attempt; each has its own timestamp, so a retry is signed afresh."""
        query = (
            *request.query,
            ("clientId", self.settings.client_id),
            ("timestamp", str(int(self._wall_clock()))),
        )
        http_request = self.http_request(
            dataclasses.replace(request, query=query), {"Accept": "application/json"}
        )
        # Signed as it will travel: the encoded path and the query string exactly as sent.
        path, _, raw_query = http_request.target.partition("?")
        http_request.headers["Signature"] = signature(
            self.settings.consumer_key.get_secret_value(), request.json_body, path, raw_query
        )
        return await self.http.send(http_request, call)
