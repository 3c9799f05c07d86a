"""`GatewayCallError`: a failed call with the `google.rpc.Status` details the gateway sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

import grpc
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from aggregator.v1.result_pb2 import ResultEnvelope

Detail = TypeVar("Detail", bound=Message)


@dataclass
class GatewayCallError(Exception):
    """A failed call, with what the gateway said about it."""

    code: grpc.StatusCode
    message: str
    reason: str = ""
    """`ErrorInfo.reason`, e.g. `UPSTREAM_RATE_LIMITED`."""
    domain: str = ""
    """`ErrorInfo.domain`: the provider, or `aggregator-gateway`."""
    metadata: dict[str, str] = field(default_factory=dict)
    localized_message: str | None = None
    """Text meant for the end user, when the upstream gave one."""
    retry_delay_seconds: float | None = None
    field_violations: list[tuple[str, str]] = field(default_factory=list)
    envelope: ResultEnvelope | None = None
    """The upstream's status envelope."""

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message}"

    @classmethod
    def from_rpc_error(cls, error: grpc.aio.AioRpcError) -> GatewayCallError:
        status: status_pb2.Status | None = rpc_status.from_call(error)  # type: ignore[arg-type]
        failure = cls(code=error.code(), message=error.details() or "")
        for detail in status.details if status is not None else ():
            if info := _unpack(detail, error_details_pb2.ErrorInfo):
                failure.reason, failure.domain = info.reason, info.domain
                failure.metadata = dict(info.metadata)
            elif localized := _unpack(detail, error_details_pb2.LocalizedMessage):
                failure.localized_message = localized.message
            elif retry := _unpack(detail, error_details_pb2.RetryInfo):
                failure.retry_delay_seconds = retry.retry_delay.ToNanoseconds() / 1e9
            elif bad_request := _unpack(detail, error_details_pb2.BadRequest):
                failure.field_violations = [
                    (violation.field, violation.description)
                    for violation in bad_request.field_violations
                ]
            elif envelope := _unpack(detail, ResultEnvelope):
                failure.envelope = envelope
        return failure


def _unpack(detail: object, message_type: type[Detail]) -> Detail | None:
    message = message_type()
    if detail.Is(message_type.DESCRIPTOR) and detail.Unpack(message):  # type: ignore[attr-defined]
        return message
    return None
