"""Mesh orders through a real gateway and the real sandbox: GetOrder, ListOrders and confirmed
cancels, each request the sandbox receives held to the OpenAPI document's request schema."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from aggregator.v1.aggregator_service_pb2 import (
    CancelConfirmation,
    CancelOrderRequest,
    GetOrderRequest,
    ListOrdersRequest,
)
from aggregator.v1.connection_pb2 import Connection
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.order_pb2 import (
    AssetType,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from aggregator.v1.result_pb2 import ResultStatus
from service.sandbox.mesh import triggers
from tests.conftest import Gateway
from tests.contract.mesh_openapi import request_schema, validation_errors
from tests.e2e import requests
from tests.e2e.richstatus import attached_order, unpack

CANCEL = "/api/v1/transactions/cancel"
DETAILS = "/api/v1/transactions/details"
LIST = "/api/v1/transactions/list"

BTC_ORDER = "9B5827E4-7D08-4A71-B4C0-B1B4E5562592"
PENDING_ORDER = "3C6A91D2-5B7E-4F08-9A1C-2D4E6F8A0B1C"
HISTORY = {
    "17EC1243-D91A-48B6-B0CE-ECFDB134F8A0": OrderStatus.ORDER_STATUS_FILLED,
    PENDING_ORDER: OrderStatus.ORDER_STATUS_IN_PROGRESS,
    "8D2F4B6A-1C3E-4A5B-8C7D-9E0F1A2B3C4D": OrderStatus.ORDER_STATUS_CANCELLED,
    "F9E932AE-A780-42F3-B887-82D888D594E5": OrderStatus.ORDER_STATUS_FILLED,
    BTC_ORDER: OrderStatus.ORDER_STATUS_FILLED,
    "2A4C6E8F-0B1D-4E3F-9A5B-7C9D1E3F5A7B": OrderStatus.ORDER_STATUS_PARTIALLY_FILLED,
    "5E7A9C1B-3D5F-4B7A-8E9C-0A2B4C6D8E0F": OrderStatus.ORDER_STATUS_REJECTED,
    "7B9D1F3A-5C7E-4D9F-8B1A-3C5E7A9B1D3F": OrderStatus.ORDER_STATUS_EXPIRED,
    "0C2E4A6B-8D0F-4C2A-9E4B-6D8F0A2C4E6A": OrderStatus.ORDER_STATUS_FAILED,
}
"""The sandbox's order history, newest first."""


@pytest.fixture(autouse=True)
async def every_mesh_request_fits_the_document(gateway: Gateway) -> AsyncIterator[None]:
    yield
    for sent in gateway.sandbox.mesh.requests:
        body = json.loads(sent.body)
        assert validation_errors(request_schema(sent.path), body) == [], (sent.path, body)


def get_order(
    order_id: str = BTC_ORDER,
    auth_token: str = "user-token",
    institution: int = Institution.INSTITUTION_ROBINHOOD,
    **fields: Any,
) -> GetOrderRequest:
    return GetOrderRequest(
        connection=requests.mesh(auth_token, institution), order_id=order_id, **fields
    )


def list_orders(auth_token: str = "user-token", **fields: Any) -> ListOrdersRequest:
    return ListOrdersRequest(connection=requests.mesh(auth_token), **fields)


def confirmed_cancel(
    auth_token: str = "user-token",
    order_id: str = "order-to-cancel",
    institution: int = Institution.INSTITUTION_ROBINHOOD,
) -> CancelOrderRequest:
    request = requests.cancel(auth_token, institution, order_id)
    request.confirm = True
    return request


def sent_to(gateway: Gateway, path: str) -> list[dict[str, Any]]:
    return [json.loads(sent.body) for sent in gateway.sandbox.mesh.requests if sent.path == path]


# GetOrder ------------------------------------------------------------------------------------


async def test_get_order_reads_the_order_exactly(gateway: Gateway) -> None:
    response = await gateway.stub.GetOrder(get_order(is_cryptocurrency=True), timeout=10)

    order = response.order
    assert (order.order_id, order.symbol, order.name) == (BTC_ORDER, "BTC", "Bitcoin")
    assert order.status == OrderStatus.ORDER_STATUS_FILLED
    assert order.provider_status == "success"
    assert order.side == OrderSide.ORDER_SIDE_BUY
    assert (order.amount, order.price, order.value) == ("0.3", "18604.8197", "5581.44591")
    assert not order.HasField("fee")
    assert order.created_at == Timestamp(seconds=1651739676)
    assert order.updated_at == Timestamp(seconds=1651739781)
    assert order.order_type == OrderType.ORDER_TYPE_LIMIT
    assert order.time_in_force == TimeInForce.TIME_IN_FORCE_GOOD_TILL_CANCELED
    assert order.asset_type == AssetType.ASSET_TYPE_CRYPTOCURRENCY
    assert order.payment_symbol == "ETH"
    assert response.result.status == ResultStatus.RESULT_STATUS_OK
    assert sent_to(gateway, DETAILS) == [
        {"authToken": "user-token", "type": "robinhood", "id": BTC_ORDER, "isCryptocurrency": True}
    ]


@pytest.mark.parametrize(("order_id", "status"), HISTORY.items())
async def test_get_order_reports_each_status(
    gateway: Gateway, order_id: str, status: OrderStatus.ValueType
) -> None:
    response = await gateway.stub.GetOrder(get_order(order_id), timeout=10)

    assert response.order.status == status


async def test_get_order_reads_a_bare_order_as_the_document_example_shows_it(
    gateway: Gateway,
) -> None:
    example_id = "17EC1243-D91A-48B6-B0CE-ECFDB134F8A0"

    response = await gateway.stub.GetOrder(
        get_order(example_id, triggers.MESH_BARE_ORDER), timeout=10
    )

    assert response.order.order_id == example_id
    assert response.order.status == OrderStatus.ORDER_STATUS_FILLED
    assert response.order.asset_type == AssetType.ASSET_TYPE_EQUITY
    assert (response.order.amount, response.order.price) == ("1", "120")
    assert response.result.status == ResultStatus.RESULT_STATUS_OK


async def test_get_order_of_a_missing_order_is_not_found(gateway: Gateway) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.GetOrder(get_order(auth_token=triggers.MESH_NOT_FOUND), timeout=10)

    status = unpack(caught.value)
    assert status.code == grpc.StatusCode.NOT_FOUND
    assert status.error_info is not None
    assert status.error_info.metadata["http_status"] == "404"
    assert "Transaction is not found" in status.message


async def test_get_order_at_coinbase_needs_the_side_and_sends_it(gateway: Gateway) -> None:
    coinbase = Institution.INSTITUTION_COINBASE
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.GetOrder(get_order(institution=coinbase), timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert gateway.sandbox.mesh.requests == []

    await gateway.stub.GetOrder(
        get_order(institution=coinbase, side=OrderSide.ORDER_SIDE_SELL), timeout=10
    )

    [body] = sent_to(gateway, DETAILS)
    assert (body["type"], body["side"]) == ("coinbase", "sell")


async def test_get_order_where_mesh_lists_no_details_is_refused_before_any_request(
    gateway: Gateway,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.GetOrder(
            get_order(institution=Institution.INSTITUTION_E_TRADE), timeout=10
        )

    status = unpack(caught.value)
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert status.error_info is not None
    assert status.error_info.reason == "ORDER_STATUS_NOT_SUPPORTED"
    assert gateway.sandbox.mesh.requests == []


async def test_identical_get_orders_of_one_user_share_one_request(gateway: Gateway) -> None:
    calls = [
        asyncio.ensure_future(
            gateway.stub.GetOrder(get_order(auth_token=triggers.MESH_HELD), timeout=10)
        )
        for _ in range(3)
    ]
    async with asyncio.timeout(10):
        while gateway.sandbox.mesh.held_count < 1:  # noqa: ASYNC110 (a counter, not an event)
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # any uncoalesced twin would be held by now too
    gateway.sandbox.release_held()
    answers = await asyncio.gather(*calls)

    assert {answer.order.order_id for answer in answers} == {BTC_ORDER}
    assert len(sent_to(gateway, DETAILS)) == 1


async def test_get_order_of_a_transient_failure_is_retried(gateway: Gateway) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.GetOrder(get_order(auth_token=triggers.MESH_UNAVAILABLE), timeout=10)

    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert len(sent_to(gateway, DETAILS)) == 3


# ListOrders ----------------------------------------------------------------------------------


async def test_list_orders_pages_through_the_whole_history(gateway: Gateway) -> None:
    pages: list[list[str]] = []
    token = ""
    for _ in range(10):
        response = await gateway.stub.ListOrders(
            list_orders(page_size=3, page_token=token), timeout=10
        )
        pages.append([order.order_id for order in response.orders])
        token = response.next_page_token
        if not token:
            break

    assert pages == [list(HISTORY)[0:3], list(HISTORY)[3:6], list(HISTORY)[6:9]]
    sent = sent_to(gateway, LIST)
    assert len(sent) == 3
    assert "cursor" not in sent[0]
    assert all(body["count"] == 3 for body in sent)
    assert len({body.get("cursor") for body in sent}) == 3


async def test_list_orders_converts_each_order(gateway: Gateway) -> None:
    response = await gateway.stub.ListOrders(list_orders(), timeout=10)

    by_id = {order.order_id: order for order in response.orders}
    assert {order_id: order.status for order_id, order in by_id.items()} == HISTORY
    option = by_id["17EC1243-D91A-48B6-B0CE-ECFDB134F8A0"]
    assert option.asset_type == AssetType.ASSET_TYPE_OPTION
    assert option.time_in_force == TimeInForce.TIME_IN_FORCE_GOOD_FOR_DAY
    assert by_id["2A4C6E8F-0B1D-4E3F-9A5B-7C9D1E3F5A7B"].fee == "0.01"


async def test_a_page_that_repeats_nothing_new_ends_the_listing(gateway: Gateway) -> None:
    first = await gateway.stub.ListOrders(list_orders(), timeout=10)
    assert len(first.orders) == 9
    assert first.next_page_token, "Mesh gives no last-page signal on the first page"

    second = await gateway.stub.ListOrders(
        list_orders(page_token=first.next_page_token), timeout=10
    )

    assert list(second.orders) == []
    assert second.next_page_token == ""


@pytest.mark.parametrize(("page_size", "count"), [(0, 100), (7, 7), (250, 250), (10_000, 250)])
async def test_list_orders_page_size_becomes_mesh_count(
    gateway: Gateway, page_size: int, count: int
) -> None:
    await gateway.stub.ListOrders(list_orders(page_size=page_size), timeout=10)

    [body] = sent_to(gateway, LIST)
    assert body["count"] == count


async def test_list_orders_filters_by_status_and_creation_time(gateway: Gateway) -> None:
    response = await gateway.stub.ListOrders(
        list_orders(
            statuses=[OrderStatus.ORDER_STATUS_FILLED, OrderStatus.ORDER_STATUS_IN_PROGRESS],
            created_after=Timestamp(seconds=1651739676, nanos=500),
        ),
        timeout=10,
    )

    assert [order.order_id for order in response.orders] == [
        "17EC1243-D91A-48B6-B0CE-ECFDB134F8A0",
        PENDING_ORDER,
    ]
    [body] = sent_to(gateway, LIST)
    assert body["statuses"] == ["success", "inProgress"]
    assert body["from"] == 1651739676


@pytest.mark.parametrize(
    "change",
    [
        {"page_token": "forged"},
        {"page_token": "A" * 60},
        {"statuses": [OrderStatus.ORDER_STATUS_FAILED]},
        {"connection": requests.mesh("another-user")},
    ],
    ids=["forged", "forged-long", "other-filters", "other-connection"],
)
async def test_a_page_token_not_issued_for_the_request_sends_nothing(
    gateway: Gateway, change: dict[str, Any]
) -> None:
    first = await gateway.stub.ListOrders(list_orders(page_size=3), timeout=10)
    gateway.sandbox.reset()
    request = list_orders(page_size=3, page_token=first.next_page_token)
    for name, value in change.items():
        if isinstance(value, Connection):
            request.connection.CopyFrom(value)
        elif name == "statuses":
            request.statuses.extend(value)
        else:
            setattr(request, name, value)

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.ListOrders(request, timeout=10)

    status = unpack(caught.value)
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert status.bad_request is not None
    assert [v.field for v in status.bad_request.field_violations] == ["page_token"]
    assert gateway.sandbox.mesh.requests == []


async def test_a_page_token_holds_with_another_page_size(gateway: Gateway) -> None:
    first = await gateway.stub.ListOrders(list_orders(page_size=3), timeout=10)

    rest = await gateway.stub.ListOrders(
        list_orders(page_size=6, page_token=first.next_page_token), timeout=10
    )

    assert [order.order_id for order in rest.orders] == list(HISTORY)[3:9]
    assert rest.next_page_token == ""


@pytest.mark.parametrize(
    ("fields", "violation"),
    [
        ({"page_size": -1}, "page_size"),
        ({"statuses": [OrderStatus.ORDER_STATUS_UNSPECIFIED]}, "statuses[0]"),
        ({"created_after": Timestamp(seconds=-1)}, "created_after"),
    ],
)
async def test_list_orders_refuses_invalid_filters_before_any_request(
    gateway: Gateway, fields: dict[str, Any], violation: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.ListOrders(list_orders(**fields), timeout=10)

    status = unpack(caught.value)
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert status.bad_request is not None
    assert [v.field for v in status.bad_request.field_violations] == [violation]
    assert gateway.sandbox.mesh.requests == []


# CancelOrder with confirm --------------------------------------------------------------------


async def test_a_confirmed_cancel_returns_the_cancelled_order(gateway: Gateway) -> None:
    response = await gateway.stub.CancelOrder(confirmed_cancel(), timeout=10)

    assert response.result.status == ResultStatus.RESULT_STATUS_OK
    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_CONFIRMED
    assert response.order.order_id == "order-to-cancel"
    assert response.order.status == OrderStatus.ORDER_STATUS_CANCELLED
    assert len(sent_to(gateway, CANCEL)) == 1
    assert len(sent_to(gateway, DETAILS)) == 1


async def test_a_confirmed_cancel_of_an_executed_order_says_it_was_filled(
    gateway: Gateway,
) -> None:
    response = await gateway.stub.CancelOrder(confirmed_cancel(order_id=BTC_ORDER), timeout=10)

    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_CONFIRMED
    assert response.order.status == OrderStatus.ORDER_STATUS_FILLED


async def test_a_cancel_whose_answer_is_lost_is_confirmed_by_reading_the_order(
    gateway: Gateway,
) -> None:
    response = await gateway.stub.CancelOrder(
        confirmed_cancel(triggers.MESH_CANCEL_LOST), timeout=10
    )

    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_CONFIRMED
    assert response.order.status == OrderStatus.ORDER_STATUS_CANCELLED
    assert response.order.provider_status == "cancelled"
    assert len(sent_to(gateway, CANCEL)) == 1
    # Pauses of 0.25, 0.5, 1, 2, 4 s: within 10 s no more than six reads fit.
    assert 1 <= len(sent_to(gateway, DETAILS)) <= 6


async def test_a_lost_cancel_whose_order_stays_in_progress_is_unknown_with_the_order(
    gateway: Gateway,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.CancelOrder(
            confirmed_cancel(triggers.MESH_CANCEL_LOST_IN_PROGRESS), timeout=2
        )

    status = unpack(caught.value)
    assert status.code == grpc.StatusCode.UNKNOWN
    assert status.error_info is not None
    assert status.error_info.reason == "UPSTREAM_OUTCOME_UNKNOWN"
    assert "ORDER_STATUS_IN_PROGRESS" in status.message
    order = attached_order(caught.value)
    assert order is not None
    assert (order.order_id, order.status) == (
        "order-to-cancel",
        OrderStatus.ORDER_STATUS_IN_PROGRESS,
    )
    assert len(sent_to(gateway, CANCEL)) == 1
    assert len(sent_to(gateway, DETAILS)) >= 1


async def test_a_confirmed_cancel_of_an_order_still_in_progress_is_pending(
    gateway: Gateway,
) -> None:
    response = await gateway.stub.CancelOrder(
        confirmed_cancel(triggers.MESH_ORDER_IN_PROGRESS), timeout=2
    )

    assert response.result.status == ResultStatus.RESULT_STATUS_OK
    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_PENDING
    assert response.order.status == OrderStatus.ORDER_STATUS_IN_PROGRESS
    assert len(sent_to(gateway, CANCEL)) == 1
    assert len(sent_to(gateway, DETAILS)) >= 1


async def test_a_confirmed_cancel_where_mesh_lists_no_details_cannot_confirm(
    gateway: Gateway,
) -> None:
    response = await gateway.stub.CancelOrder(
        confirmed_cancel(institution=Institution.INSTITUTION_E_TRADE), timeout=10
    )

    assert response.result.status == ResultStatus.RESULT_STATUS_OK
    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_NOT_AVAILABLE
    assert not response.HasField("order")
    assert len(sent_to(gateway, CANCEL)) == 1
    assert sent_to(gateway, DETAILS) == []


async def test_a_cancel_without_confirm_reads_nothing(gateway: Gateway) -> None:
    response = await gateway.stub.CancelOrder(requests.cancel(), timeout=10)

    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_UNSPECIFIED
    assert not response.HasField("order")
    assert [sent.path for sent in gateway.sandbox.mesh.requests] == [CANCEL]


async def test_a_lost_cancel_without_confirm_is_unknown_as_before(gateway: Gateway) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.CancelOrder(requests.cancel(triggers.MESH_CANCEL_LOST), timeout=10)

    assert caught.value.code() == grpc.StatusCode.UNKNOWN
    assert attached_order(caught.value) is None
    assert [sent.path for sent in gateway.sandbox.mesh.requests] == [CANCEL]


async def test_a_refused_cancel_is_not_followed_by_reads(gateway: Gateway) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.CancelOrder(confirmed_cancel(triggers.MESH_CONFLICT), timeout=10)

    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert [sent.path for sent in gateway.sandbox.mesh.requests] == [CANCEL]
