"""A SnapTrade cancel is sent at most once whatever goes wrong once it may have left the
gateway, and `confirm` settles an unknown outcome by reading the order, never by cancelling
again."""

from __future__ import annotations

import grpc
import pytest

from aggregator.v1.aggregator_service_pb2 import CancelConfirmation, CancelOrderRequest
from aggregator.v1.connection_pb2 import Connection, SnapTradeAccount
from aggregator.v1.order_pb2 import OrderStatus
from tests.faults.conftest import GatewayFactory, timed
from tests.faults.upstream import Behaviour, FaultyUpstream, Reply, Reset, Truncated, json_reply

CONNECTION = Connection(
    snaptrade=SnapTradeAccount(
        user_id="alice", user_secret="secret", account_id="917c8734-8470-4a3e-a18f-57c3f2ee6631"
    )
)
CANCELLED = json_reply(
    {
        "brokerage_order_id": "ord-1",
        "status": "CANCELED",
        "price_effect": "DEBIT",
        "legs": [{"instrument": {"symbol": "AAPL", "asset_type": "EQUITY"}, "action": "BUY"}],
    }
)
PENDING = json_reply({"brokerage_order_id": "ord-1", "status": "PENDING", "price_effect": "DEBIT"})
FAULTS: list[Behaviour] = [
    Reply(500, b'{"detail": "Encountered an unexpected exception.", "code": 1000}'),
    Reply(502, b""),
    Reply(503, b'{"detail": "busy syncing", "status_code": 503, "code": 3002}'),
    Reply(504, b""),
    Reset(after_reading=True),
    Reset(after_reading=False),
    Truncated(b'{"brokerage_order_id": "or', declared=200),
]
FAULT_IDS = ["500", "502", "503", "504", "reset-after-read", "reset-before-read", "truncated"]


def cancel(confirm: bool = False) -> CancelOrderRequest:
    return CancelOrderRequest(connection=CONNECTION, order_id="ord-1", confirm=confirm)


def cancels_sent(upstream: FaultyUpstream) -> int:
    """The cancels that reached the upstream; a request reset before it was read can only be
    the cancel, the first of each exchange."""
    return len(paths(upstream, "/trading/cancel")) + upstream.unread


def paths(upstream: FaultyUpstream, ending: str) -> list[str]:
    """The paths, without their query, of the requests whose path ends with `ending`."""
    return [
        path
        for path in (request.path.partition("?")[0] for request in upstream.requests)
        if path.endswith(ending)
    ]


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
async def test_a_cancel_that_may_have_arrived_is_unknown_and_sent_once(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream, fault: Behaviour
) -> None:
    upstream.default = fault
    async with faulty_gateway() as gateway:
        result, _ = await timed(gateway.stub.CancelOrder(cancel(), timeout=10))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert result.code() in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL)
    assert "check the order's status" in (result.details() or "")
    assert upstream.attempts == 1


@pytest.mark.parametrize("fault", FAULTS[:6], ids=FAULT_IDS[:6])
async def test_confirm_reads_the_order_after_a_lost_answer_and_never_cancels_again(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream, fault: Behaviour
) -> None:
    upstream.script(fault, CANCELLED)
    async with faulty_gateway() as gateway:
        response = await gateway.stub.CancelOrder(cancel(confirm=True), timeout=10)

    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_CONFIRMED
    assert response.order.status == OrderStatus.ORDER_STATUS_CANCELLED
    assert len(paths(upstream, "/orders/details/v2/ord-1")) == 1
    assert cancels_sent(upstream) == 1


async def test_an_order_read_pending_twice_leaves_the_outcome_unknown(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.script(Reply(502, b""), PENDING, PENDING)
    async with faulty_gateway() as gateway:
        result, _ = await timed(gateway.stub.CancelOrder(cancel(confirm=True), timeout=10))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert result.code() == grpc.StatusCode.UNKNOWN
    assert upstream.attempts == 3
    assert cancels_sent(upstream) == 1


async def test_a_failing_read_after_a_lost_answer_keeps_it_unknown(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.script(Reset(after_reading=True), Reply(503, b""), Reply(503, b""), Reply(503, b""))
    async with faulty_gateway(aggregator_retry_max_attempts=3) as gateway:
        result, _ = await timed(gateway.stub.CancelOrder(cancel(confirm=True), timeout=10))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert result.code() == grpc.StatusCode.UNKNOWN
    assert cancels_sent(upstream) == 1


async def test_a_cancel_that_never_connected_is_unavailable_not_unknown(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    """A refused connection is certainly never sent: the one case a cancel may be tried again."""
    upstream.default = json_reply({"brokerage_order_id": "ord-1", "raw_response": None})
    async with faulty_gateway() as gateway:
        await upstream.stop()
        result, _ = await timed(gateway.stub.CancelOrder(cancel(), timeout=10))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert result.code() == grpc.StatusCode.UNAVAILABLE
    assert "was not sent" in (result.details() or "")
