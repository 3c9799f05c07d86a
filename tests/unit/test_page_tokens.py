"""Page tokens carry the provider's cursor and only work for the request that issued them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregator.v1.aggregator_service_pb2 import ListOrdersRequest
from aggregator.v1.connection_pb2 import Connection, MeshConnection
from aggregator.v1.order_pb2 import OrderStatus
from service.core import page_tokens
from service.core.errors import InvalidRequest


def request(token: str = "user-token", *statuses: int) -> ListOrdersRequest:
    return ListOrdersRequest(
        connection=Connection(mesh=MeshConnection(institution=1, auth_token=token)),  # type: ignore[arg-type]
        statuses=statuses,  # type: ignore[arg-type]
        page_size=10,
    )


def scope(message: ListOrdersRequest) -> bytes:
    return page_tokens.scope_of(message, "page_token", "page_size")


@given(st.text(max_size=300))
def test_the_cursor_comes_back_exactly(cursor: str) -> None:
    token = page_tokens.issue(cursor, scope(request()))

    assert page_tokens.read(token, scope(request())) == cursor


def test_the_page_size_may_change_between_pages() -> None:
    token = page_tokens.issue("c1", scope(request()))
    bigger = request()
    bigger.page_size = 200

    assert page_tokens.read(token, scope(bigger)) == "c1"


@pytest.mark.parametrize(
    "other",
    [request("another-user"), request("user-token", OrderStatus.ORDER_STATUS_CANCELLED)],
    ids=["other-connection", "other-filters"],
)
def test_a_token_of_another_request_is_refused(other: ListOrdersRequest) -> None:
    token = page_tokens.issue("c1", scope(request()))

    with pytest.raises(InvalidRequest) as caught:
        page_tokens.read(token, scope(other))

    assert [v.field for v in caught.value.violations] == ["page_token"]


@given(st.text(max_size=200))
def test_a_forged_token_is_refused(forged: str) -> None:
    genuine = page_tokens.issue("c1", scope(request()))
    if forged == genuine:
        return
    with pytest.raises(InvalidRequest):
        page_tokens.read(forged, scope(request()))


def test_an_altered_token_is_refused() -> None:
    token = page_tokens.issue("cursor-1", scope(request()))
    altered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]

    with pytest.raises(InvalidRequest):
        page_tokens.read(altered, scope(request()))


def test_a_token_of_another_key_is_refused() -> None:
    token = page_tokens.issue("c1", scope(request()))
    page_tokens.use_key(b"k" * 32)
    try:
        with pytest.raises(InvalidRequest):
            page_tokens.read(token, scope(request()))
        assert page_tokens.read(page_tokens.issue("c2", scope(request())), scope(request())) == "c2"
    finally:
        page_tokens.use_key(b"\0" * 32)
