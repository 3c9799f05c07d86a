"""Reading MoneyKit's answers: validated bodies, and its error codes as gateway errors.

MoneyKit errors are JSON `{error_code, error_message, documentation_url, ...}` (bodies may
also be empty or not JSON). Their envelope is normalised onto Mesh's status vocabulary.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from service.core.envelope import Envelope, EnvelopeStatus
from service.core.errors import (
    GatewayCredentialsRejected,
    UpstreamError,
    UserCredentialsRejected,
)
from service.providers.answers import envelope_status, read_error_body, read_struct
from service.providers.moneykit.models import ErrorBody, decode_hook
from service.providers.upstream import (
    UpstreamCall,
    UpstreamResponse,
    error_kind_for_http_status,
    retry_after_seconds,
    upstream_error,
)

Struct = TypeVar("Struct", bound=msgspec.Struct)

EXPIRED_ACCESS_TOKEN = "api_error.auth.expired_access_token"  # noqa: S105 (an error code)

_ENVELOPE_STATUS_OVERRIDES = {401: EnvelopeStatus.PERMISSION_DENIED}
"""MoneyKit's 401 is an authorization failure of the link or of the gateway."""


def read_body(response: UpstreamResponse, struct: type[Struct], call: UpstreamCall) -> Struct:
    """The validated body of a successful call, or the gateway error of a failed one."""
    if 200 <= response.status_code < 300:
        return read_struct(response, struct, call, "MoneyKit", decode_hook)
    raise failure(response, call)


def error_code(response: UpstreamResponse) -> str | None:
    return read_error_body(response, ErrorBody).error_code


def failure(response: UpstreamResponse, call: UpstreamCall) -> UpstreamError:
    body = read_error_body(response, ErrorBody)
    status_code = response.status_code
    envelope = Envelope(
        status=(
            EnvelopeStatus.SERVER_FAILURE
            if status_code >= 500
            else envelope_status(status_code, _ENVELOPE_STATUS_OVERRIDES)
        ),
        message=body.error_message or "",
        error_type=body.error_code or "",
        error_data=_error_data(body),
    )
    kind: type[UpstreamError]
    if status_code == 401:
        kind, message = _unauthorized(body.error_code or "")
    else:
        kind = error_kind_for_http_status(status_code)
        message = f"MoneyKit answered HTTP {status_code}"
        message += f" ({body.error_code})." if body.error_code else "."
    return upstream_error(
        kind,
        message,
        call,
        http_status=status_code,
        envelope=envelope,
        retry_after_seconds=retry_after_seconds(response.headers),
    )


def _unauthorized(code: str) -> tuple[type[UpstreamError], str]:
    if code.startswith("link_error."):
        return (
            UserCredentialsRejected,
            f"MoneyKit refused access to the link ({code}); the user must reconnect it.",
        )
    return (
        GatewayCredentialsRejected,
        f"MoneyKit rejected the gateway's credentials ({code or 'HTTP 401'}); the gateway's "
        "operators must fix its MoneyKit client id or secret.",
    )


def _error_data(body: ErrorBody) -> dict[str, object] | None:
    data: dict[str, object] = dict(body.extra_data())
    if body.documentation_url:
        data["documentation_url"] = body.documentation_url
    return data or None
