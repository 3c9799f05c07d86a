"""Mesh `POST /api/v1/transactions/list`: the order history, a page at a time (AIP-158). A read.

A workflow, not a single operation: the caller's page token is checked and opened into Mesh's
`cursor` before anything is sent, and the next token is issued from the cursor Mesh answers.
The document gives no last-page signal (its example answers a cursor with the last page), so
the listing ends at an empty page or when Mesh answers the cursor it was sent. `from` is Unix
seconds like every Mesh timestamp.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aggregator.v1.aggregator_service_pb2 import ListOrdersRequest, ListOrdersResponse
from aggregator.v1.source_pb2 import PROVIDER_MESH
from service.core import page_tokens
from service.core.converters import data_source
from service.core.validation import Violations
from service.providers.mesh.connection import validate_connection
from service.providers.mesh.models import OrderListBody, OrderListResult
from service.providers.mesh.order_request import ORDER_CREDENTIALS_REJECTED
from service.providers.mesh.orders import STATUSES, to_order
from service.providers.mesh.responses import read_result
from service.providers.operation import ProviderClient, UpstreamRequest
from service.providers.upstream import UpstreamCall, UpstreamResponse

CALL = UpstreamCall(provider="mesh", operation="order_list")
PATH = "/api/v1/transactions/list"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 250
"""Mesh's own default and maximum `count`."""
PAGING_FIELDS = ("page_token", "page_size")
"""What may change from page to page; a token is bound to the rest of the request."""

_MESH_STATUSES = {status: name for name, status in STATUSES.items()}


async def serve(client: ProviderClient, request: ListOrdersRequest) -> ListOrdersResponse:
    scope = page_tokens.scope_of(request, *PAGING_FIELDS)
    body, sent_cursor = _body(request, scope)
    result = await client.exchange(
        CALL, UpstreamRequest("POST", PATH, json_body=body.to_json_bytes()), read
    )
    return convert(result, sent_cursor, scope, datetime.now(UTC))


def _body(request: ListOrdersRequest, scope: bytes) -> tuple[OrderListBody, str | None]:
    """Mesh's request for this page, and the cursor in it; nothing is sent for a request that
    is invalid or whose page token this request did not issue."""
    violations = Violations()
    institution = validate_connection(request.connection.mesh, violations)
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    for index, status in enumerate(request.statuses):
        if status not in _MESH_STATUSES:
            violations.add(f"statuses[{index}]", f"{status} is not an order status to filter by")
    created_after = request.created_after.seconds if request.HasField("created_after") else None
    if created_after is not None and created_after < 0:
        violations.add("created_after", "must not be before 1970")
    violations.raise_if_any()
    assert institution is not None
    cursor = page_tokens.read(request.page_token, scope) if request.page_token else None
    statuses = list(dict.fromkeys(_MESH_STATUSES[status] for status in request.statuses))
    body = OrderListBody(
        auth_token=request.connection.mesh.auth_token,
        type=institution.wire_name,
        cursor=cursor,
        count=min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
        statuses=statuses or None,
        from_=created_after,
    )
    return body, cursor


def read(response: UpstreamResponse) -> OrderListResult:
    return read_result(response, OrderListResult, CALL, ORDER_CREDENTIALS_REJECTED)


def convert(
    result: OrderListResult, sent_cursor: str | None, scope: bytes, received_at: datetime
) -> ListOrdersResponse:
    response = ListOrdersResponse(
        source=data_source(PROVIDER_MESH, computed=False, as_of=received_at, from_provider=False)
    )
    content = result.content
    # An ok answer without content lists nothing, which ends the listing like an empty page.
    if content is None:
        return response
    response.orders.extend(to_order(order) for order in content.transactions)
    cursor = content.cursor
    if response.orders and cursor and cursor != sent_cursor:
        response.next_page_token = page_tokens.issue(cursor, scope)
    return response
