"""Deadlines bound every upstream exchange; a cancelled caller aborts the upstream request."""

from __future__ import annotations

import asyncio

import grpc

from tests.e2e import requests
from tests.e2e.richstatus import unpack
from tests.faults.conftest import GatewayFactory, timed
from tests.faults.upstream import FaultyUpstream, Hold, Reply

SLOW = Reply(delay=30)


def gateway_answer(result: object) -> grpc.aio.AioRpcError:
    """The error, checked to be the gateway's own answer (the client's deadline has no details)."""
    assert isinstance(result, grpc.aio.AioRpcError), result
    status = unpack(result)
    assert status.error_info is not None, "the caller's own deadline fired first"
    return result


async def test_a_slow_upstream_ends_in_deadline_exceeded_before_the_callers_deadline(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = SLOW
    async with faulty_gateway(aggregator_deadline_margin_seconds=0.3) as gateway:
        result, elapsed = await timed(
            gateway.stub.GetHoldingsValue(requests.holdings_value(), timeout=1.5)
        )

        error = gateway_answer(result)
        assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert unpack(error).error_info.reason == "DEADLINE_EXCEEDED"  # type: ignore[union-attr]
        assert elapsed < 1.5
        assert upstream.attempts == 1
        await upstream.wait_for("abandoned", 1)


async def test_a_caller_without_deadline_gets_the_default_one(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = SLOW
    async with faulty_gateway(aggregator_default_deadline_seconds=0.5) as gateway:
        result, elapsed = await timed(gateway.stub.GetHoldingsValue(requests.holdings_value()))

        assert gateway_answer(result).code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert elapsed < 10
        await upstream.wait_for("abandoned", 1)


async def test_a_cancel_cut_by_the_deadline_is_sent_once_and_says_to_check_the_order(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = SLOW
    async with faulty_gateway(aggregator_deadline_margin_seconds=0.3) as gateway:
        result, _ = await timed(gateway.stub.CancelOrder(requests.cancel(), timeout=1.0))

        error = gateway_answer(result)
        assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert "check the order's status" in (error.details() or "")
        assert upstream.attempts == 1


async def test_a_caller_that_cancels_aborts_the_upstream_request(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    release = asyncio.Event()
    upstream.default = Hold(release)
    async with faulty_gateway() as gateway:
        call = gateway.stub.GetHoldingsValue(requests.holdings_value(), timeout=30)
        await upstream.wait_for("attempts", 1)

        call.cancel()

        await upstream.wait_for("abandoned", 1)
        assert upstream.attempts == 1
        release.set()


async def test_a_retry_never_goes_past_the_deadline(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = Reply(503, b"")
    async with faulty_gateway(
        aggregator_retry_max_attempts=50,
        aggregator_retry_base_delay_seconds=0.2,
        aggregator_retry_max_delay_seconds=0.2,
        aggregator_deadline_margin_seconds=0.3,
    ) as gateway:
        result, elapsed = await timed(
            gateway.stub.GetHoldingsValue(requests.holdings_value(), timeout=1.5)
        )

        error = gateway_answer(result)
        assert error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
        assert elapsed < 1.5
        # Back-offs of at most 0.2 s within 1.2 s leave room for a handful of attempts, not 50.
        assert 2 <= upstream.attempts < 50
