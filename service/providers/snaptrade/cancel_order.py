"""SnapTrade `POST /accounts/{accountId}/trading/cancel`: cancel an order; it has side effects.

The cancel is sent at most once (the guard retries it only when it certainly never left the
gateway). With `confirm`, the order is then read (see `get_order`), a second time only if the
first read was not final and the deadline leaves room for SnapTrade's pause between two polls
of an account (`SNAPTRADE_CONFIRM_INTERVAL_SECONDS`, 15 s): SnapTrade asks callers not to poll an
account more often, and Personal keys get 10 requests a minute per account. So a confirmation
is one read, or two reads 15 s apart, never a loop. When the cancel's own outcome is unknown,
a final order read settles it (OK with the order); otherwise the UNKNOWN error carries the
last order read. A read that fails never hides the cancel's own outcome: after a cancel that
succeeded the confirmation is then NOT_AVAILABLE, after an unknown one the error stays UNKNOWN.
"""

from __future__ import annotations

import asyncio
import json
import logging

from aggregator.v1.aggregator_service_pb2 import (
    CancelConfirmation,
    CancelOrderRequest,
    CancelOrderResponse,
)
from aggregator.v1.connection_pb2 import SnapTradeAccount
from aggregator.v1.order_pb2 import Order
from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from service.core.converters import to_result_envelope
from service.core.errors import (
    DeadlineExceeded,
    UpstreamError,
    UpstreamNotFound,
    UpstreamOutcomeUnknown,
)
from service.core.rpc_context import time_left
from service.providers.operation import ProviderClient, UpstreamRequest
from service.providers.snaptrade.client import SnapTradeClient
from service.providers.snaptrade.connection import account_path, user_query
from service.providers.snaptrade.get_order import read_order, valid_order_request
from service.providers.snaptrade.models import CancelAnswer
from service.providers.snaptrade.orders import is_final
from service.providers.snaptrade.responses import read_body
from service.providers.upstream import UpstreamCall, UpstreamResponse, with_attachments

logger = logging.getLogger(__name__)

CALL = UpstreamCall(provider="snaptrade", operation="cancel_order", has_side_effects=True)

ANSWER_MARGIN_SECONDS = 1.0
"""Time kept, after a second read would start, for the read itself and the answer."""


def build(request: CancelOrderRequest) -> UpstreamRequest:
    account = request.connection.snaptrade
    valid_order_request(account, request.order_id)
    return UpstreamRequest(
        "POST",
        account_path(account, "/trading/cancel"),
        query=user_query(account),
        json_body=json.dumps({"brokerage_order_id": request.order_id}).encode(),
    )


def read(response: UpstreamResponse) -> CancelAnswer:
    return read_body(response, CancelAnswer, CALL)


async def cancel_order(client: ProviderClient, request: CancelOrderRequest) -> CancelOrderResponse:
    assert isinstance(client, SnapTradeClient)
    upstream_request = build(request)
    try:
        await client.exchange(CALL, upstream_request, read)
    except UpstreamOutcomeUnknown as unknown:
        if not request.confirm:
            raise
        return await _settle(client, request, unknown)
    response = CancelOrderResponse(result=ResultEnvelope(status=ResultStatus.RESULT_STATUS_OK))
    if request.confirm:
        order = await _read_spaced(client, request.connection.snaptrade, request.order_id)
        if order is None:
            response.confirmation = CancelConfirmation.CANCEL_CONFIRMATION_NOT_AVAILABLE
        else:
            response.order.CopyFrom(order)
            response.confirmation = (
                CancelConfirmation.CANCEL_CONFIRMATION_CONFIRMED
                if is_final(order)
                else CancelConfirmation.CANCEL_CONFIRMATION_PENDING
            )
    return response


async def _settle(
    client: SnapTradeClient, request: CancelOrderRequest, unknown: UpstreamOutcomeUnknown
) -> CancelOrderResponse:
    """The unknown outcome settled by reading the order, never by cancelling again."""
    order = await _read_spaced(client, request.connection.snaptrade, request.order_id)
    if order is None:
        raise unknown
    if not is_final(order):
        raise with_attachments(unknown, order) from unknown
    return CancelOrderResponse(
        result=to_result_envelope(unknown.context.envelope),
        order=order,
        confirmation=CancelConfirmation.CANCEL_CONFIRMATION_CONFIRMED,
    )


async def _read_spaced(
    client: SnapTradeClient, account: SnapTradeAccount, order_id: str
) -> Order | None:
    """The order as read once, or twice `confirm_interval_seconds` apart when the first read
    is not final and the deadline allows; None when it could not be read."""
    order = await _read_or_none(client, account, order_id)
    if order is None:
        return None
    interval = client.settings.confirm_interval_seconds
    remaining = time_left()
    if is_final(order) or (remaining is not None and remaining - interval < ANSWER_MARGIN_SECONDS):
        return order
    await asyncio.sleep(interval)
    return await _read_or_none(client, account, order_id) or order


async def _read_or_none(
    client: SnapTradeClient, account: SnapTradeAccount, order_id: str
) -> Order | None:
    try:
        return await read_order(client, account, order_id)
    except (UpstreamError, DeadlineExceeded) as error:
        if not isinstance(error, UpstreamNotFound):
            logger.info("the order could not be read to confirm its cancel: %s", error.reason)
        return None
