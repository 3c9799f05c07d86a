"""A confirmed cancel whose own answer is lost never sends the cancel again: it reads the order
until it is final or the deadline nears."""

from __future__ import annotations

import grpc

from aggregator.v1.aggregator_service_pb2 import CancelConfirmation, CancelOrderRequest
from aggregator.v1.order_pb2 import Order, OrderStatus
from tests.e2e import requests
from tests.e2e.richstatus import attached_order
from tests.faults.conftest import GatewayFactory, timed
from tests.faults.upstream import FaultyUpstream, Reply, Reset, json_reply

CANCEL = "/api/v1/transactions/cancel"
DETAILS = "/api/v1/transactions/details"

CANCEL_OK = json_reply({"status": "ok", "message": "cancelled"})
RESET_AFTER_READ = Reset(after_reading=True)
UNAVAILABLE = Reply(503, b"")
SLOW = Reply(delay=30)


def order_reply(status: str) -> Reply:
    order = {"id": "order-1", "status": status, "amount": 2, "price": 10.05}
    return json_reply({"status": "ok", "content": order})


IN_PROGRESS = order_reply("inProgress")
CANCELLED = order_reply("cancelled")


def confirmed() -> CancelOrderRequest:
    request = requests.cancel(order_id="order-1")
    request.confirm = True
    return request


def sent(upstream: FaultyUpstream, path: str) -> int:
    return sum(request.path == path for request in upstream.requests)


async def test_a_reset_after_the_cancel_was_read_is_settled_by_reading_the_order(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.script(RESET_AFTER_READ, IN_PROGRESS, CANCELLED)
    async with faulty_gateway() as gateway:
        response = await gateway.stub.CancelOrder(confirmed(), timeout=10)

    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_CONFIRMED
    assert response.order.status == OrderStatus.ORDER_STATUS_CANCELLED
    assert response.order.price == "10.05"
    assert (sent(upstream, CANCEL), sent(upstream, DETAILS)) == (1, 2)


async def test_a_503_on_the_cancel_is_settled_by_reading_the_order(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.script(UNAVAILABLE, CANCELLED)
    async with faulty_gateway() as gateway:
        response = await gateway.stub.CancelOrder(confirmed(), timeout=10)

    assert response.order.status == OrderStatus.ORDER_STATUS_CANCELLED
    assert (sent(upstream, CANCEL), sent(upstream, DETAILS)) == (1, 1)


async def test_a_cancel_that_times_out_is_settled_by_reading_the_order(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.script(SLOW, CANCELLED)
    async with faulty_gateway(aggregator_upstream_timeout_seconds=0.3) as gateway:
        response = await gateway.stub.CancelOrder(confirmed(), timeout=10)

    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_CONFIRMED
    assert (sent(upstream, CANCEL), sent(upstream, DETAILS)) == (1, 1)


async def test_a_cancel_cut_by_the_deadline_leaves_no_time_to_read(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.script(SLOW, CANCELLED)
    async with faulty_gateway(aggregator_deadline_margin_seconds=0.3) as gateway:
        result, _ = await timed(gateway.stub.CancelOrder(confirmed(), timeout=1.0))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert result.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert "check the order's status" in (result.details() or "")
    assert (sent(upstream, CANCEL), sent(upstream, DETAILS)) == (1, 0)


async def test_an_order_still_in_progress_at_the_deadline_is_unknown_with_the_order(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.script(RESET_AFTER_READ)
    upstream.default = IN_PROGRESS
    async with faulty_gateway() as gateway:
        result, _ = await timed(gateway.stub.CancelOrder(confirmed(), timeout=2))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert result.code() == grpc.StatusCode.UNKNOWN
    order = attached_order(result)
    assert isinstance(order, Order)
    assert order.status == OrderStatus.ORDER_STATUS_IN_PROGRESS
    assert sent(upstream, CANCEL) == 1
    # Pauses of 0.25, 0.5, 1 s...: within a 2 s deadline no more than four reads fit.
    assert 1 <= sent(upstream, DETAILS) <= 4


async def test_transient_failures_of_the_reads_are_read_again(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.script(RESET_AFTER_READ, UNAVAILABLE, UNAVAILABLE, CANCELLED)
    async with faulty_gateway() as gateway:
        response = await gateway.stub.CancelOrder(confirmed(), timeout=10)

    assert response.order.status == OrderStatus.ORDER_STATUS_CANCELLED
    assert (sent(upstream, CANCEL), sent(upstream, DETAILS)) == (1, 3)


async def test_an_order_that_cannot_be_read_leaves_the_outcome_unknown(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.script(RESET_AFTER_READ, json_reply({"title": "Not Found", "status": 404}, 404))
    async with faulty_gateway() as gateway:
        result, _ = await timed(gateway.stub.CancelOrder(confirmed(), timeout=10))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert result.code() == grpc.StatusCode.UNKNOWN
    assert attached_order(result) is None
    assert (sent(upstream, CANCEL), sent(upstream, DETAILS)) == (1, 1)


async def test_an_ok_cancel_whose_order_cannot_be_read_is_ok_but_pending(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.script(CANCEL_OK)
    upstream.default = UNAVAILABLE
    async with faulty_gateway() as gateway:
        response = await gateway.stub.CancelOrder(confirmed(), timeout=2)

    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_PENDING
    assert not response.HasField("order")
    assert sent(upstream, CANCEL) == 1
    assert sent(upstream, DETAILS) >= 1
