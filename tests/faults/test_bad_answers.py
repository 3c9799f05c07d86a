"""Answers no upstream should send: too big, endless, dripping, truncated, malformed, redirected."""

from __future__ import annotations

import grpc
import pytest

from aggregator.v1.aggregator_service_pb2 import GetHoldingsValueResponse
from tests.e2e import requests
from tests.e2e.richstatus import unpack
from tests.faults.conftest import GatewayFactory, timed
from tests.faults.upstream import Drip, Endless, FaultyUpstream, Reply, Truncated, json_reply

SMALL_CAP = {"aggregator_max_response_bytes": 64 * 1024}


async def test_an_endless_body_is_cut_at_the_cap(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = Endless()
    async with faulty_gateway(**SMALL_CAP) as gateway:
        result, _ = await timed(
            gateway.stub.GetHoldingsValue(requests.holdings_value(), timeout=30)
        )

        assert isinstance(result, grpc.aio.AioRpcError)
        status = unpack(result)
        assert status.code == grpc.StatusCode.INTERNAL
        assert status.error_info is not None
        assert status.error_info.reason == "UPSTREAM_BAD_RESPONSE"
        assert "65536-byte limit" in status.message
        assert upstream.attempts == 1
        await upstream.wait_for("abandoned", 1)


async def test_a_body_over_the_cap_fails_cleanly(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = Reply(body=b'{"status": "ok", "pad": "' + b"x" * 100_000 + b'"}')
    async with faulty_gateway(**SMALL_CAP) as gateway:
        result, _ = await timed(gateway.stub.GetHoldingsValue(requests.holdings_value()))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert result.code() == grpc.StatusCode.INTERNAL
    assert upstream.attempts == 1


async def test_a_dripping_body_ends_at_the_deadline(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = Drip(b'{"status": "ok", "content": {}}', interval=1.0)
    async with faulty_gateway(aggregator_deadline_margin_seconds=0.3) as gateway:
        result, elapsed = await timed(
            gateway.stub.GetHoldingsValue(requests.holdings_value(), timeout=2)
        )

        assert isinstance(result, grpc.aio.AioRpcError)
        assert unpack(result).code == grpc.StatusCode.DEADLINE_EXCEEDED
        assert elapsed < 2
        await upstream.wait_for("abandoned", 1)


async def test_a_truncated_body_is_a_transient_failure_of_a_read(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = Truncated(b'{"status": "ok"', declared=100)
    async with faulty_gateway() as gateway:
        result, _ = await timed(gateway.stub.GetHoldingsValue(requests.holdings_value()))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert result.code() == grpc.StatusCode.UNAVAILABLE
    assert upstream.attempts == 3


async def test_a_truncated_body_on_a_cancel_is_an_unknown_outcome(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = Truncated(b'{"status": "ok"', declared=100)
    async with faulty_gateway() as gateway:
        result, _ = await timed(gateway.stub.CancelOrder(requests.cancel()))

    assert isinstance(result, grpc.aio.AioRpcError)
    assert result.code() == grpc.StatusCode.UNKNOWN
    assert upstream.attempts == 1


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body=b'{"status": "ok", "content": {"totalValue": 1.2.3}}'),
        Reply(body=b"<html><body>Oops</body></html>", headers=(("Content-Type", "text/html"),)),
        Reply(body=b'{"status": "ok", "content": {"totalValue": 1e999999999}}'),
        Reply(body=b'{"status": "ok", "content": {"totalValue": ' + b"9" * 5000 + b"}}"),
        Reply(body=b"[" * 100_000 + b"]" * 100_000),
        Reply(body=b'{"status": "ok", "content": {"totalValue": "NaN"}}'),
        Reply(body=b'{"status": "ok", "content": {"totalValue": true}}'),
        Reply(body=b""),
    ],
    ids=["invalid-json", "html", "huge-exponent", "5000-digits", "deeply-nested", "nan",
         "bool", "empty"],
)  # fmt: skip
async def test_a_malformed_answer_is_internal_and_not_retried(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream, reply: Reply
) -> None:
    upstream.default = reply
    async with faulty_gateway() as gateway:
        result, _ = await timed(gateway.stub.GetHoldingsValue(requests.holdings_value()))

    assert isinstance(result, grpc.aio.AioRpcError)
    status = unpack(result)
    assert status.code == grpc.StatusCode.INTERNAL
    assert status.error_info is not None
    assert status.error_info.reason == "UPSTREAM_BAD_RESPONSE"
    assert upstream.attempts == 1


async def test_a_large_but_plausible_number_stays_exact(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    digits = "123456789012345678901234567890.123456789012345678"
    upstream.default = Reply(
        body=b'{"status": "ok", "content": {"totalValue": %s}}' % digits.encode()
    )
    async with faulty_gateway() as gateway:
        response = await gateway.stub.GetHoldingsValue(requests.holdings_value())

    assert isinstance(response, GetHoldingsValueResponse)
    assert response.total_value == digits


async def test_a_redirect_to_another_host_is_not_followed(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    other = FaultyUpstream()
    await other.start()
    try:
        upstream.default = Reply(302, b"", (("Location", f"{other.url}/api/v1/holdings/value"),))
        async with faulty_gateway() as gateway:
            result, _ = await timed(gateway.stub.GetHoldingsValue(requests.holdings_value()))
    finally:
        await other.stop()

    assert isinstance(result, grpc.aio.AioRpcError)
    assert result.code() == grpc.StatusCode.INTERNAL
    assert upstream.attempts == 1
    assert other.attempts == 0
    assert other.connections == 0


async def test_a_moneykit_redirect_is_not_followed_either(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    other = FaultyUpstream()
    await other.start()
    try:
        upstream.default = json_reply({}, 307, Location=f"{other.url}/links/x/investments/holdings")
        async with faulty_gateway() as gateway:
            result, _ = await timed(gateway.stub.GetHoldings(requests.holdings()))
    finally:
        await other.stop()

    assert isinstance(result, grpc.aio.AioRpcError)
    assert other.connections == 0
