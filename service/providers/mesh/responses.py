"""Reading Mesh's answers: the envelope on success, and every documented failure shape.

Failures come as the envelope (HTTP 400, 429, 5xx, or even HTTP 200 with a status that is
not ok), as RFC 7807 problem details (order endpoints), or as arbitrary bodies (401, 403).
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import ValidationError

from service.core.decimals import parse_json_exact
from service.core.envelope import Envelope, EnvelopeStatus
from service.core.errors import (
    GatewayCredentialsRejected,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamFailedPrecondition,
    UpstreamNotFound,
    UpstreamPermissionDenied,
    UpstreamRateLimited,
    UpstreamRejectedRequest,
    UpstreamUnavailable,
)
from service.providers.answers import envelope_status, read_model
from service.providers.mesh.models import ApiResult, ProblemDetails
from service.providers.upstream import (
    UpstreamCall,
    UpstreamResponse,
    error_kind_for_http_status,
    retry_after_seconds,
    scrubbed_envelope,
    upstream_error,
)

Result = TypeVar("Result", bound=ApiResult)

CURRENCY = "USD"
"""Mesh documents every value and position in USD."""

GATEWAY_CREDENTIALS_REJECTED = (
    GatewayCredentialsRejected,
    "Mesh rejected the gateway's client id or secret; the gateway's operators must fix its "
    "Mesh credentials.",
)
"""What HTTP 401 means on the read endpoints, which take no user credentials in headers."""

_KIND_BY_STATUS: dict[EnvelopeStatus, type[UpstreamError]] = {
    EnvelopeStatus.SERVER_FAILURE: UpstreamUnavailable,
    EnvelopeStatus.PERMISSION_DENIED: UpstreamPermissionDenied,
    EnvelopeStatus.BAD_REQUEST: UpstreamRejectedRequest,
    EnvelopeStatus.NOT_FOUND: UpstreamNotFound,
    EnvelopeStatus.CONFLICT: UpstreamFailedPrecondition,
    EnvelopeStatus.TOO_MANY_REQUEST: UpstreamRateLimited,
    EnvelopeStatus.LOCKED: UpstreamFailedPrecondition,
    EnvelopeStatus.UNAVAILABLE_FOR_LEGAL_REASONS: UpstreamFailedPrecondition,
}


def read_result(
    response: UpstreamResponse,
    model: type[Result],
    call: UpstreamCall,
    unauthorized: tuple[type[UpstreamError], str],
) -> Result:
    """The validated result of a successful call, or the gateway error of a failed one.

    `unauthorized` is the error kind and message of HTTP 401, which differs by endpoint.
    """
    if response.status_code == 200:
        result = read_model(response, model, call, "Mesh")
        if _known_status(result.status) is EnvelopeStatus.OK:
            return result
        raise _failure(response, envelope_of(result), call, unauthorized)
    raise _failure(response, _failure_envelope(response), call, unauthorized)


def envelope_of(result: ApiResult) -> Envelope:
    """The result's envelope; its texts scrubbed, since Mesh may repeat a secret in them even
    on success."""
    return scrubbed_envelope(
        Envelope(
            status=_known_status(result.status),
            message=result.message or "",
            display_message=result.display_message or "",
            error_type=result.error_type or "",
            error_hash=result.error_hash or "",
            error_data=result.error_data,
        )
    )


def _known_status(status: str | None) -> EnvelopeStatus | None:
    try:
        return EnvelopeStatus(status) if status is not None else None
    except ValueError:
        return None


def _failure_envelope(response: UpstreamResponse) -> Envelope:
    """What a failed response said, whatever its shape; empty when it said nothing usable."""
    try:
        body = parse_json_exact(response.body)
    except ValueError:
        return Envelope(status=envelope_status(response.status_code))
    if isinstance(body, dict) and ("title" in body or "detail" in body or "type" in body):
        try:
            problem = ProblemDetails.model_validate(body)
        except ValidationError:
            return Envelope(status=envelope_status(response.status_code))
        return Envelope(
            status=envelope_status(response.status_code),
            message=" ".join(part for part in (problem.title, problem.detail) if part),
            error_type=problem.type or "",
            error_data=problem.model_dump(mode="json", exclude_none=True),
        )
    if isinstance(body, dict):
        try:
            return envelope_of(ApiResult.model_validate(body))
        except ValidationError:
            pass
    return Envelope(status=envelope_status(response.status_code))


def _failure(
    response: UpstreamResponse,
    envelope: Envelope,
    call: UpstreamCall,
    unauthorized: tuple[type[UpstreamError], str],
) -> UpstreamError:
    status_code = response.status_code
    if status_code == 401:
        kind, message = unauthorized
    elif envelope.status is not None and envelope.status is not EnvelopeStatus.OK:
        kind = _KIND_BY_STATUS[envelope.status]
        message = f"Mesh answered {envelope.status.value}."
    elif status_code == 200:
        kind, message = UpstreamBadResponse, "Mesh answered HTTP 200 without an ok status."
    else:
        kind = error_kind_for_http_status(status_code)
        message = f"Mesh answered HTTP {status_code}."
    if envelope.message:
        message = f"{message[:-1]}: {envelope.message}"
    return upstream_error(
        kind,
        message,
        call,
        http_status=status_code,
        envelope=envelope,
        retry_after_seconds=retry_after_seconds(response.headers),
    )
