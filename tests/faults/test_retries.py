"""Reads are retried on transient failures, within attempts, deadline and budget; cancels never
are once they may have reached the upstream."""

from __future__ import annotations

import grpc
import pytest

from aggregator.v1.aggregator_service_pb2 import GetHoldingsValueResponse
from tests.e2e import requests
from tests.e2e.richstatus import unpack
from tests.faults.conftest import GatewayFactory, timed
from tests.faults.upstream import FaultyUpstream, Reply, Reset, json_reply

OK = Reply()
UNAVAILABLE_503 = Reply(503, b"<html>Service Unavailable</html>", (("Content-Type", "text/html"),))
SERVER_FAILURE = json_reply({"status": "serverFailure", "message": "Broker timed out"})


def rate_limited(retry_after: str) -> Reply:
    return json_reply({"status": "tooManyRequest"}, 429, **{"Retry-After": retry_after})


@pytest.mark.parametrize(
    ("script", "attempts"),
    [
        ((UNAVAILABLE_503, UNAVAILABLE_503, OK), 3),
        ((Reply(502, b""), OK), 2),
        ((Reply(504, b""), OK), 2),
        ((SERVER_FAILURE, OK), 2),
        ((Reset(after_reading=True), OK), 2),
        ((Reset(after_reading=False), OK), 2),
    ],
    ids=["503-503-200", "502-200", "504-200", "serverFailure-200", "reset-after-read-200",
         "reset-before-read-200"],
)  # fmt: skip
async def test_a_read_is_retried_through_transient_failures(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream, script: tuple[Reply], attempts: int
) -> None:
    upstream.script(*script)
    async with faulty_gateway() as gateway:
        response = await gateway.stub.GetHoldingsValue(requests.holdings_value(), timeout=10)

    assert isinstance(response, GetHoldingsValueResponse)
    assert response.total_value == "186.03"
    assert upstream.attempts == attempts


@pytest.mark.parametrize("max_attempts", [1, 3, 5])
async def test_a_read_gives_up_after_the_configured_attempts(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream, max_attempts: int
) -> None:
    upstream.default = UNAVAILABLE_503
    async with faulty_gateway(aggregator_retry_max_attempts=max_attempts) as gateway:
        result, _ = await timed(gateway.stub.GetHoldingsValue(requests.holdings_value()))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert result.code() == grpc.StatusCode.UNAVAILABLE
    assert upstream.attempts == max_attempts


@pytest.mark.parametrize(
    "reply",
    [Reply(500, b""), json_reply({"status": "badRequest"}, 400), Reply(404, b"")],
    ids=["500", "400", "404"],
)
async def test_a_read_is_not_retried_on_a_non_transient_answer(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream, reply: Reply
) -> None:
    upstream.default = reply
    async with faulty_gateway() as gateway:
        result, _ = await timed(gateway.stub.GetHoldingsValue(requests.holdings_value()))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert upstream.attempts == 1


async def test_a_429_whose_retry_after_fits_is_waited_for_and_retried(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.script(rate_limited("1"), OK)
    async with faulty_gateway() as gateway:
        result, elapsed = await timed(
            gateway.stub.GetHoldingsValue(requests.holdings_value(), timeout=10)
        )

    assert isinstance(result, GetHoldingsValueResponse)
    assert upstream.attempts == 2
    assert elapsed >= 1.0


@pytest.mark.parametrize(
    ("retry_after", "delay_seconds"), [("3600", 3600), ("garbage", None)], ids=["3600", "garbage"]
)
async def test_a_429_that_cannot_be_waited_for_fails_at_once(
    faulty_gateway: GatewayFactory,
    upstream: FaultyUpstream,
    retry_after: str,
    delay_seconds: int | None,
) -> None:
    upstream.default = rate_limited(retry_after)
    async with faulty_gateway() as gateway:
        result, elapsed = await timed(
            gateway.stub.GetHoldingsValue(requests.holdings_value(), timeout=10)
        )

    assert isinstance(result, grpc.aio.AioRpcError)
    status = unpack(result)
    assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert upstream.attempts == 1
    assert elapsed < 5
    if delay_seconds is None:
        assert status.retry_info is None
    else:
        assert status.retry_info is not None
        assert status.retry_info.retry_delay.seconds == delay_seconds


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (UNAVAILABLE_503, grpc.StatusCode.UNKNOWN),
        (Reply(502, b""), grpc.StatusCode.UNKNOWN),
        (SERVER_FAILURE, grpc.StatusCode.UNKNOWN),
        (Reset(after_reading=True), grpc.StatusCode.UNKNOWN),
        (Reset(after_reading=False), grpc.StatusCode.UNKNOWN),
        (rate_limited("1"), grpc.StatusCode.RESOURCE_EXHAUSTED),
    ],
    ids=["503", "502", "serverFailure", "reset-after-read", "reset-before-read", "429"],
)
async def test_a_cancel_that_may_have_reached_the_upstream_is_sent_exactly_once(
    faulty_gateway: GatewayFactory,
    upstream: FaultyUpstream,
    reply: Reply | Reset,
    code: grpc.StatusCode,
) -> None:
    upstream.default = reply
    async with faulty_gateway() as gateway:
        result, _ = await timed(gateway.stub.CancelOrder(requests.cancel(), timeout=10))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert result.code() == code
    if code == grpc.StatusCode.UNKNOWN:
        assert "check the order's status" in (result.details() or "")
    assert upstream.connections == 1
    assert upstream.attempts == 1


async def test_a_cancel_read_timeout_is_unknown_and_sent_once(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = Reply(delay=30)
    async with faulty_gateway(aggregator_upstream_timeout_seconds=0.3) as gateway:
        result, _ = await timed(gateway.stub.CancelOrder(requests.cancel(), timeout=10))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert result.code() == grpc.StatusCode.UNKNOWN
    assert upstream.attempts == 1


async def test_a_read_timeout_on_a_read_is_retried(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.script(Reply(delay=30), OK)
    async with faulty_gateway(aggregator_upstream_timeout_seconds=0.3) as gateway:
        response = await gateway.stub.GetHoldingsValue(requests.holdings_value(), timeout=10)

    assert response.total_value == "186.03"
    assert upstream.attempts == 2
