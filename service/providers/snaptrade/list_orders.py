"""SnapTrade `GET /accounts/{accountId}/orders`: the account's orders, one page at a time.

SnapTrade answers the whole list at once (no paging) and filters only by `state` (all, open or
executed) and `days` (how far back, at most 90). The gateway maps what maps, filters the rest
itself, and pages over the result: `state=open` when only in-progress orders are asked for,
`state=executed` when only filled ones are; `days` covers `created_after` (90 without it, the
furthest SnapTrade reaches), and orders are then kept only if created after it. The page token
carries the offset into the filtered list, signed to the request's filters.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from aggregator.v1.aggregator_service_pb2 import ListOrdersRequest, ListOrdersResponse
from aggregator.v1.order_pb2 import Order, OrderStatus
from aggregator.v1.source_pb2 import PROVIDER_SNAPTRADE
from service.core import page_tokens
from service.core.converters import data_source
from service.core.validation import Violations
from service.providers.operation import ProviderClient, UpstreamRequest
from service.providers.snaptrade.connection import account_path, user_query, validate_connection
from service.providers.snaptrade.models import OrderRecords
from service.providers.snaptrade.orders import from_record
from service.providers.snaptrade.responses import read_body
from service.providers.upstream import UpstreamCall, UpstreamResponse

CALL = UpstreamCall(provider="snaptrade", operation="orders")

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 250
MAX_DAYS = 90
_PAGING_FIELDS = ("page_token", "page_size")
_STATES = (
    (frozenset({OrderStatus.ORDER_STATUS_IN_PROGRESS}), "open"),
    (frozenset({OrderStatus.ORDER_STATUS_FILLED}), "executed"),
)


def state_for(statuses: frozenset[OrderStatus.ValueType]) -> str:
    """SnapTrade's `state` that holds every order in `statuses`."""
    for covered, state in _STATES:
        if statuses and statuses <= covered:
            return state
    return "all"


def days_for(created_after: datetime | None, now: datetime) -> int:
    """SnapTrade's `days` reaching back to `created_after` (90 at most, 1 at least)."""
    if created_after is None:
        return MAX_DAYS
    days = math.ceil((now - created_after).total_seconds() / 86400)
    return min(MAX_DAYS, max(1, days))


def _offset(request: ListOrdersRequest, scope: bytes) -> int:
    if not request.page_token:
        return 0
    # Only this module issues these tokens, so a signed one always holds an offset.
    return int(page_tokens.read(request.page_token, scope))


def read(response: UpstreamResponse) -> OrderRecords:
    return read_body(response, OrderRecords, CALL)


async def list_orders(client: ProviderClient, request: ListOrdersRequest) -> ListOrdersResponse:
    violations = Violations()
    account = request.connection.snaptrade
    validate_connection(account, violations)
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    violations.raise_if_any()
    scope = page_tokens.scope_of(request, *_PAGING_FIELDS)
    offset = _offset(request, scope)
    size = min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    statuses = frozenset(request.statuses)
    created_after = (
        request.created_after.ToDatetime(tzinfo=UTC) if request.HasField("created_after") else None
    )
    upstream_request = UpstreamRequest(
        "GET",
        account_path(account, "/orders"),
        query=(
            *user_query(account),
            ("state", state_for(statuses)),
            ("days", str(days_for(created_after, datetime.now(UTC)))),
        ),
    )
    records = await client.exchange(CALL, upstream_request, read)
    received_at = datetime.now(UTC)
    orders = [
        order
        for order in (from_record(record) for record in records.root)
        if _wanted(order, statuses, created_after)
    ]
    page = orders[offset : offset + size]
    response = ListOrdersResponse(
        orders=page,
        source=data_source(
            PROVIDER_SNAPTRADE, computed=False, as_of=received_at, from_provider=False
        ),
    )
    if offset + size < len(orders):
        response.next_page_token = page_tokens.issue(str(offset + size), scope)
    return response


def _wanted(
    order: Order, statuses: frozenset[OrderStatus.ValueType], created_after: datetime | None
) -> bool:
    if statuses and order.status not in statuses:
        return False
    if created_after is None:
        return True
    return order.HasField("created_at") and order.created_at.ToDatetime(tzinfo=UTC) > created_after
