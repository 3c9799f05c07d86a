"""Reading one SnapTrade order: `GET /accounts/{accountId}/orders/details/v2/{brokerageOrderId}`
(always real time), and, since that endpoint only knows orders placed through SnapTrade, on a
404 the account's orders of the last 24 hours (`GET /accounts/{accountId}/recentOrders`,
executed or not). `GetOrder` and the confirmation of a cancel both read orders this way.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aggregator.v1.aggregator_service_pb2 import GetOrderRequest, GetOrderResponse
from aggregator.v1.connection_pb2 import SnapTradeAccount
from aggregator.v1.order_pb2 import Order
from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from aggregator.v1.source_pb2 import PROVIDER_SNAPTRADE
from service.core.converters import data_source
from service.core.errors import (
    UpstreamFailedPrecondition,
    UpstreamNotFound,
    UpstreamPermissionDenied,
)
from service.core.validation import Violations
from service.providers.operation import ProviderClient, UpstreamRequest
from service.providers.snaptrade.connection import (
    account_path,
    segment,
    user_query,
    validate_connection,
)
from service.providers.snaptrade.models import OrderRecordV2, RecentOrders
from service.providers.snaptrade.orders import from_record, from_record_v2
from service.providers.snaptrade.responses import read_body
from service.providers.upstream import UpstreamCall, UpstreamResponse

DETAIL_CALL = UpstreamCall(provider="snaptrade", operation="order_detail")
RECENT_CALL = UpstreamCall(provider="snaptrade", operation="recent_orders")


def valid_order_request(account: SnapTradeAccount, order_id: str) -> None:
    violations = Violations()
    validate_connection(account, violations)
    violations.require_text("order_id", order_id)
    violations.raise_if_any()


def detail_request(account: SnapTradeAccount, order_id: str) -> UpstreamRequest:
    return UpstreamRequest(
        "GET",
        account_path(account, f"/orders/details/v2/{segment(order_id)}"),
        query=user_query(account),
    )


def recent_request(account: SnapTradeAccount) -> UpstreamRequest:
    return UpstreamRequest(
        "GET",
        account_path(account, "/recentOrders"),
        query=(*user_query(account), ("only_executed", "false")),
    )


def read_detail(response: UpstreamResponse) -> OrderRecordV2:
    return read_body(response, OrderRecordV2, DETAIL_CALL)


def read_recent(response: UpstreamResponse) -> RecentOrders:
    return read_body(response, RecentOrders, RECENT_CALL)


async def read_order(client: ProviderClient, account: SnapTradeAccount, order_id: str) -> Order:
    """The order; NOT_FOUND when neither the detail nor the recent orders know it (the recent
    orders answering that they are not available at this brokerage included)."""
    try:
        return from_record_v2(
            await client.exchange(DETAIL_CALL, detail_request(account, order_id), read_detail)
        )
    except UpstreamNotFound as not_found:
        try:
            recent = await client.exchange(RECENT_CALL, recent_request(account), read_recent)
        except (UpstreamPermissionDenied, UpstreamFailedPrecondition):
            raise not_found from None
        for record in recent.orders:
            if record.brokerage_order_id == order_id:
                return from_record(record)
        raise


async def get_order(client: ProviderClient, request: GetOrderRequest) -> GetOrderResponse:
    account = request.connection.snaptrade
    valid_order_request(account, request.order_id)
    order = await read_order(client, account, request.order_id)
    return GetOrderResponse(
        order=order,
        result=ResultEnvelope(status=ResultStatus.RESULT_STATUS_OK),
        source=data_source(
            PROVIDER_SNAPTRADE, computed=False, as_of=datetime.now(UTC), from_provider=False
        ),
    )
