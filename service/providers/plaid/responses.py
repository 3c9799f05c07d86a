"""Reading Plaid's answers: validated bodies, and Plaid's error object as gateway errors, mapped
here once.

Plaid answers a failed call with an HTTP 4xx or 5xx and `{error_type, error_code,
error_message, display_message, request_id, documentation_url, suggested_action, ...}`. The
error type decides first, then the codes that mean something else than their type:

| `error_type` | `error_code` | gateway error | gRPC code |
|---|---|---|---|
| `INVALID_REQUEST` | any | `UpstreamRejectedRequest` | `INVALID_ARGUMENT` |
| `INVALID_INPUT` | `INVALID_ACCESS_TOKEN` | `UserCredentialsRejected` | `UNAUTHENTICATED` |
| `INVALID_INPUT` | `INVALID_API_KEYS`, `UNAUTHORIZED_ENVIRONMENT` | `GatewayCredentialsRejected` | `INTERNAL` |
| `INVALID_INPUT` | any other | `UpstreamRejectedRequest` | `INVALID_ARGUMENT` |
| `INVALID_RESULT` | any | `UpstreamFailedPrecondition` | `FAILED_PRECONDITION` |
| `ITEM_ERROR` | `ITEM_LOGIN_REQUIRED` | `ReconnectRequired` (`user_action: reconnect`) | `FAILED_PRECONDITION` |
| `ITEM_ERROR` | `ITEM_NOT_FOUND` | `UpstreamNotFound` | `NOT_FOUND` |
| `ITEM_ERROR` | `PRODUCT_NOT_READY` | `UpstreamUnavailable` + `RetryInfo` (30 s), not retried | `UNAVAILABLE` |
| `ITEM_ERROR` | any other | `UpstreamFailedPrecondition` | `FAILED_PRECONDITION` |
| `INSTITUTION_ERROR` | `INSTITUTION_NO_LONGER_SUPPORTED` | `UpstreamFailedPrecondition` | `FAILED_PRECONDITION` |
| `INSTITUTION_ERROR` | any other (`INSTITUTION_DOWN`, ...) | `UpstreamUnavailable`, reads retried | `UNAVAILABLE` |
| `API_ERROR` | any (`INTERNAL_SERVER_ERROR`, `PLANNED_MAINTENANCE`) | `UpstreamUnavailable`, reads retried | `UNAVAILABLE` |
| `RATE_LIMIT_EXCEEDED` | any | `UpstreamRateLimited` + `RetryInfo` | `RESOURCE_EXHAUSTED` |
| another, or no error object | - | by HTTP status; 401 is the gateway's credentials | |

`display_message` becomes the `LocalizedMessage`, `request_id` the `upstream_request_id` of the
ErrorInfo and the RPC log line.
"""  # noqa: E501 (a table)

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from google.protobuf import duration_pb2
from google.rpc import error_details_pb2
from pydantic import BaseModel

from service.core.envelope import Envelope, EnvelopeStatus
from service.core.errors import (
    GatewayCredentialsRejected,
    ReconnectRequired,
    UpstreamError,
    UpstreamFailedPrecondition,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejectedRequest,
    UpstreamUnavailable,
    UserCredentialsRejected,
)
from service.providers.answers import envelope_status, read_error_body, read_model
from service.providers.plaid.models import ErrorBody
from service.providers.upstream import (
    UpstreamCall,
    UpstreamResponse,
    error_kind_for_http_status,
    retry_after_seconds,
    upstream_error,
    with_attachments,
)

Model = TypeVar("Model", bound=BaseModel)

RATE_LIMIT_WINDOW_SECONDS = 60.0
"""Plaid counts its rate limits per minute and sends no `Retry-After`: a minute from now the
window that was full has passed."""
PRODUCT_NOT_READY_RETRY_SECONDS = 30
"""How long to wait before asking again for data Plaid is still extracting."""

_KINDS: Mapping[str, tuple[type[UpstreamError], Mapping[str, type[UpstreamError]]]] = {
    "INVALID_REQUEST": (UpstreamRejectedRequest, {}),
    "INVALID_INPUT": (
        UpstreamRejectedRequest,
        {
            "INVALID_ACCESS_TOKEN": UserCredentialsRejected,
            "INVALID_API_KEYS": GatewayCredentialsRejected,
            "UNAUTHORIZED_ENVIRONMENT": GatewayCredentialsRejected,
        },
    ),
    "INVALID_RESULT": (UpstreamFailedPrecondition, {}),
    "ITEM_ERROR": (
        UpstreamFailedPrecondition,
        {
            "ITEM_LOGIN_REQUIRED": ReconnectRequired,
            "ITEM_NOT_FOUND": UpstreamNotFound,
            "PRODUCT_NOT_READY": UpstreamUnavailable,
        },
    ),
    "INSTITUTION_ERROR": (
        UpstreamUnavailable,
        {"INSTITUTION_NO_LONGER_SUPPORTED": UpstreamFailedPrecondition},
    ),
    "API_ERROR": (UpstreamUnavailable, {}),
    "RATE_LIMIT_EXCEEDED": (UpstreamRateLimited, {}),
}
"""By error type, its usual gateway error and the codes that differ from it."""

_MESSAGES: Mapping[str, str] = {
    "ITEM_LOGIN_REQUIRED": "Plaid needs the user to sign in to their institution again: send "
    "them through Link in update mode, then call again.",
    "INVALID_ACCESS_TOKEN": "Plaid does not accept the Item's access token (it may belong to "
    "another Plaid environment); the user must link the account again.",
    "INVALID_API_KEYS": "Plaid rejected the gateway's client id or secret; the gateway's "
    "operators must fix PLAID_CLIENT_ID and PLAID_SECRET.",
    "UNAUTHORIZED_ENVIRONMENT": "Plaid does not let the gateway's client id use this "
    "environment; the gateway's operators must fix PLAID_BASE_URL or the Plaid account.",
    "PRODUCT_NOT_READY": "Plaid has not finished extracting the Item's investments data; call "
    "again later.",
}


def read_body(response: UpstreamResponse, model: type[Model], call: UpstreamCall) -> Model:
    """The validated body of a successful call, or the gateway error of a failed one."""
    if 200 <= response.status_code < 300:
        return read_model(response, model, call, "Plaid")
    raise failure(response, call)


def failure(response: UpstreamResponse, call: UpstreamCall) -> UpstreamError:
    body = read_error_body(response, ErrorBody)
    status_code = response.status_code
    kind = _kind(body, status_code)
    code = body.error_code or ""
    retried_by_gateway = kind is UpstreamUnavailable and code != "PRODUCT_NOT_READY"
    envelope = Envelope(
        status=(
            EnvelopeStatus.SERVER_FAILURE if retried_by_gateway else envelope_status(status_code)
        ),
        message=body.error_message or "",
        display_message=body.display_message or "",
        error_type=code or body.error_type or "",
        error_data=_error_data(body),
    )
    named = "/".join(part for part in (body.error_type, body.error_code) if part)
    message = f"Plaid answered HTTP {status_code}" + (f" ({named})." if named else ".")
    if code in _MESSAGES:
        message = f"{message} {_MESSAGES[code]}"
    error = upstream_error(
        kind,
        message,
        call,
        http_status=status_code,
        envelope=envelope,
        retry_after_seconds=(
            retry_after_seconds(response.headers) or RATE_LIMIT_WINDOW_SECONDS
            if kind is UpstreamRateLimited
            else None
        ),
        upstream_request_id=body.request_id or "",
    )
    if code == "PRODUCT_NOT_READY":
        delay = duration_pb2.Duration(seconds=PRODUCT_NOT_READY_RETRY_SECONDS)
        error = with_attachments(error, error_details_pb2.RetryInfo(retry_delay=delay))
    return error


def _kind(body: ErrorBody, status_code: int) -> type[UpstreamError]:
    known = _KINDS.get(body.error_type or "")
    if known is not None:
        usual, by_code = known
        return by_code.get(body.error_code or "", usual)
    if status_code == 401:
        return GatewayCredentialsRejected
    return error_kind_for_http_status(status_code)


def _error_data(body: ErrorBody) -> dict[str, object] | None:
    data: dict[str, object] = {
        name: value
        for name, value in (
            ("error_type", body.error_type),
            ("error_code", body.error_code),
            ("error_code_reason", body.error_code_reason),
            ("documentation_url", body.documentation_url),
            ("suggested_action", body.suggested_action),
            ("request_id", body.request_id),
        )
        if value
    }
    return data or None
