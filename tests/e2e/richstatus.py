"""Unpacking the rich error details of a failed call, as a client would."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from aggregator.v1.order_pb2 import Order
from aggregator.v1.result_pb2 import ResultEnvelope


@dataclass
class RichStatus:
    code: grpc.StatusCode
    message: str
    error_info: error_details_pb2.ErrorInfo | None
    localized_message: error_details_pb2.LocalizedMessage | None
    retry_info: error_details_pb2.RetryInfo | None
    bad_request: error_details_pb2.BadRequest | None
    envelope: ResultEnvelope | None


def unpack(error: grpc.aio.AioRpcError) -> RichStatus:
    status: status_pb2.Status | None = rpc_status.from_call(error)
    assert status is not None, "the error carries no google.rpc.Status details"
    found: dict[str, object] = {}
    for detail in status.details:
        for message_type in (
            error_details_pb2.ErrorInfo,
            error_details_pb2.LocalizedMessage,
            error_details_pb2.RetryInfo,
            error_details_pb2.BadRequest,
            ResultEnvelope,
        ):
            if detail.Is(message_type.DESCRIPTOR):
                message = message_type()
                detail.Unpack(message)
                found[message_type.DESCRIPTOR.name] = message
    return RichStatus(
        code=error.code(),
        message=error.details() or "",
        error_info=found.get("ErrorInfo"),  # type: ignore[arg-type]
        localized_message=found.get("LocalizedMessage"),  # type: ignore[arg-type]
        retry_info=found.get("RetryInfo"),  # type: ignore[arg-type]
        bad_request=found.get("BadRequest"),  # type: ignore[arg-type]
        envelope=found.get("ResultEnvelope"),  # type: ignore[arg-type]
    )


def attached_order(error: grpc.aio.AioRpcError) -> Order | None:
    """The order an error carries in its details (a cancel whose outcome is unknown)."""
    status = rpc_status.from_call(error)
    assert status is not None, "the error carries no google.rpc.Status details"
    for detail in status.details:
        if detail.Is(Order.DESCRIPTOR):
            order = Order()
            detail.Unpack(order)
            return order
    return None
