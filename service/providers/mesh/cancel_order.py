"""Mesh `POST /api/v1/transactions/cancel`: cancel a pending order. It has side effects.

Without `confirm`, the cancel is the whole RPC. With it, the order is read after the cancel
(`transactions/details`) until its status is final or the deadline nears, and returned. When
the cancel's own outcome is unknown (a timeout, reset or 5xx after it may have reached Mesh) the
cancel is never sent again: reading the order is how the gateway learns what happened. At an
institution whose details endpoint Mesh does not list, nothing can be read, and the answer says
so.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime

from aggregator.v1.aggregator_service_pb2 import (
    CancelConfirmation,
    CancelOrderRequest,
    CancelOrderResponse,
    GetOrderRequest,
    GetOrderResponse,
)
from aggregator.v1.order_pb2 import OrderStatus
from service.core.converters import to_result_envelope
from service.core.errors import GatewayError, UpstreamError, UpstreamOutcomeUnknown
from service.core.rpc_context import deadline_in, time_left
from service.core.rpcs import Rpc
from service.providers import polling
from service.providers.mesh import get_order
from service.providers.mesh.institutions import by_enum
from service.providers.mesh.models import ApiResult
from service.providers.mesh.order_request import ORDER_CREDENTIALS_REJECTED, order_body
from service.providers.mesh.orders import FINAL_STATUSES
from service.providers.mesh.responses import envelope_of, read_result
from service.providers.operation import Operation, ProviderClient, UpstreamRequest, run
from service.providers.upstream import (
    UpstreamCall,
    UpstreamResponse,
    restated,
    with_attachments,
)

logger = logging.getLogger(__name__)

CALL = UpstreamCall(provider="mesh", operation="cancel_order", has_side_effects=True)
PATH = "/api/v1/transactions/cancel"

ANSWER_MARGIN = 0.25
"""Seconds each order read leaves before the deadline, so that the answer still gets out."""


def build(request: CancelOrderRequest) -> UpstreamRequest:
    body = order_body(request, "cancel")
    return UpstreamRequest("POST", PATH, json_body=body.to_json_bytes())


def read(response: UpstreamResponse) -> ApiResult:
    return read_result(response, ApiResult, CALL, ORDER_CREDENTIALS_REJECTED)


def convert(result: ApiResult, received_at: datetime) -> CancelOrderResponse:
    return CancelOrderResponse(result=to_result_envelope(envelope_of(result)))


OPERATION = Operation(CALL, build, read, convert)


async def serve(client: ProviderClient, request: CancelOrderRequest) -> CancelOrderResponse:
    if not request.confirm:
        return await run(OPERATION, client, request)
    try:
        response = await run(OPERATION, client, request)
    except UpstreamOutcomeUnknown as unknown:
        if not _orders_readable(request):
            raise
        return await _settle_unknown(client, request, unknown)
    if not _orders_readable(request):
        response.confirmation = CancelConfirmation.CANCEL_CONFIRMATION_NOT_AVAILABLE
        return response
    reading = await _read_until_final(client, request)
    if reading.last is not None:
        response.order.CopyFrom(reading.last.order)
    response.confirmation = (
        CancelConfirmation.CANCEL_CONFIRMATION_CONFIRMED
        if reading.final
        else CancelConfirmation.CANCEL_CONFIRMATION_PENDING
    )
    return response


def _orders_readable(request: CancelOrderRequest) -> bool:
    # The cancel was sent, so the institution is a known one.
    institution = by_enum(request.connection.mesh.institution)
    return institution is not None and Rpc.GET_ORDER in institution.rpcs


async def _settle_unknown(
    client: ProviderClient, request: CancelOrderRequest, unknown: UpstreamOutcomeUnknown
) -> CancelOrderResponse:
    """OK with the order once it reads final; otherwise the unknown outcome, with the order as
    last read attached."""
    reading = await _read_until_final(client, request)
    if reading.last is None:
        raise unknown
    if reading.final:
        return CancelOrderResponse(
            result=reading.last.result,
            order=reading.last.order,
            confirmation=CancelConfirmation.CANCEL_CONFIRMATION_CONFIRMED,
        )
    status = OrderStatus.Name(reading.last.order.status)
    error = restated(
        unknown,
        f"{unknown.message} The order, read {reading.reads} times since, is still {status}; "
        "it is attached as last read.",
    )
    raise with_attachments(error, reading.last.order)


@dataclass(frozen=True)
class _Reading:
    last: GetOrderResponse | None
    """The last order read, if any read succeeded."""
    final: bool
    reads: int


async def _read_until_final(client: ProviderClient, request: CancelOrderRequest) -> _Reading:
    """Read the order, backing off, until it is final, a read fails for good, or the deadline
    nears."""
    details = GetOrderRequest(
        connection=request.connection,
        order_id=request.order_id,
        is_cryptocurrency=request.is_cryptocurrency,
        side=request.side,
        symbol_pair=request.symbol_pair,
        mfa_code=request.mfa_code,
    )
    last: GetOrderResponse | None = None

    async def read_once() -> GetOrderResponse | GatewayError:
        nonlocal last
        try:
            with _ending_early():
                last = await run(get_order.OPERATION, client, details)
        except GatewayError as error:
            logger.info("reading the order after a cancel failed: %s", error.reason)
            return error
        return last

    def settled(answer: GetOrderResponse | GatewayError) -> bool:
        if isinstance(answer, GatewayError):
            # A transient failure is read again at the next pause; any other ends the reading.
            return not (isinstance(answer, UpstreamError) and answer.retryable)
        return answer.order.status in FINAL_STATUSES

    polled = await polling.poll(read_once, settled)
    final = last is not None and last.order.status in FINAL_STATUSES
    return _Reading(last, final, polled.reads if polled is not None else 0)


def _ending_early() -> AbstractContextManager[None]:
    """A deadline `ANSWER_MARGIN` seconds before the RPC's, for one read."""
    left = time_left()
    if left is None:
        return nullcontext()
    return deadline_in(max(left - ANSWER_MARGIN, 0.0))
