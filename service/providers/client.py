"""What every provider's HTTP client shares: the base URL, the guard, coalescing of identical
reads, the provider's documented rate limits, and the one place an `UpstreamRequest` becomes an
HTTP request."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar
from urllib.parse import urlencode

import httpx

from service.core.errors import FieldViolation, InvalidRequest, ProviderNotConfigured
from service.providers.call_limits import CallLimits
from service.providers.operation import UpstreamRequest
from service.providers.settings import ProviderSettings
from service.providers.upstream import UpstreamCall, UpstreamHttp, UpstreamResponse
from service.resilience.coalescer import coalescing_key
from service.resilience.guard import ProviderGuard

Answer = TypeVar("Answer")
SettingsType = TypeVar("SettingsType", bound=ProviderSettings)


class HttpProviderClient(ABC, Generic[SettingsType]):
    """A provider's client; a subclass says how one request is sent (`send`), with which
    headers and credentials."""

    def __init__(
        self,
        label: str,
        settings: SettingsType,
        http: UpstreamHttp,
        guard: ProviderGuard,
    ) -> None:
        self.label = label
        self.settings = settings
        self.http = http
        self._base_url = settings.base_url.rstrip("/")
        self._guard = guard
        self.call_limits = CallLimits.per_process(label)
        """The provider's documented limits; the registry replaces them with the declared
        ones, counted in the gateway's shared state."""

    async def exchange(
        self,
        call: UpstreamCall,
        request: UpstreamRequest,
        read: Callable[[UpstreamResponse], Answer],
    ) -> Answer:
        """Send `request` and read its answer, under the provider's guard.

        Identical reads in flight share one exchange. The key hashes the whole request, which
        names the user (a token in the body, a link in the path), so only the same user's
        identical reads are shared.
        """
        if not self.settings.configured:
            raise ProviderNotConfigured(self.label)

        async def attempt() -> Answer:
            await self.call_limits.admit(call, request)
            return read(await self.send(call, request))

        key = None
        if not call.has_side_effects:
            key = coalescing_key(
                call.provider,
                request.method,
                request.path,
                urlencode(request.query),
                request.json_body or b"",
                urlencode(request.headers),
            )
        return await self._guard.run(call.operation, call.has_side_effects, attempt, key)

    @abstractmethod
    async def send(self, call: UpstreamCall, request: UpstreamRequest) -> UpstreamResponse:
        """One attempt: the request with the provider's headers, through `self.http`."""

    def http_request(self, request: UpstreamRequest, headers: Mapping[str, str]) -> httpx.Request:
        """The HTTP request of `request`; input that no HTTP request can carry (a URL over the
        client's limit, an unencodable value) is the caller's, refused before sending."""
        all_headers = {**dict(headers), **dict(request.headers)}
        if request.json_body is not None:
            all_headers["Content-Type"] = "application/json"
        try:
            return httpx.Request(
                request.method,
                f"{self._base_url}{request.path}",
                params=list(request.query),
                content=request.json_body,
                headers=all_headers,
            )
        except (httpx.InvalidURL, UnicodeError) as exc:
            raise InvalidRequest(
                [FieldViolation("request", "does not fit in an upstream request URL")]
            ) from exc
