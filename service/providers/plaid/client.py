"""The HTTP side of Plaid: the client id, secret and API version headers of every call."""

from __future__ import annotations

from service.providers.client import HttpProviderClient
from service.providers.operation import UpstreamRequest
from service.providers.plaid.settings import PlaidSettings
from service.providers.upstream import UpstreamCall, UpstreamResponse

API_VERSION = "2020-09-14"
"""The version every model of this package is written for."""


class PlaidClient(HttpProviderClient[PlaidSettings]):
    async def send(self, call: UpstreamCall, request: UpstreamRequest) -> UpstreamResponse:
        headers = {
            "Accept": "application/json",
            "PLAID-CLIENT-ID": self.settings.client_id,
            "PLAID-SECRET": self.settings.secret.get_secret_value(),
            "Plaid-Version": API_VERSION,
        }
        return await self.http.send(self.http_request(request, headers), call)
