"""The HTTP side of Mesh: base URL and the client id and secret headers of every call."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from service.errors import ProviderNotConfigured
from service.providers.mesh.models import RequestBody
from service.providers.upstream import UpstreamCall, UpstreamHttp, UpstreamResponse


@dataclass(frozen=True)
class MeshCredentials:
    client_id: str
    client_secret: SecretStr


class MeshClient:
    def __init__(self, http: UpstreamHttp, base_url: str, credentials: MeshCredentials | None):
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._credentials = credentials

    async def post(self, path: str, body: RequestBody, call: UpstreamCall) -> UpstreamResponse:
        if self._credentials is None:
            raise ProviderNotConfigured("Mesh")
        request = httpx.Request(
            "POST",
            f"{self._base_url}{path}",
            content=body.to_json_bytes(),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-Client-Id": self._credentials.client_id,
                "X-Client-Secret": self._credentials.client_secret.get_secret_value(),
            },
        )
        return await self._http.send(request, call)
