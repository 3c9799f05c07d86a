"""Both error maps are total: gateway errors to gRPC statuses, httpx errors to gateway errors."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import grpc
import httpx
import pytest
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2

from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from service.core.envelope import Envelope, EnvelopeStatus
from service.core.errors import (
    CallerForbidden,
    CallerRateLimited,
    CallerUnauthenticated,
    CapabilityMissing,
    CircuitOpen,
    CredentialsRejected,
    DeadlineExceeded,
    FieldViolation,
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
    UpstreamContext,
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
from service.providers.httpx_transport import httpx_failure
from service.providers.upstream import UpstreamCall, transport_error
from service.rpc import status

EXPECTED_CODES: dict[type[GatewayError], grpc.StatusCode] = {
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

CONTEXT = UpstreamContext("mesh", "holdings_value", 400, Envelope(EnvelopeStatus.BAD_REQUEST))


def subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def all_gateway_errors() -> list[type[GatewayError]]:
    return [GatewayError, *subclasses(GatewayError)]


def instance_of(cls: type[GatewayError]) -> GatewayError:
    if issubclass(cls, IdempotencyKeyReused):
        return cls()
    if issubclass(cls, IdempotencyKeyInFlight | GatewayOverloaded):
        return cls(1.0)
    if issubclass(cls, StateUnavailable):
        return cls("The store is down.", 1.0)
    if issubclass(cls, RecordedFailure):
        recorded = status_pb2.Status(code=code_pb2.UNKNOWN, message="Something failed.")
        info = error_details_pb2.ErrorInfo(reason=cls.reason, domain=status.GATEWAY_DOMAIN)
        recorded.details.add().Pack(info)
        return cls(recorded)
    if issubclass(cls, CapabilityMissing):
        return cls("ORDER_CANCEL", "connection", "CancelOrder does not serve moneykit")
    if issubclass(cls, InvalidRequest):
        return cls([FieldViolation("order_id", "is required")])
    if issubclass(cls, ProviderNotConfigured | UpstreamOverloaded):
        return cls("Mesh")
    if issubclass(cls, CallerForbidden):
        return cls("reader", "CancelOrder")
    if issubclass(cls, CallerRateLimited):
        return cls("reader", 0.5)
    if issubclass(cls, CircuitOpen):
        return cls("Mesh keeps failing.", CONTEXT, retry_after_seconds=12.5)
    if issubclass(cls, UpstreamError):
        return cls("Mesh failed.", CONTEXT)
    return cls("Something failed.")


class RichStatus:
    """A gRPC status's `google.rpc.Status`, read from its trailing metadata as a client would."""

    def __init__(self, grpc_status: grpc.Status) -> None:
        self.code = grpc_status.code
        self.message = grpc_status.details
        metadata = dict(grpc_status.trailing_metadata)
        self.rpc = status_pb2.Status.FromString(metadata["grpc-status-details-bin"])

    def details(self, message_type: type[Message]) -> list[Message]:
        found = []
        for packed in self.rpc.details:
            if packed.Is(message_type.DESCRIPTOR):
                message = message_type()
                packed.Unpack(message)
                found.append(message)
        return found

    def one(self, message_type: type[Message]) -> Message:
        [message] = self.details(message_type)
        return message


# The map is total -----------------------------------------------------------------------------


def test_the_error_tree_is_what_the_map_expects() -> None:
    assert set(all_gateway_errors()) == set(EXPECTED_CODES)


def test_every_gateway_error_has_a_code() -> None:
    missing = [cls.__name__ for cls in all_gateway_errors() if cls not in status.CODES]

    assert missing == []


@pytest.mark.parametrize("cls", all_gateway_errors(), ids=lambda cls: cls.__name__)
def test_each_error_has_its_documented_code(cls: type[GatewayError]) -> None:
    error = instance_of(cls)

    assert status.CODES[cls] == EXPECTED_CODES[cls]
    assert status.code_of(error) == EXPECTED_CODES[cls]
    rich = RichStatus(status.to_grpc_status(error))
    assert rich.code == EXPECTED_CODES[cls]
    assert rich.rpc.code == EXPECTED_CODES[cls].value[0]
    assert rich.message == error.message
    assert rich.one(error_details_pb2.ErrorInfo).reason == error.reason


def test_reasons_are_unique_upper_snake() -> None:
    reasons = [cls.reason for cls in all_gateway_errors()]

    assert len(set(reasons)) == len(reasons)
    for reason in reasons:
        assert reason == reason.upper()
        assert reason.replace("_", "").isalpha()


# Rich details ---------------------------------------------------------------------------------


def test_an_upstream_error_carries_error_info_localized_message_and_envelope() -> None:
    envelope = Envelope(
        status=EnvelopeStatus.BAD_REQUEST,
        message="authToken is missing",
        display_message="Please reconnect your account",
        error_type="missingField",
        error_hash="h-1",
        error_data={"field": "authToken", "limit": Decimal("1.50"), "list": [Decimal(2)]},
    )
    error = UpstreamRejectedRequest(
        "Mesh answered badRequest.", UpstreamContext("mesh", "holdings_value", 400, envelope)
    )

    rich = RichStatus(status.to_grpc_status(error))

    assert rich.code == grpc.StatusCode.INVALID_ARGUMENT
    assert rich.message == "Mesh answered badRequest."
    info = rich.one(error_details_pb2.ErrorInfo)
    assert info.reason == "UPSTREAM_REJECTED_REQUEST"
    assert info.domain == "mesh"
    assert dict(info.metadata) == {
        "operation": "holdings_value",
        "http_status": "400",
        "error_type": "missingField",
        "upstream_status": "badRequest",
    }
    localized = rich.one(error_details_pb2.LocalizedMessage)
    assert localized.message == "Please reconnect your account"
    assert localized.locale
    assert rich.details(error_details_pb2.RetryInfo) == []
    assert rich.details(error_details_pb2.BadRequest) == []
    result = rich.one(ResultEnvelope)
    assert result.status == ResultStatus.RESULT_STATUS_BAD_REQUEST
    assert result.message == "authToken is missing"
    assert result.display_message == "Please reconnect your account"
    assert result.error_type == "missingField"
    assert result.error_hash == "h-1"
    data = result.error_data.struct_value.fields
    assert data["field"].string_value == "authToken"
    assert data["limit"].string_value == "1.50"
    assert data["list"].list_value.values[0].string_value == "2"


def test_without_a_display_message_there_is_no_localized_message() -> None:
    error = UpstreamUnavailable(
        "MoneyKit answered HTTP 503.", UpstreamContext("moneykit", "investment_holdings")
    )

    rich = RichStatus(status.to_grpc_status(error))

    assert rich.details(error_details_pb2.LocalizedMessage) == []
    info = rich.one(error_details_pb2.ErrorInfo)
    assert info.domain == "moneykit"
    assert dict(info.metadata) == {"operation": "investment_holdings"}
    result = rich.one(ResultEnvelope)
    assert result.status == ResultStatus.RESULT_STATUS_UNSPECIFIED
    assert not result.HasField("error_data")


@pytest.mark.parametrize(
    ("seconds", "expected_seconds", "expected_nanos"), [(30, 30, 0), (1.5, 1, 500_000_000)]
)
def test_a_rate_limit_with_a_known_delay_carries_retry_info(
    seconds: float, expected_seconds: int, expected_nanos: int
) -> None:
    error = UpstreamRateLimited(
        "Mesh answered tooManyRequest.",
        UpstreamContext("mesh", "holdings_value", 429, Envelope(EnvelopeStatus.TOO_MANY_REQUEST)),
        retry_after_seconds=seconds,
    )

    rich = RichStatus(status.to_grpc_status(error))

    assert rich.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    retry = rich.one(error_details_pb2.RetryInfo)
    assert retry.retry_delay.seconds == expected_seconds
    assert retry.retry_delay.nanos == expected_nanos


def test_a_rate_limit_without_a_known_delay_has_no_retry_info() -> None:
    error = UpstreamRateLimited("Slow down.", CONTEXT, retry_after_seconds=None)

    rich = RichStatus(status.to_grpc_status(error))

    assert rich.details(error_details_pb2.RetryInfo) == []


def test_only_rate_limits_open_circuits_and_retry_laters_carry_retry_info() -> None:
    open_circuit = RichStatus(status.to_grpc_status(instance_of(CircuitOpen)))
    [retry] = open_circuit.details(error_details_pb2.RetryInfo)
    assert retry.retry_delay.ToNanoseconds() == 12_500_000_000
    for cls in all_gateway_errors():
        if cls in (
            UpstreamRateLimited,
            CircuitOpen,
            CallerRateLimited,
            StateUnavailable,
            IdempotencyKeyInFlight,
            GatewayOverloaded,
        ):
            continue
        rich = RichStatus(status.to_grpc_status(instance_of(cls)))
        assert rich.details(error_details_pb2.RetryInfo) == [], cls.__name__


def test_an_invalid_request_carries_its_field_violations() -> None:
    error = InvalidRequest(
        [
            FieldViolation("connection.mesh.auth_token", "is required and must not be empty"),
            FieldViolation("order_id", "is required and must not be empty"),
        ]
    )

    rich = RichStatus(status.to_grpc_status(error))

    assert rich.code == grpc.StatusCode.INVALID_ARGUMENT
    bad_request = rich.one(error_details_pb2.BadRequest)
    assert [(v.field, v.description) for v in bad_request.field_violations] == [
        ("connection.mesh.auth_token", "is required and must not be empty"),
        ("order_id", "is required and must not be empty"),
    ]
    info = rich.one(error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("INVALID_REQUEST", status.GATEWAY_DOMAIN)
    assert rich.details(ResultEnvelope) == []


def test_provider_not_configured_names_the_provider() -> None:
    rich = RichStatus(status.to_grpc_status(ProviderNotConfigured("MoneyKit")))

    assert rich.code == grpc.StatusCode.FAILED_PRECONDITION
    info = rich.one(error_details_pb2.ErrorInfo)
    assert info.reason == "PROVIDER_NOT_CONFIGURED"
    assert info.domain == status.GATEWAY_DOMAIN
    assert dict(info.metadata) == {"provider": "MoneyKit"}
    assert "AGGREGATOR_SANDBOX" in rich.message


def test_the_internal_error_status_is_generic() -> None:
    rich = RichStatus(status.internal_error_status())

    assert rich.code == grpc.StatusCode.INTERNAL
    assert rich.rpc.code == code_pb2.INTERNAL
    assert rich.message == status.INTERNAL_MESSAGE
    info = rich.one(error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("INTERNAL", status.GATEWAY_DOMAIN)
    assert len(rich.rpc.details) == 1


# transport_error of httpx_failure is total over httpx's exceptions --------------------------

NEVER_SENT = {
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
}
READ = UpstreamCall(provider="mesh", operation="holdings_value")
SIDE_EFFECT = UpstreamCall(provider="mesh", operation="cancel_order", has_side_effects=True)


def concrete_httpx_errors() -> list[type[httpx.HTTPError]]:
    return sorted(
        {cls for cls in subclasses(httpx.HTTPError) if not cls.__subclasses__()},
        key=lambda cls: cls.__name__,
    )


def httpx_error(cls: type[httpx.HTTPError]) -> httpx.HTTPError:
    request = httpx.Request("POST", "https://mesh.test/api/v1/transactions/cancel")
    if issubclass(cls, httpx.HTTPStatusError):
        return cls("failed", request=request, response=httpx.Response(500, request=request))
    return cls("failed", request=request)  # type: ignore[call-arg]


def test_the_walk_finds_httpx_errors_including_the_never_sent_ones() -> None:
    found = set(concrete_httpx_errors())

    assert found >= NEVER_SENT
    assert found >= {httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError}


@pytest.mark.parametrize("cls", concrete_httpx_errors(), ids=lambda cls: cls.__name__)
def test_transport_error_maps_every_httpx_error(cls: type[httpx.HTTPError]) -> None:
    read_error = transport_error(httpx_failure(httpx_error(cls)), READ)
    side_effect_error = transport_error(httpx_failure(httpx_error(cls)), SIDE_EFFECT)

    assert isinstance(read_error, UpstreamError)
    assert isinstance(side_effect_error, UpstreamError)
    assert (read_error.context.provider, read_error.context.operation) == ("mesh", "holdings_value")
    assert side_effect_error.context.operation == "cancel_order"
    if issubclass(cls, httpx.TransportError):
        assert type(read_error) is UpstreamUnavailable
    if cls in NEVER_SENT:
        assert type(side_effect_error) is UpstreamUnavailable
    else:
        assert type(side_effect_error) is UpstreamOutcomeUnknown
    assert status.code_of(side_effect_error) in (
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.UNKNOWN,
    )


def test_a_recorded_failure_is_answered_with_its_own_status_and_details() -> None:
    recorded = status.to_rpc_status(instance_of(UpstreamNotFound))

    error = RecordedFailure(recorded)
    answered = status.to_rpc_status(error)

    assert status.code_of(error) == grpc.StatusCode.NOT_FOUND
    assert answered == recorded
    assert answered is not recorded


def test_state_unavailable_and_a_key_in_flight_say_when_to_retry() -> None:
    for error in (StateUnavailable("The store is down.", 1.5), IdempotencyKeyInFlight(1.5)):
        rich = RichStatus(status.to_grpc_status(error))
        [retry] = rich.details(error_details_pb2.RetryInfo)
        assert retry.retry_delay.ToNanoseconds() == 1_500_000_000
        assert rich.one(error_details_pb2.ErrorInfo).reason == error.reason
