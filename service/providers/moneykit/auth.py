"""MoneyKit's OAuth 2.0 client-credentials token: fetched once, shared, renewed near expiry.

Concurrent callers that find no valid token wait for one refresh instead of each fetching
their own; a token MoneyKit reports as expired is dropped so the next call refreshes. After
the token endpoint fails, calls get the same error without asking it again for a back-off
period, so a broken token endpoint is not hammered.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from pydantic import SecretStr

from service.core.errors import GatewayCredentialsRejected, UpstreamError
from service.observability import metrics
from service.observability.redaction import register_secret
from service.providers.moneykit.models import AccessToken
from service.providers.moneykit.responses import read_body
from service.providers.upstream import (
    HttpRequest,
    UpstreamCall,
    UpstreamHttp,
    restated,
    upstream_error,
)

logger = logging.getLogger(__name__)

CALL = UpstreamCall(provider="moneykit", operation="auth_token")
PATH = "/auth/token"
REFRESH_MARGIN = 0.1
"""Renew when this share of the token's lifetime is left, so no call carries a dying token."""
MIN_REFRESH_MARGIN_SECONDS = 5.0


@dataclass(frozen=True)
class MoneyKitCredentials:
    client_id: str
    client_secret: SecretStr


@dataclass(frozen=True)
class _Token:
    value: str
    renew_at: float


class TokenSource:
    def __init__(
        self,
        http: UpstreamHttp,
        base_url: str,
        credentials: MoneyKitCredentials,
        failure_backoff_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._url = f"{base_url.rstrip('/')}{PATH}"
        self._credentials = credentials
        self._clock = clock
        self._token: _Token | None = None
        self._lock = asyncio.Lock()
        self._failure_backoff = failure_backoff_seconds
        self._failure: tuple[UpstreamError, float] | None = None

    async def token(self) -> str:
        current = self._token
        if current is not None and self._clock() < current.renew_at:
            return current.value
        async with self._lock:
            current = self._token
            if current is None or self._clock() >= current.renew_at:
                current = await self._fetch_or_recall_failure()
                self._token = current
            return current.value

    def drop(self, token: str) -> None:
        """Forget `token` after MoneyKit said it expired, unless it was already replaced."""
        if self._token is not None and self._token.value == token:
            self._token = None

    async def _fetch_or_recall_failure(self) -> _Token:
        if self._failure is not None:
            error, until = self._failure
            if self._clock() < until:
                raise error
        try:
            token = await self._fetch()
        except UpstreamError as error:
            metrics.TOKEN_REFRESHES.labels("moneykit", "error").inc()
            failure = restated(error, f"Could not get a MoneyKit access token: {error.message}")
            self._failure = (failure, self._clock() + self._failure_backoff)
            logger.warning(
                "MoneyKit token endpoint failed (%s); not asking again for %.1f s",
                failure.reason,
                self._failure_backoff,
            )
            raise failure from error
        self._failure = None
        metrics.TOKEN_REFRESHES.labels("moneykit", "ok").inc()
        return token

    async def _fetch(self) -> _Token:
        started = self._clock()
        form = {
            "grant_type": "client_credentials",
            "client_id": self._credentials.client_id,
            "client_secret": self._credentials.client_secret.get_secret_value(),
        }
        request = HttpRequest.to(
            "POST",
            self._url,
            {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
            urlencode(form).encode(),
        )
        response = await self._http.send(request, CALL)
        if response.status_code in (400, 401):
            raise upstream_error(
                GatewayCredentialsRejected,
                "MoneyKit refused to issue an access token for the gateway's client id and "
                "secret; the gateway's operators must fix its MoneyKit credentials.",
                CALL,
                http_status=response.status_code,
            )
        answer = read_body(response, AccessToken, CALL)
        register_secret(answer.access_token)
        margin = max(MIN_REFRESH_MARGIN_SECONDS, answer.expires_in * REFRESH_MARGIN)
        logger.info("fetched a MoneyKit access token valid for %d s", answer.expires_in)
        return _Token(answer.access_token, started + max(0.0, answer.expires_in - margin))
