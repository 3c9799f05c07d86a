"""Where gateway errors become gRPC statuses with rich details (`google.rpc.Status`)."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from service.core.converters import to_result_envelope
from service.core.errors import (
    CallerForbidden,
    CallerRateLimited,
    CallerUnauthenticated,
    CapabilityMissing,
    CircuitOpen,
    CredentialsRejected,
    DeadlineExceeded,
    GatewayCredentialsRejected,
    GatewayError,
    GatewayOverloaded,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    IdempotentOutcomeUnknown,
    InvalidRequest,
    ProviderNotConfigured,
    ReconnectRequired,
    RecordedFailure,
    StateUnavailable,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamFailedPrecondition,
    UpstreamNotFound,
    UpstreamOutcomeUnknown,
    UpstreamOverloaded,
    UpstreamPermissionDenied,
    UpstreamRateLimited,
    UpstreamRejectedRequest,
    UpstreamUnavailable,
    UserCredentialsRejected,
)

GATEWAY_DOMAIN = "aggregator-gateway"
"""The `ErrorInfo.domain` of errors the gateway raises itself; upstream errors name the provider."""

CODES: dict[type[GatewayError], grpc.StatusCode] = {
    GatewayError: grpc.StatusCode.INTERNAL,
    InvalidRequest: grpc.StatusCode.INVALID_ARGUMENT,
    CapabilityMissing: grpc.StatusCode.INVALID_ARGUMENT,
    ProviderNotConfigured: grpc.StatusCode.FAILED_PRECONDITION,
    DeadlineExceeded: grpc.StatusCode.DEADLINE_EXCEEDED,
    CallerUnauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    CallerForbidden: grpc.StatusCode.PERMISSION_DENIED,
    CallerRateLimited: grpc.StatusCode.RESOURCE_EXHAUSTED,
    UpstreamOverloaded: grpc.StatusCode.RESOURCE_EXHAUSTED,
    GatewayOverloaded: grpc.StatusCode.RESOURCE_EXHAUSTED,
    StateUnavailable: grpc.StatusCode.UNAVAILABLE,
    IdempotencyKeyReused: grpc.StatusCode.INVALID_ARGUMENT,
    IdempotencyKeyInFlight: grpc.StatusCode.ABORTED,
    IdempotentOutcomeUnknown: grpc.StatusCode.UNKNOWN,
    # Answered with the recorded status's own code (`code_of`).
    RecordedFailure: grpc.StatusCode.UNKNOWN,
    CircuitOpen: grpc.StatusCode.UNAVAILABLE,
    UpstreamError: grpc.StatusCode.UNKNOWN,
    UpstreamRejectedRequest: grpc.StatusCode.INVALID_ARGUMENT,
    UserCredentialsRejected: grpc.StatusCode.UNAUTHENTICATED,
    CredentialsRejected: grpc.StatusCode.UNAUTHENTICATED,
    GatewayCredentialsRejected: grpc.StatusCode.INTERNAL,
    UpstreamPermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    UpstreamNotFound: grpc.StatusCode.NOT_FOUND,
    UpstreamFailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    ReconnectRequired: grpc.StatusCode.FAILED_PRECONDITION,
    UpstreamRateLimited: grpc.StatusCode.RESOURCE_EXHAUSTED,
    UpstreamUnavailable: grpc.StatusCode.UNAVAILABLE,
    UpstreamOutcomeUnknown: grpc.StatusCode.UNKNOWN,
    UpstreamBadResponse: grpc.StatusCode.INTERNAL,
}

_CODES_BY_VALUE = {code.value[0]: code for code in grpc.StatusCode}

INTERNAL_MESSAGE = "The gateway failed unexpectedly; the details are in its log."

MAX_LISTED_VIOLATIONS = 10
"""A status travels in the call's trailers, which clients cap (8 KiB by default in gRPC's
C core): an invalid request names its first violations, and says how many there are."""


def code_of(error: GatewayError) -> grpc.StatusCode:
    """The code of the error's class, or of its nearest ancestor in `CODES`; a recorded
    failure keeps the code it was first answered with."""
    if isinstance(error, RecordedFailure):
        return _CODES_BY_VALUE.get(error.status.code, grpc.StatusCode.UNKNOWN)
    return next(CODES[cls] for cls in type(error).__mro__ if cls in CODES)


def to_grpc_status(error: GatewayError) -> grpc.Status:
    return _to_status(to_rpc_status(error))


def to_rpc_status(error: GatewayError) -> status_pb2.Status:
    """The `google.rpc.Status` of an error, with its rich details."""
    if isinstance(error, RecordedFailure):
        recorded = status_pb2.Status()
        recorded.CopyFrom(error.status)
        return recorded
    status = status_pb2.Status(code=_rpc_code(code_of(error)), message=_message(error))
    for detail in _details(error):
        packed = any_pb2.Any()
        packed.Pack(detail)
        status.details.append(packed)
    return status


def internal_error_status() -> grpc.Status:
    """The status of an unexpected failure: a generic message, never the exception's text."""
    return _to_status(internal_rpc_status())


def internal_rpc_status() -> status_pb2.Status:
    """The `google.rpc.Status` of an unexpected failure."""
    status = status_pb2.Status(code=code_pb2.INTERNAL, message=INTERNAL_MESSAGE)
    packed = any_pb2.Any()
    packed.Pack(error_details_pb2.ErrorInfo(reason="INTERNAL", domain=GATEWAY_DOMAIN))
    status.details.append(packed)
    return status


def _to_status(status: Any) -> grpc.Status:
    converted: grpc.Status = rpc_status.to_status(status)
    return converted


def _rpc_code(code: grpc.StatusCode) -> int:
    value: int = code.value[0]
    return value


def _message(error: GatewayError) -> str:
    if not isinstance(error, InvalidRequest) or len(error.violations) <= MAX_LISTED_VIOLATIONS:
        return error.message
    listed = error.violations[:MAX_LISTED_VIOLATIONS]
    return "; ".join(f"{v.field}: {v.description}" for v in listed) + (
        f"; and {len(error.violations) - len(listed)} more invalid fields"
    )


def _details(error: GatewayError) -> list[Message]:
    if isinstance(error, InvalidRequest):
        metadata = {"capability": error.capability} if isinstance(error, CapabilityMissing) else {}
        metadata["violations"] = str(len(error.violations))
        return [
            _error_info(error, GATEWAY_DOMAIN, metadata),
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(
                        field=violation.field, description=violation.description
                    )
                    for violation in error.violations[:MAX_LISTED_VIOLATIONS]
                ]
            ),
        ]
    if isinstance(error, ProviderNotConfigured | UpstreamOverloaded):
        return [_error_info(error, GATEWAY_DOMAIN, {"provider": error.provider})]
    if isinstance(error, CallerRateLimited):
        return [
            _error_info(error, GATEWAY_DOMAIN, {"caller": error.caller}),
            error_details_pb2.RetryInfo(retry_delay=_duration(error.retry_after_seconds)),
        ]
    if isinstance(error, StateUnavailable | IdempotencyKeyInFlight | GatewayOverloaded):
        return [
            _error_info(error, GATEWAY_DOMAIN, {}),
            error_details_pb2.RetryInfo(retry_delay=_duration(error.retry_after_seconds)),
        ]
    if not isinstance(error, UpstreamError):
        return [_error_info(error, GATEWAY_DOMAIN, {})]
    context = error.context
    envelope = context.envelope
    metadata = {"operation": context.operation}
    if context.http_status is not None:
        metadata["http_status"] = str(context.http_status)
    if envelope.error_type:
        metadata["error_type"] = envelope.error_type
    if envelope.status is not None:
        metadata["upstream_status"] = envelope.status.value
    if context.upstream_request_id:
        metadata["upstream_request_id"] = context.upstream_request_id
    if isinstance(error, ReconnectRequired):
        metadata["user_action"] = "reconnect"
    details: list[Message] = [_error_info(error, context.provider, metadata)]
    if envelope.display_message:
        details.append(
            error_details_pb2.LocalizedMessage(locale="en-US", message=envelope.display_message)
        )
    if (
        isinstance(error, UpstreamRateLimited | CircuitOpen)
        and error.retry_after_seconds is not None
    ):
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(int(error.retry_after_seconds * 1_000_000_000))
        details.append(error_details_pb2.RetryInfo(retry_delay=delay))
    details.append(to_result_envelope(envelope))
    details.extend(context.attachments)
    return details


def _duration(seconds: float) -> duration_pb2.Duration:
    duration = duration_pb2.Duration()
    duration.FromNanoseconds(int(seconds * 1_000_000_000))
    return duration


def _error_info(
    error: GatewayError, domain: str, metadata: dict[str, str]
) -> error_details_pb2.ErrorInfo:
    return error_details_pb2.ErrorInfo(reason=error.reason, domain=domain, metadata=metadata)
