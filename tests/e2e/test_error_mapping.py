"""Every error class of the mapping, end to end: sandbox trigger in, rich gRPC status out."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
import pytest

from aggregator.v1.result_pb2 import ResultStatus
from tests.conftest import Gateway
from tests.e2e import requests
from tests.e2e.richstatus import unpack

Code = grpc.StatusCode


@dataclass(frozen=True)
class Case:
    trigger: str
    code: grpc.StatusCode
    reason: str
    http_status: str
    upstream_status: int = ResultStatus.RESULT_STATUS_UNSPECIFIED


MESH_READ_CASES = [
    Case("sandbox-bad-request", Code.INVALID_ARGUMENT, "UPSTREAM_REJECTED_REQUEST", "400",
         ResultStatus.RESULT_STATUS_BAD_REQUEST),
    Case("sandbox-unauthorized", Code.INTERNAL, "GATEWAY_CREDENTIALS_REJECTED", "401"),
    Case("sandbox-permission-denied", Code.PERMISSION_DENIED, "UPSTREAM_PERMISSION_DENIED", "403",
         ResultStatus.RESULT_STATUS_PERMISSION_DENIED),
    Case("sandbox-not-found", Code.NOT_FOUND, "UPSTREAM_NOT_FOUND", "400",
         ResultStatus.RESULT_STATUS_NOT_FOUND),
    Case("sandbox-conflict", Code.FAILED_PRECONDITION, "UPSTREAM_FAILED_PRECONDITION", "400",
         ResultStatus.RESULT_STATUS_CONFLICT),
    Case("sandbox-locked", Code.FAILED_PRECONDITION, "UPSTREAM_FAILED_PRECONDITION", "400",
         ResultStatus.RESULT_STATUS_LOCKED),
    Case("sandbox-legal", Code.FAILED_PRECONDITION, "UPSTREAM_FAILED_PRECONDITION", "400",
         ResultStatus.RESULT_STATUS_UNAVAILABLE_FOR_LEGAL_REASONS),
    Case("sandbox-rate-limited", Code.RESOURCE_EXHAUSTED, "UPSTREAM_RATE_LIMITED", "429",
         ResultStatus.RESULT_STATUS_TOO_MANY_REQUEST),
    Case("sandbox-server-failure", Code.UNAVAILABLE, "UPSTREAM_UNAVAILABLE", "500",
         ResultStatus.RESULT_STATUS_SERVER_FAILURE),
    Case("sandbox-unavailable", Code.UNAVAILABLE, "UPSTREAM_UNAVAILABLE", "503"),
    Case("sandbox-envelope-failure", Code.UNAVAILABLE, "UPSTREAM_UNAVAILABLE", "200",
         ResultStatus.RESULT_STATUS_SERVER_FAILURE),
    Case("sandbox-malformed", Code.INTERNAL, "UPSTREAM_BAD_RESPONSE", "200"),
]  # fmt: skip

MESH_CANCEL_CASES = [
    Case("sandbox-bad-request", Code.INVALID_ARGUMENT, "UPSTREAM_REJECTED_REQUEST", "400",
         ResultStatus.RESULT_STATUS_BAD_REQUEST),
    Case("sandbox-unauthorized", Code.UNAUTHENTICATED, "CREDENTIALS_REJECTED", "401"),
    Case("sandbox-not-found", Code.NOT_FOUND, "UPSTREAM_NOT_FOUND", "404",
         ResultStatus.RESULT_STATUS_NOT_FOUND),
    Case("sandbox-conflict", Code.FAILED_PRECONDITION, "UPSTREAM_FAILED_PRECONDITION", "400",
         ResultStatus.RESULT_STATUS_CONFLICT),
    Case("sandbox-rate-limited", Code.RESOURCE_EXHAUSTED, "UPSTREAM_RATE_LIMITED", "429",
         ResultStatus.RESULT_STATUS_TOO_MANY_REQUEST),
    Case("sandbox-server-failure", Code.UNKNOWN, "UPSTREAM_OUTCOME_UNKNOWN", "500",
         ResultStatus.RESULT_STATUS_SERVER_FAILURE),
    Case("sandbox-unavailable", Code.UNKNOWN, "UPSTREAM_OUTCOME_UNKNOWN", "503"),
    Case("sandbox-envelope-failure", Code.UNKNOWN, "UPSTREAM_OUTCOME_UNKNOWN", "200",
         ResultStatus.RESULT_STATUS_SERVER_FAILURE),
    Case("sandbox-malformed", Code.INTERNAL, "UPSTREAM_BAD_RESPONSE", "200"),
]  # fmt: skip

MONEYKIT_CASES = [
    Case("mk_sandbox_bad_request", Code.INVALID_ARGUMENT, "UPSTREAM_REJECTED_REQUEST", "400",
         ResultStatus.RESULT_STATUS_BAD_REQUEST),
    Case("mk_sandbox_unauthorized_link", Code.UNAUTHENTICATED, "USER_CREDENTIALS_REJECTED", "401",
         ResultStatus.RESULT_STATUS_PERMISSION_DENIED),
    Case("mk_sandbox_forbidden", Code.PERMISSION_DENIED, "UPSTREAM_PERMISSION_DENIED", "403",
         ResultStatus.RESULT_STATUS_PERMISSION_DENIED),
    Case("mk_sandbox_not_found", Code.NOT_FOUND, "UPSTREAM_NOT_FOUND", "404",
         ResultStatus.RESULT_STATUS_NOT_FOUND),
    Case("mk_sandbox_deleted", Code.NOT_FOUND, "UPSTREAM_NOT_FOUND", "410",
         ResultStatus.RESULT_STATUS_NOT_FOUND),
    Case("mk_sandbox_expired", Code.FAILED_PRECONDITION, "UPSTREAM_FAILED_PRECONDITION", "422",
         ResultStatus.RESULT_STATUS_CONFLICT),
    Case("mk_sandbox_rate_limited", Code.RESOURCE_EXHAUSTED, "UPSTREAM_RATE_LIMITED", "429",
         ResultStatus.RESULT_STATUS_TOO_MANY_REQUEST),
    Case("mk_sandbox_server_failure", Code.UNAVAILABLE, "UPSTREAM_UNAVAILABLE", "500",
         ResultStatus.RESULT_STATUS_SERVER_FAILURE),
    Case("mk_sandbox_unavailable", Code.UNAVAILABLE, "UPSTREAM_UNAVAILABLE", "503",
         ResultStatus.RESULT_STATUS_SERVER_FAILURE),
    Case("mk_sandbox_malformed", Code.INTERNAL, "UPSTREAM_BAD_RESPONSE", "200"),
]  # fmt: skip


def assert_rich_status(error: grpc.aio.AioRpcError, case: Case, domain: str) -> None:
    status = unpack(error)
    assert status.code == case.code, status.message
    assert status.error_info is not None
    assert status.error_info.reason == case.reason
    assert status.error_info.domain == domain
    assert status.error_info.metadata["http_status"] == case.http_status
    assert status.envelope is not None
    assert status.envelope.status == case.upstream_status
    if case.code == Code.RESOURCE_EXHAUSTED:
        assert status.retry_info is not None
        assert status.retry_info.retry_delay.seconds == 30
    else:
        assert status.retry_info is None
    assert "Traceback" not in status.message


@pytest.mark.parametrize("case", MESH_READ_CASES, ids=lambda case: case.trigger)
async def test_holdings_value_maps_each_upstream_failure(gateway: Gateway, case: Case) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.GetHoldingsValue(requests.holdings_value(case.trigger), timeout=10)

    assert_rich_status(caught.value, case, "mesh")


@pytest.mark.parametrize("case", MESH_CANCEL_CASES, ids=lambda case: case.trigger)
async def test_cancel_order_maps_each_upstream_failure_and_sends_once(
    gateway: Gateway, case: Case
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.CancelOrder(requests.cancel(case.trigger), timeout=10)

    assert_rich_status(caught.value, case, "mesh")
    assert len(gateway.sandbox.mesh.requests) == 1


async def test_cancel_order_with_unknown_outcome_tells_the_caller_to_check(
    gateway: Gateway,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.CancelOrder(requests.cancel("sandbox-unavailable"), timeout=10)

    assert caught.value.code() == Code.UNKNOWN
    assert "check the order's status" in (caught.value.details() or "")


@pytest.mark.parametrize("case", MONEYKIT_CASES, ids=lambda case: case.trigger)
async def test_get_holdings_maps_each_upstream_failure(gateway: Gateway, case: Case) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.GetHoldings(requests.holdings(case.trigger), timeout=10)

    assert_rich_status(caught.value, case, "moneykit")


async def test_upstream_display_message_reaches_the_caller_as_localized_message(
    gateway: Gateway,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.CancelOrder(requests.cancel("sandbox-conflict"), timeout=10)

    status = unpack(caught.value)
    assert status.localized_message is not None
    assert status.localized_message.message == "The order was already executed."
    assert status.envelope is not None
    assert status.envelope.display_message == "The order was already executed."
    assert status.error_info is not None
    assert status.error_info.metadata["error_type"] == "orderNotCancellable"


async def test_moneykit_error_keeps_the_link_error_code_in_error_data(gateway: Gateway) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.GetHoldings(requests.holdings("mk_sandbox_expired"), timeout=10)

    status = unpack(caught.value)
    assert status.envelope is not None
    assert status.envelope.error_type == "link_error.bad_state"
    fields = status.envelope.error_data.struct_value.fields
    assert fields["link_error_code"].string_value == "auth_expired"
