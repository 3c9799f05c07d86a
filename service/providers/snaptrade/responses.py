"""Reading SnapTrade's answers: validated bodies, and its error bodies as gateway errors.

SnapTrade's error bodies differ by status (see `ErrorBody`); whatever their shape, the status
decides the error, with two exceptions its documents give: a 401 is the gateway's signature
(or client id) unless SnapTrade says the user's id or secret was wrong, and a 429 says when to
retry in `X-RateLimit-Reset` (seconds until the window resets). An operation may give a status
another meaning (a refresh refused on a real-time plan is a 403 that means the precondition).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel

from service.core.envelope import Envelope, EnvelopeStatus
from service.core.errors import (
    GatewayCredentialsRejected,
    UpstreamError,
    UpstreamFailedPrecondition,
    UserCredentialsRejected,
)
from service.providers.answers import envelope_status, read_error_body, read_model
from service.providers.snaptrade.models import ErrorBody
from service.providers.upstream import (
    UpstreamCall,
    UpstreamResponse,
    error_kind_for_http_status,
    retry_after_seconds,
    upstream_error,
)

Model = TypeVar("Model", bound=BaseModel)

USER_CREDENTIALS_CODES = frozenset({"1083"})
"""SnapTrade's code for a user id and secret that do not match ("Invalid userID or userSecret
provided"); every other 401 rejects the gateway's own signature (code 1076) or client id."""

_KIND_BY_STATUS: Mapping[int, type[UpstreamError]] = {
    # The connection is disabled: the user must reconnect it before anything syncs.
    402: UpstreamFailedPrecondition,
    # Not implemented for the account's brokerage.
    501: UpstreamFailedPrecondition,
}

_ENVELOPE_STATUS_OVERRIDES: Mapping[int, EnvelopeStatus | None] = {
    401: EnvelopeStatus.PERMISSION_DENIED,
    402: EnvelopeStatus.CONFLICT,
}


def read_body(
    response: UpstreamResponse,
    model: type[Model],
    call: UpstreamCall,
    kinds: Mapping[int, type[UpstreamError]] | None = None,
) -> Model:
    """The validated body of a successful call, or the gateway error of a failed one;
    `kinds` gives statuses the operation's own meaning."""
    if 200 <= response.status_code < 300:
        return read_model(response, model, call, "SnapTrade")
    raise failure(response, call, kinds)


def failure(
    response: UpstreamResponse,
    call: UpstreamCall,
    kinds: Mapping[int, type[UpstreamError]] | None = None,
) -> UpstreamError:
    body = read_error_body(response, ErrorBody)
    status_code = response.status_code
    code = body.code_text
    envelope = Envelope(
        status=(
            EnvelopeStatus.SERVER_FAILURE
            if status_code >= 500
            else envelope_status(status_code, _ENVELOPE_STATUS_OVERRIDES)
        ),
        message=body.text,
        error_type=code,
    )
    kind: type[UpstreamError]
    if kinds is not None and status_code in kinds:
        kind = kinds[status_code]
    elif status_code == 401:
        kind = (
            UserCredentialsRejected
            if code in USER_CREDENTIALS_CODES
            else GatewayCredentialsRejected
        )
    else:
        kind = _KIND_BY_STATUS.get(status_code) or error_kind_for_http_status(status_code)
    return upstream_error(
        kind,
        _message(kind, status_code, body),
        call,
        http_status=status_code,
        envelope=envelope,
        retry_after_seconds=_retry_after(response),
    )


def _message(kind: type[UpstreamError], status_code: int, body: ErrorBody) -> str:
    if kind is GatewayCredentialsRejected:
        message = (
            "SnapTrade rejected the gateway's request signature or client id; the gateway's "
            "operators must fix its SnapTrade client id or consumer key."
        )
    elif kind is UserCredentialsRejected:
        message = "SnapTrade rejected the user's id or secret; the user must be registered again."
    else:
        message = f"SnapTrade answered HTTP {status_code}."
    if body.text:
        message = f"{message[:-1]}: {body.text}"
    return message


def _retry_after(response: UpstreamResponse) -> float | None:
    reset = response.headers.get("x-ratelimit-reset", "").strip()
    if reset.isdigit():
        return float(reset)
    return retry_after_seconds(response.headers)
