"""Resources are bounded and released: message sizes, the connection pool, and the log of an
unknown cancel outcome."""

from __future__ import annotations

import logging

import grpc
import pytest

from tests.e2e import requests
from tests.faults.conftest import GatewayFactory, timed
from tests.faults.upstream import FaultyUpstream, Reply


async def test_a_request_over_the_grpc_receive_limit_is_refused(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    async with faulty_gateway(aggregator_grpc_max_receive_bytes=2048) as gateway:
        oversized = requests.holdings("mk_1", *(f"acc_{n:05d}" for n in range(400)))
        result, _ = await timed(gateway.stub.GetHoldings(oversized))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert result.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert upstream.attempts == 0


async def test_the_upstream_connection_pool_is_closed_on_shutdown(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    async with faulty_gateway() as gateway:
        await gateway.stub.GetHoldingsValue(requests.holdings_value())
        await gateway.stub.GetHoldingsValue(requests.holdings_value())
        assert upstream.connections == 1, "the pooled connection is reused"
        assert upstream.closed == 0

    await upstream.wait_for("closed", 1)


async def test_an_unknown_cancel_outcome_is_logged_with_the_advice(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream, caplog: pytest.LogCaptureFixture
) -> None:
    upstream.default = Reply(503, b"")
    async with faulty_gateway() as gateway:
        await timed(gateway.stub.CancelOrder(requests.cancel()))

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("outcome unknown" in w and "check the order's status" in w for w in warnings)
