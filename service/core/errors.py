"""The gateway's errors: the only exceptions adapters raise.

    GatewayError
    ├── InvalidRequest              the caller's input is wrong        INVALID_ARGUMENT
    │   ├── CapabilityMissing       the provider or institution lacks  INVALID_ARGUMENT
    │   │                           the RPC (reason names it)
    │   └── IdempotencyKeyReused    the key came with another request  INVALID_ARGUMENT
    ├── ProviderNotConfigured       no credentials and no sandbox      FAILED_PRECONDITION
    ├── CallerUnauthenticated       no valid API key or client cert    UNAUTHENTICATED
    ├── CallerForbidden             the caller may not call this RPC   PERMISSION_DENIED
    ├── CallerRateLimited           the caller's rate limit is spent   RESOURCE_EXHAUSTED
    ├── DeadlineExceeded            the caller's deadline ran out      DEADLINE_EXCEEDED
    ├── GatewayOverloaded           too many RPCs in flight already    RESOURCE_EXHAUSTED
    ├── UpstreamOverloaded          too many calls wait for a provider RESOURCE_EXHAUSTED
    ├── StateUnavailable            the shared state store is down     UNAVAILABLE
    ├── IdempotencyKeyInFlight      a call with the key is running     ABORTED
    ├── IdempotentOutcomeUnknown    a call with the key ended unknown  UNKNOWN
    ├── RecordedFailure             the recorded error of a keyed call its own code
    └── UpstreamError               an upstream call failed
        ├── UpstreamRejectedRequest     400 / badRequest               INVALID_ARGUMENT
        ├── UserCredentialsRejected     the user's token or link       UNAUTHENTICATED
        ├── CredentialsRejected         the user's or the gateway's    UNAUTHENTICATED
        ├── GatewayCredentialsRejected  the gateway's own credentials  INTERNAL
        ├── UpstreamPermissionDenied    403 / permissionDenied         PERMISSION_DENIED
        ├── UpstreamNotFound            404, 410 / notFound            NOT_FOUND
        ├── UpstreamFailedPrecondition  conflict, locked, 422, 451     FAILED_PRECONDITION
        │   └── ReconnectRequired       the user must link the account  FAILED_PRECONDITION
        │                               again at the provider
        ├── UpstreamRateLimited         429 / tooManyRequest           RESOURCE_EXHAUSTED
        ├── UpstreamUnavailable         5xx, serverFailure, network    UNAVAILABLE
        ├── UpstreamOutcomeUnknown      the same, on a side effect     UNKNOWN
        ├── CircuitOpen                 the provider keeps failing     UNAVAILABLE
        └── UpstreamBadResponse         malformed upstream answer      INTERNAL

`service.rpc.status` turns each into a gRPC status (a subclass gets its nearest listed
ancestor's code); `service.providers.upstream` is where upstream failures become these errors.

Errors are immutable once built: one error may be raised to many callers (a coalesced read, a
remembered token failure), so a change is a new error, never an assignment.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, field
from typing import Any

from google.protobuf.message import Message

from service.core.envelope import Envelope

_SET_BY_PYTHON = frozenset(
    {"__cause__", "__context__", "__suppress_context__", "__traceback__", "__notes__"}
)
"""What the interpreter and `contextlib` keep on every exception as it travels."""


class _ImmutableOnceBuilt(type):
    """Freezes an error when its outermost constructor returns, subclasses' included."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        error = super().__call__(*args, **kwargs)
        object.__setattr__(error, "_built", True)
        return error


class GatewayError(Exception, metaclass=_ImmutableOnceBuilt):
    """Base of every error the gateway reports to its callers."""

    reason = "GATEWAY_ERROR"
    """The `ErrorInfo.reason` of the gRPC status: UPPER_SNAKE, stable, machine-readable."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __setattr__(self, name: str, value: object) -> None:
        self._refuse_once_built(name)
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        self._refuse_once_built(name)
        super().__delattr__(name)

    def _refuse_once_built(self, name: str) -> None:
        if name not in _SET_BY_PYTHON and self.__dict__.get("_built", False):
            raise FrozenInstanceError(
                f"cannot change {name!r} of a {type(self).__name__}: errors are immutable, "
                "build a new one"
            )


@dataclass(frozen=True)
class FieldViolation:
    """One invalid field of a request, named by its path (`connection.mesh.auth_token`)."""

    field: str
    description: str


class InvalidRequest(GatewayError):
    """The request is invalid; nothing was sent upstream."""

    reason = "INVALID_REQUEST"

    def __init__(self, violations: list[FieldViolation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in violations))
        self.violations = violations


class CapabilityMissing(InvalidRequest):
    """The connection's provider or institution cannot serve the RPC; nothing was sent.

    Its reason names the capability, for example `ORDER_CANCEL_NOT_SUPPORTED`.
    """

    reason = "CAPABILITY_NOT_SUPPORTED"

    def __init__(self, capability: str, field: str, description: str) -> None:
        super().__init__([FieldViolation(field, description)])
        self.capability = capability
        self.reason = f"{capability}_NOT_SUPPORTED"


class ProviderNotConfigured(GatewayError):
    """The provider has no credentials and the sandbox is off."""

    reason = "PROVIDER_NOT_CONFIGURED"

    def __init__(self, provider: str) -> None:
        super().__init__(
            f"The gateway has no credentials for {provider}: set its client id and secret, "
            "or run the gateway with AGGREGATOR_SANDBOX=1."
        )
        self.provider = provider


@dataclass(frozen=True)
class UpstreamContext:
    """Which upstream call failed and what the upstream said (never its raw body)."""

    provider: str
    operation: str
    http_status: int | None = None
    envelope: Envelope = field(default_factory=Envelope)
    attachments: tuple[Message, ...] = ()
    """More for the caller, packed into the status details as they are (for example the
    order as last read when a cancel's outcome is unknown)."""
    upstream_request_id: str = ""
    """The upstream's own id of the failed request (such as a `request_id`), for
    the provider's support."""


class CallerUnauthenticated(GatewayError):
    """The caller presented no valid API key and no known client certificate."""

    reason = "CALLER_UNAUTHENTICATED"


class CallerForbidden(GatewayError):
    """The caller is known but may not call this RPC."""

    reason = "CALLER_FORBIDDEN"

    def __init__(self, caller: str, method: str) -> None:
        super().__init__(f"Caller {caller!r} is not allowed to call {method}.")
        self.caller = caller
        self.method = method


class CallerRateLimited(GatewayError):
    """The caller's own request rate limit is spent."""

    reason = "CALLER_RATE_LIMITED"

    def __init__(self, caller: str, retry_after_seconds: float) -> None:
        super().__init__(
            f"Caller {caller!r} exceeded its rate limit; retry in {retry_after_seconds:.2f} s."
        )
        self.caller = caller
        self.retry_after_seconds = retry_after_seconds


class DeadlineExceeded(GatewayError):
    """The caller's deadline (or the default one) ran out; upstream work was abandoned."""

    reason = "DEADLINE_EXCEEDED"


class GatewayOverloaded(GatewayError):
    """The process serves as many RPCs as it admits at once; this one was turned away unread."""

    reason = "GATEWAY_OVERLOADED"

    def __init__(self, retry_after_seconds: float) -> None:
        super().__init__(
            "The gateway is serving as many calls as it admits at once; nothing was done. "
            "Try again after the suggested delay."
        )
        self.retry_after_seconds = retry_after_seconds


class UpstreamOverloaded(GatewayError):
    """The provider's concurrency limit and waiting queue are both full."""

    reason = "UPSTREAM_OVERLOADED"

    def __init__(self, provider: str) -> None:
        super().__init__(
            f"Too many calls to {provider} are in flight or waiting; try again shortly."
        )
        self.provider = provider


class StateUnavailable(GatewayError):
    """The shared state store (Redis) cannot be reached; what needed it was not done."""

    reason = "STATE_UNAVAILABLE"

    def __init__(self, message: str, retry_after_seconds: float) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class IdempotencyKeyReused(InvalidRequest):
    """An idempotency key came again with a request that differs in some other field."""

    reason = "IDEMPOTENCY_KEY_REUSED"

    def __init__(self) -> None:
        super().__init__(
            [
                FieldViolation(
                    "idempotency_key",
                    "was already used with a different request; use a new key for a new request",
                )
            ]
        )


class IdempotencyKeyInFlight(GatewayError):
    """A call with the same idempotency key and request is still being served."""

    reason = "IDEMPOTENCY_KEY_IN_FLIGHT"

    def __init__(self, retry_after_seconds: float) -> None:
        super().__init__(
            "A call with this idempotency key is still in progress; nothing was sent for this "
            "one. Retry with the same key once it has finished to get its outcome."
        )
        self.retry_after_seconds = retry_after_seconds


class IdempotentOutcomeUnknown(GatewayError):
    """A call with the key may have had its side effect, but no outcome was recorded."""

    reason = "IDEMPOTENT_OUTCOME_UNKNOWN"


class RecordedFailure(GatewayError):
    """The failure recorded for an idempotency key, answered again as it was the first time.

    `status` is the `google.rpc.Status` the first call was answered with, details included
    (typed `Any`: googleapis-common-protos ships no type information).
    """

    reason = "RECORDED_FAILURE"

    def __init__(self, status: Any) -> None:
        super().__init__(str(status.message))
        self.status = status


class UpstreamError(GatewayError):
    """An upstream call failed.

    `retryable` says whether trying the same call again is safe and may succeed; only
    `service.providers.upstream` sets it.
    """

    reason = "UPSTREAM_ERROR"

    def __init__(self, message: str, context: UpstreamContext, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.context = context
        self.retryable = retryable


class UpstreamRejectedRequest(UpstreamError):
    reason = "UPSTREAM_REJECTED_REQUEST"


class UserCredentialsRejected(UpstreamError):
    reason = "USER_CREDENTIALS_REJECTED"


class CredentialsRejected(UpstreamError):
    reason = "CREDENTIALS_REJECTED"


class GatewayCredentialsRejected(UpstreamError):
    reason = "GATEWAY_CREDENTIALS_REJECTED"


class UpstreamPermissionDenied(UpstreamError):
    reason = "UPSTREAM_PERMISSION_DENIED"


class UpstreamNotFound(UpstreamError):
    reason = "UPSTREAM_NOT_FOUND"


class UpstreamFailedPrecondition(UpstreamError):
    reason = "UPSTREAM_FAILED_PRECONDITION"


class ReconnectRequired(UpstreamFailedPrecondition):
    """The user must sign in to the institution again through the provider (a re-link flow)
    before the connection works again; no retry can fix it."""

    reason = "RECONNECT_REQUIRED"


class UpstreamRateLimited(UpstreamError):
    reason = "UPSTREAM_RATE_LIMITED"

    def __init__(
        self, message: str, context: UpstreamContext, retry_after_seconds: float | None = None
    ) -> None:
        super().__init__(message, context)
        self.retry_after_seconds = retry_after_seconds


class UpstreamUnavailable(UpstreamError):
    reason = "UPSTREAM_UNAVAILABLE"


class UpstreamOutcomeUnknown(UpstreamError):
    reason = "UPSTREAM_OUTCOME_UNKNOWN"


class CircuitOpen(UpstreamError):
    """Calls to the provider fail fast after repeated failures, until a probe succeeds."""

    reason = "CIRCUIT_OPEN"

    def __init__(self, message: str, context: UpstreamContext, retry_after_seconds: float) -> None:
        super().__init__(message, context)
        self.retry_after_seconds = retry_after_seconds


class UpstreamBadResponse(UpstreamError):
    reason = "UPSTREAM_BAD_RESPONSE"
