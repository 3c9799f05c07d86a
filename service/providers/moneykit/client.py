"""The HTTP side of MoneyKit: the API version header and bearer token of every call."""

from __future__ import annotations

from service.providers.client import HttpProviderClient
from service.providers.moneykit.auth import MoneyKitCredentials, TokenSource
from service.providers.moneykit.responses import EXPIRED_ACCESS_TOKEN, error_code
from service.providers.moneykit.settings import MoneyKitSettings
from service.providers.operation import UpstreamRequest
from service.providers.upstream import UpstreamCall, UpstreamHttp, UpstreamResponse
from service.resilience.guard import ProviderGuard


class MoneyKitClient(HttpProviderClient[MoneyKitSettings]):
    def __init__(
        self,
        settings: MoneyKitSettings,
        http: UpstreamHttp,
        guard: ProviderGuard,
        tokens: TokenSource | None = None,
    ) -> None:
        super().__init__("MoneyKit", settings, http, guard)
        self._tokens = tokens or TokenSource(
            http,
            settings.base_url,
            MoneyKitCredentials(settings.client_id, settings.client_secret),
            settings.token_failure_backoff_seconds,
        )

    async def send(self, call: UpstreamCall, request: UpstreamRequest) -> UpstreamResponse:
        """One request with a bearer token, renewing it once if MoneyKit says it expired.

        Safe for the refresh POST too: MoneyKit refuses an expired token before acting on the
        request, so the resent request is the first that can have an effect.
        """
        token = await self._tokens.token()
        response = await self._send_with(call, request, token)
        if response.status_code == 401 and error_code(response) == EXPIRED_ACCESS_TOKEN:
            self._tokens.drop(token)
            token = await self._tokens.token()
            response = await self._send_with(call, request, token)
        return response

    async def _send_with(
        self, call: UpstreamCall, request: UpstreamRequest, token: str
    ) -> UpstreamResponse:
        headers = {
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
            "moneykit-version": self.settings.version,
        }
        return await self.http.send(self.http_request(request, headers), call)
