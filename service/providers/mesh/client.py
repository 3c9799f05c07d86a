"""The HTTP side of Mesh: base URL and the client id and secret headers of every call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx
from pydantic import SecretStr

from service.core.errors import ProviderNotConfigured
from service.providers.mesh.models import RequestBody
from service.providers.upstream import UpstreamCall, UpstreamHttp, UpstreamResponse
from service.resilience.coalescer import coalescing_key
from service.resilience.guard import ProviderGuard

Result = TypeVar("Result")


@dataclass(frozen=True)
class MeshCredentials:
    client_id: str
    client_secret: SecretStr


class MeshClient:
    def __init__(
        self,
        http: UpstreamHttp,
        base_url: str,
        credentials: MeshCredentials | None,
        guard: ProviderGuard,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._credentials = credentials
        self._guard = guard

    async def post(
        self,
        call: UpstreamCall,
        path: str,
        body: RequestBody,
        parse: Callable[[UpstreamResponse], Result],
    ) -> Result:
        """POST `body` and parse the answer, under the provider's guard (retries, breaker).

        Identical reads in flight share one request; the key hashes the body, which holds the
        user's auth token, so only the same user's identical reads are shared.
        """
        credentials = self._credentials
        if credentials is None:
            raise ProviderNotConfigured("Mesh")

        async def attempt() -> Result:
            return parse(await self._http.send(self._request(path, body, credentials), call))

        key = coalescing_key("mesh", path, body.to_json_bytes())
        return await self._guard.run(call.operation, call.has_side_effects, attempt, key)

    def _request(self, path: str, body: RequestBody, credentials: MeshCredentials) -> httpx.Request:
        return httpx.Request(
            "POST",
            f"{self._base_url}{path}",
            content=body.to_json_bytes(),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-Client-Id": credentials.client_id,
                "X-Client-Secret": credentials.client_secret.get_secret_value(),
            },
        )
