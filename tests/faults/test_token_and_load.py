"""MoneyKit's token endpoint failing or slow, and retry amplification under a full outage."""

from __future__ import annotations

import asyncio

import grpc

from service.observability.metrics import REGISTRY
from tests.e2e import requests
from tests.faults.conftest import GatewayFactory, timed
from tests.faults.upstream import FaultyUpstream, Reply, json_reply

HOLDINGS = json_reply(
    {"holdings": [], "securities": [], "accounts": [], "link": {"link_id": "mk_1"}}
)


async def test_a_failing_token_endpoint_gives_a_clear_error_and_is_not_hammered(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.token_reply = Reply(500, b"")
    upstream.default = HOLDINGS
    async with faulty_gateway(moneykit_token_failure_backoff_seconds=60) as gateway:
        results = [await timed(gateway.stub.GetHoldings(requests.holdings())) for _ in range(5)]

    for result, _ in results:
        assert isinstance(result, grpc.aio.AioRpcError)
        assert result.code() == grpc.StatusCode.UNAVAILABLE
        assert "Could not get a MoneyKit access token" in (result.details() or "")
    assert upstream.token_requests == 1
    assert upstream.attempts == 0


async def test_the_token_endpoint_is_asked_again_after_the_back_off(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    good_token = upstream.token_reply
    upstream.token_reply = Reply(503, b"")
    upstream.default = HOLDINGS
    async with faulty_gateway(moneykit_token_failure_backoff_seconds=0.2) as gateway:
        failed, _ = await timed(gateway.stub.GetHoldings(requests.holdings()))
        upstream.token_reply = good_token
        await asyncio.sleep(0.3)
        response = await gateway.stub.GetHoldings(requests.holdings())

    assert isinstance(failed, grpc.aio.AioRpcError)
    assert response.link.link_id == "mk_1"
    assert upstream.token_requests == 2


async def test_concurrent_calls_wait_for_one_slow_token_refresh(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    token = b'{"access_token": "slow-token", "token_type": "bearer", "expires_in": 3600}'
    upstream.token_reply = Reply(body=token, delay=0.3)
    upstream.default = HOLDINGS
    async with faulty_gateway() as gateway:
        responses = await asyncio.gather(
            *(gateway.stub.GetHoldings(requests.holdings(), timeout=10) for _ in range(20))
        )

    assert len(responses) == 20
    assert upstream.token_requests == 1
    assert {r.headers["authorization"] for r in upstream.requests} == {"Bearer slow-token"}


async def test_retries_against_an_always_failing_upstream_stay_within_the_budget(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    upstream.default = Reply(503, b"")
    calls = 1000
    settings = {
        "aggregator_breaker_failure_threshold": 0,
        "aggregator_retry_base_delay_seconds": 0.001,
        "aggregator_retry_max_delay_seconds": 0.002,
        # One window longer than any run and no floor: the share is then the ratio exactly,
        # however slowly a loaded machine serves the calls.
        "aggregator_retry_budget_window_seconds": 3600,
        "aggregator_retry_budget_min_per_second": 0,
    }
    exhausted_before = exhausted_retry_budgets()
    async with faulty_gateway(**settings) as gateway:
        limit = asyncio.Semaphore(50)

        async def one_call(user: int) -> grpc.StatusCode:
            async with limit:
                result, _ = await timed(
                    gateway.stub.GetHoldingsValue(requests.holdings_value(f"u{user}"), timeout=30)
                )
            assert isinstance(result, grpc.aio.AioRpcError)
            return result.code()

        codes = await asyncio.gather(*(one_call(user) for user in range(calls)))

    amplification = upstream.attempts / calls
    print(f"retry amplification against an always-503 upstream: {amplification:.3f}x")
    assert set(codes) == {grpc.StatusCode.UNAVAILABLE}
    assert 1.0 < amplification <= 1.2
    # A call the budget refused counts once; one it never refused made all its retries.
    retries = upstream.attempts - calls
    assert calls - retries <= exhausted_retry_budgets() - exhausted_before <= calls


def exhausted_retry_budgets() -> float:
    value = REGISTRY.get_sample_value(
        "aggregator_retry_budget_exhausted_total", {"provider": "mesh"}
    )
    return value or 0.0
