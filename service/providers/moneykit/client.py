"""The HTTP side of MoneyKit: base URL, API version header and bearer token of every call."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import httpx

from service.core.errors import ProviderNotConfigured
from service.providers.moneykit.auth import TokenSource
from service.providers.moneykit.responses import EXPIRED_ACCESS_TOKEN, error_code
from service.providers.upstream import UpstreamCall, UpstreamHttp, UpstreamResponse
from service.resilience.coalescer import coalescing_key
from service.resilience.guard import ProviderGuard

Result = TypeVar("Result")


class MoneyKitClient:
    def __init__(
        self,
        http: UpstreamHttp,
        base_url: str,
        version: str,
        tokens: TokenSource | None,
        guard: ProviderGuard,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._version = version
        self._tokens = tokens
        self._guard = guard

    async def get(
        self,
        call: UpstreamCall,
        path: str,
        params: Mapping[str, Sequence[str]],
        parse: Callable[[UpstreamResponse], Result],
    ) -> Result:
        """GET and parse the answer, under the provider's guard (retries, breaker).

        Identical reads in flight share one request: the link id in the path names the user.
        """
        tokens = self._tokens
        if tokens is None:
            raise ProviderNotConfigured("MoneyKit")

        async def attempt() -> Result:
            return parse(await self._get_with_token(tokens, call, path, params))

        query = "&".join(f"{name}={value}" for name in sorted(params) for value in params[name])
        key = coalescing_key("moneykit", path, query)
        return await self._guard.run(call.operation, call.has_side_effects, attempt, key)

    async def _get_with_token(
        self,
        tokens: TokenSource,
        call: UpstreamCall,
        path: str,
        params: Mapping[str, Sequence[str]],
    ) -> UpstreamResponse:
        """GET with a bearer token, renewing it once if MoneyKit says it expired.

        Only for reads: a retry after an expired token is safe because GETs have no effects.
        """
        token = await tokens.token()
        response = await self._http.send(self._request(path, params, token), call)
        if response.status_code == 401 and error_code(response) == EXPIRED_ACCESS_TOKEN:
            tokens.drop(token)
            token = await tokens.token()
            response = await self._http.send(self._request(path, params, token), call)
        return response

    def _request(self, path: str, params: Mapping[str, Sequence[str]], token: str) -> httpx.Request:
        return httpx.Request(
            "GET",
            f"{self._base_url}{path}",
            params=params,
            headers={
                "Accept": "application/json",
                "Authorization": f"Bearer {token}",
                "moneykit-version": self._version,
            },
        )
