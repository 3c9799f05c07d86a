"""Mesh `POST /api/v1/transactions/details`: one order, "typically used to poll the status of
the previously executed order". A read.

The document's schema for the answer is the envelope with the order in `content`, while its
example is the bare order; both are read. A missing order is 404 problem details, NOT_FOUND.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from aggregator.v1.aggregator_service_pb2 import GetOrderRequest, GetOrderResponse
from aggregator.v1.source_pb2 import PROVIDER_MESH
from service.core.converters import data_source, to_result_envelope
from service.core.decimals import parse_json_exact
from service.core.envelope import EnvelopeStatus
from service.core.errors import UpstreamBadResponse
from service.providers.mesh.models import BrokerOrder, OrderResult
from service.providers.mesh.order_request import ORDER_CREDENTIALS_REJECTED, order_body
from service.providers.mesh.orders import to_order
from service.providers.mesh.responses import envelope_of, read_result
from service.providers.operation import Operation, UpstreamRequest
from service.providers.upstream import UpstreamCall, UpstreamResponse, upstream_error

CALL = UpstreamCall(provider="mesh", operation="order_details")
PATH = "/api/v1/transactions/details"

_ENVELOPE_STATUSES = frozenset(status.value for status in EnvelopeStatus)
"""An envelope's `status` values; an order's (`inProgress`, `success`, ...) are none of them."""


def build(request: GetOrderRequest) -> UpstreamRequest:
    body = order_body(request, "read an order")
    return UpstreamRequest("POST", PATH, json_body=body.to_json_bytes())


def read(response: UpstreamResponse) -> OrderResult:
    if response.status_code == 200:
        bare = _bare_order(response)
        if bare is not None:
            return bare
    result = read_result(response, OrderResult, CALL, ORDER_CREDENTIALS_REJECTED)
    if result.content is None:
        raise upstream_error(
            UpstreamBadResponse,
            "Mesh answered ok without the order.",
            CALL,
            http_status=response.status_code,
        )
    return result


def _bare_order(response: UpstreamResponse) -> OrderResult | None:
    """The answer as the document's example has it (the order itself), if it is one."""
    try:
        body: Any = parse_json_exact(response.body)
    except ValueError:
        return None  # read_result reports the malformed body
    if (
        not isinstance(body, dict)
        or "content" in body
        or body.get("status") in _ENVELOPE_STATUSES
        or "id" not in body
    ):
        return None
    try:
        order = BrokerOrder.model_validate(body)
    except ValidationError as exc:
        raise upstream_error(
            UpstreamBadResponse,
            "Mesh answered with a malformed order.",
            CALL,
            http_status=response.status_code,
        ) from exc
    return OrderResult(status=EnvelopeStatus.OK.value, content=order)


def convert(result: OrderResult, received_at: datetime) -> GetOrderResponse:
    assert result.content is not None  # read refuses an answer without the order
    return GetOrderResponse(
        order=to_order(result.content),
        result=to_result_envelope(envelope_of(result)),
        source=data_source(PROVIDER_MESH, computed=False, as_of=received_at, from_provider=False),
    )


OPERATION = Operation(CALL, build, read, convert)
