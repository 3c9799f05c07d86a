"""The HTTP side of Mesh: the client id and secret headers of every call."""

from __future__ import annotations

from service.providers.client import HttpProviderClient
from service.providers.mesh.settings import MeshSettings
from service.providers.operation import UpstreamRequest
from service.providers.upstream import UpstreamCall, UpstreamResponse


class MeshClient(HttpProviderClient[MeshSettings]):
    async def send(self, call: UpstreamCall, request: UpstreamRequest) -> UpstreamResponse:
        headers = {
            "Accept": "application/json",
            "X-Client-Id": self.settings.client_id,
            "X-Client-Secret": self.settings.client_secret.get_secret_value(),
        }
        return await self.http.send(self.http_request(request, headers), call)
