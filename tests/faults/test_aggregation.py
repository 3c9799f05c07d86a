"""Aggregation under controlled upstreams: coalescing, tenant separation, cancelled streams."""

from __future__ import annotations

import asyncio
import json

from aggregator.v1.aggregator_service_pb2 import StreamPortfolioRequest
from tests.e2e import requests
from tests.faults.conftest import GatewayFactory
from tests.faults.upstream import FaultyUpstream, Hold

SETTLE_SECONDS = 0.5
"""Time for concurrent calls on loopback to reach the gateway before the upstream answers."""


async def test_identical_concurrent_reads_share_one_upstream_request(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    release = asyncio.Event()
    upstream.default = Hold(release)
    async with faulty_gateway() as gateway:
        calls = [
            asyncio.ensure_future(
                gateway.stub.GetHoldingsValue(requests.holdings_value("alice"), timeout=30)
            )
            for _ in range(10)
        ]
        await upstream.wait_for("attempts", 1)
        await asyncio.sleep(SETTLE_SECONDS)
        release.set()
        responses = await asyncio.gather(*calls)

    assert [r.total_value for r in responses] == ["186.03"] * 10
    assert upstream.attempts == 1


async def test_two_users_never_share_a_coalesced_request(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    release = asyncio.Event()
    upstream.default = Hold(release)
    async with faulty_gateway() as gateway:
        calls = [
            asyncio.ensure_future(
                gateway.stub.GetHoldingsValue(requests.holdings_value(user), timeout=30)
            )
            for user in ["alice", "bob"] * 5
        ]
        await upstream.wait_for("attempts", 2)
        await asyncio.sleep(SETTLE_SECONDS)
        release.set()
        await asyncio.gather(*calls)

    assert upstream.attempts == 2
    tokens = sorted(json.loads(request.body)["authToken"] for request in upstream.requests)
    assert tokens == ["alice", "bob"]


async def test_cancelling_a_portfolio_stream_aborts_every_upstream_request(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    release = asyncio.Event()
    upstream.default = Hold(release)
    connections = [requests.mesh(f"user-{n}") for n in range(3)]
    async with faulty_gateway() as gateway:
        stream = gateway.stub.StreamPortfolio(
            StreamPortfolioRequest(connections=connections), timeout=30
        )
        # Each Mesh connection asks for holdings and for their value.
        await upstream.wait_for("attempts", 6)

        stream.cancel()

        await upstream.wait_for("abandoned", 6)
        release.set()
    assert upstream.attempts == 6
