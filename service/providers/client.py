"""What every provider's HTTP client shares: the base URL, the guard, coalescing of identical
reads, the provider's documented rate limits, and the one place an `UpstreamRequest` becomes an
HTTP request."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from service.core.errors import FieldViolation, InvalidRequest, ProviderNotConfigured
from service.providers.call_limits import CallLimits
from service.providers.operation import UpstreamRequest
from service.providers.settings import ProviderSettings
from service.providers.upstream import HttpRequest, UpstreamCall, UpstreamHttp, UpstreamResponse
from service.resilience.guard import ProviderGuard

MAX_URL_LENGTH = 65536
"""What httpx, and most servers, accept."""

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
        base = urlsplit(settings.base_url.rstrip("/"))
        self._origin = f"{base.scheme}://{base.netloc}"
        self._base_path = base.path
        self._guard = guard
        self._configured = settings.configured
        """Asked of every call; settings do not change once the gateway runs."""
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

        Identical reads in flight share one exchange. The key is the whole request, which names
        the user (a token in the body, a link in the path), so only the same user's identical
        reads are shared; it stays in this process, as the request itself does.
        """
        if not self._configured:
            raise ProviderNotConfigured(self.label)

        async def attempt() -> Answer:
            await self.call_limits.admit(call, request)
            return read(await self.send(call, request))

        key = None if call.has_side_effects else (call.provider, request)
        return await self._guard.run(call.operation, call.has_side_effects, attempt, key)

    @abstractmethod
    async def send(self, call: UpstreamCall, request: UpstreamRequest) -> UpstreamResponse:
        """One attempt: the request with the provider's headers, through `self.http`."""

    def http_request(self, request: UpstreamRequest, headers: Mapping[str, str]) -> HttpRequest:
        """The HTTP request of `request`, built once: no URL is parsed again on the way out.

        Input that no HTTP request can carry (a URL over the limit, a header value that is not
        printable ASCII) is the caller's, refused before sending."""
        target = self._base_path + request.path
        if request.query:
            target += "?" + urlencode(request.query, quote_via=quote)
        all_headers = {**headers, **dict(request.headers)}
        if request.json_body is not None:
            all_headers["Content-Type"] = "application/json"
        if len(target) > MAX_URL_LENGTH or not target.isascii():
            raise InvalidRequest(
                [FieldViolation("request", "does not fit in an upstream request URL")]
            )
        for value in all_headers.values():
            if not (value.isascii() and value.isprintable()):
                raise InvalidRequest(
                    [FieldViolation("request", "does not fit in an upstream request header")]
                )
        return HttpRequest(request.method, self._origin, target, all_headers, request.json_body)
