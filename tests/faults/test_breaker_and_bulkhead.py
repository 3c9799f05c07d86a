"""The circuit breaker stops traffic to a failing provider; the bulkhead bounds concurrency."""

from __future__ import annotations

import asyncio
import logging

import grpc
import pytest

from tests.e2e import requests
from tests.e2e.richstatus import unpack
from tests.faults.conftest import GatewayFactory, timed
from tests.faults.upstream import FaultyUpstream, Hold, Reply

FAILING = Reply(503, b"")
BREAKER = {
    "aggregator_breaker_failure_threshold": 3,
    "aggregator_breaker_cooldown_seconds": 0.5,
    "aggregator_retry_max_attempts": 1,
}


async def fail_times(gateway_stub: object, count: int) -> None:
    for _ in range(count):
        result, _ = await timed(gateway_stub.GetHoldingsValue(requests.holdings_value()))  # type: ignore[attr-defined]
        assert isinstance(result, grpc.aio.AioRpcError)


async def test_an_open_circuit_fails_fast_with_zero_upstream_traffic(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    upstream.default = FAILING
    async with faulty_gateway(**BREAKER) as gateway:
        await fail_times(gateway.stub, 3)
        assert upstream.attempts == 3

        for _ in range(10):
            result, _ = await timed(gateway.stub.GetHoldingsValue(requests.holdings_value()))
            assert isinstance(result, grpc.aio.AioRpcError)
            status = unpack(result)
            assert status.code == grpc.StatusCode.UNAVAILABLE
            assert status.error_info is not None
            assert status.error_info.reason == "CIRCUIT_OPEN"
            assert status.retry_info is not None

        assert upstream.attempts == 3
    assert "circuit breaker provider=mesh state=open" in caplog.text


async def test_a_successful_probe_after_the_cooldown_closes_the_circuit(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    upstream.default = FAILING
    async with faulty_gateway(**BREAKER) as gateway:
        await fail_times(gateway.stub, 3)
        upstream.default = Reply()
        await asyncio.sleep(0.6)

        probe = await gateway.stub.GetHoldingsValue(requests.holdings_value())
        after = await gateway.stub.GetHoldingsValue(requests.holdings_value())

    assert (probe.total_value, after.total_value) == ("186.03", "186.03")
    assert upstream.attempts == 5
    assert "state=half_open" in caplog.text
    assert "state=closed" in caplog.text


async def test_a_failed_probe_opens_the_circuit_again(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = FAILING
    async with faulty_gateway(**BREAKER) as gateway:
        await fail_times(gateway.stub, 3)
        await asyncio.sleep(0.6)
        await fail_times(gateway.stub, 1)
        assert upstream.attempts == 4

        result, _ = await timed(gateway.stub.GetHoldingsValue(requests.holdings_value()))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert unpack(result).error_info.reason == "CIRCUIT_OPEN"  # type: ignore[union-attr]
    assert upstream.attempts == 4


async def test_client_errors_do_not_open_the_circuit(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = Reply(404, b"")
    async with faulty_gateway(**BREAKER) as gateway:
        await fail_times(gateway.stub, 6)

    assert upstream.attempts == 6


async def test_the_bulkhead_bounds_concurrent_and_waiting_calls(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    release = asyncio.Event()
    upstream.default = Hold(release)
    settings = {"aggregator_max_concurrent_upstream": 2, "aggregator_max_waiting_upstream": 1}
    async with faulty_gateway(**settings) as gateway:
        held = [
            asyncio.ensure_future(
                gateway.stub.GetHoldingsValue(requests.holdings_value(f"user-{n}"), timeout=30)
            )
            for n in range(3)
        ]
        await upstream.wait_for("attempts", 2)

        result, elapsed = await timed(
            gateway.stub.GetHoldingsValue(requests.holdings_value("user-3"), timeout=30)
        )

        assert isinstance(result, grpc.aio.AioRpcError)
        status = unpack(result)
        assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert status.error_info is not None
        assert status.error_info.reason == "UPSTREAM_OVERLOADED"
        assert elapsed < 5
        assert upstream.attempts == 2
        release.set()
        responses = await asyncio.gather(*held)

    assert [response.total_value for response in responses] == ["186.03"] * 3
    assert upstream.attempts == 3
