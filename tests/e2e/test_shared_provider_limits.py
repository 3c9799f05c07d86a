"""A provider's documented limits hold across replicas: three gateway processes sharing one
Redis send a provider no more requests than its limit allows, whichever replica each call
reaches, and refuse the rest with RESOURCE_EXHAUSTED and the time until there is room. The
requests are counted where they arrive: at the sandbox upstream."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import grpc
import pytest
import redis.asyncio

from aggregator.v1.aggregator_service_pb2 import GetBalancesRequest, GetHoldingsRequest
from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from aggregator.v1.connection_pb2 import Connection, PlaidItem
from service.providers.registry import PROVIDERS
from service.sandbox import SandboxUpstreams
from service.sandbox.plaid import triggers
from tests.e2e.processes import free_port, gateway_process
from tests.e2e.richstatus import unpack
from tests.support.redis_server import redis_server

REPLICAS = 3
CALLS_PER_REPLICA = 8
PLAID_HOLDINGS_PER_ITEM = 15
"""Plaid's documented limit, which the gateway keeps by default."""
SNAPTRADE_PER_CLIENT = 5
"""`SNAPTRADE_REQUESTS_PER_MINUTE` for this test, so that it need not send 250 requests."""
HOLDINGS_PATH = "/investments/holdings/get"


def provider_environment(sandbox: SandboxUpstreams) -> dict[str, str]:
    """Every provider's settings pointing at its sandbox simulator, as environment variables."""
    environment = {}
    for provider in PROVIDERS:
        simulator = sandbox.simulators[provider.name]
        prefix = str(provider.settings_type.model_config.get("env_prefix", ""))
        environment[f"{prefix}BASE_URL"] = simulator.url
        for name, value in simulator.credentials.items():
            environment[f"{prefix}{name}".upper()] = value
    return environment


@dataclass(frozen=True)
class Replicas:
    addresses: list[str]
    redis_url: str


@pytest.fixture(scope="module")
def replicas(
    sandbox_upstreams: SandboxUpstreams, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replicas]:
    """Three gateway processes with one Redis and one state secret: replicas of one gateway."""
    with ExitStack() as stack:
        redis = stack.enter_context(redis_server(tmp_path_factory.mktemp("redis")))
        environment = {
            **provider_environment(sandbox_upstreams),
            "AGGREGATOR_SANDBOX": "false",
            # One process per replica: killing it at the end then leaves no worker behind.
            "AGGREGATOR_WORKERS": "1",
            "AGGREGATOR_REDIS_URL": redis.url,
            "AGGREGATOR_STATE_SECRET": base64.b64encode(b"r" * 32).decode(),
            "SNAPTRADE_REQUESTS_PER_MINUTE": str(SNAPTRADE_PER_CLIENT),
        }
        addresses = [f"127.0.0.1:{free_port()}" for _ in range(REPLICAS)]
        for address in addresses:
            stack.enter_context(gateway_process(address, environment))
        yield Replicas(addresses, redis.url)


@pytest.fixture
async def stubs(replicas: Replicas) -> AsyncIterator[list[AggregatorServiceStub]]:
    channels = [grpc.aio.insecure_channel(address) for address in replicas.addresses]
    try:
        yield [AggregatorServiceStub(channel) for channel in channels]
    finally:
        for channel in channels:
            await channel.close()


@dataclass
class Outcomes:
    passed: int
    refused: list[float]
    """The retry delay of each refused call, in seconds."""
    domains: set[str]
    """The ErrorInfo domains of the refusals."""


async def spread(
    stubs: list[AggregatorServiceStub],
    call: Callable[[AggregatorServiceStub], Awaitable[object]],
) -> Outcomes:
    """`CALLS_PER_REPLICA` calls on every replica at once (one after another on each, so that
    no replica coalesces them): how many passed, and the retry delays of the refused ones."""
    passed = 0
    refused: list[float] = []

    async def on(stub: AggregatorServiceStub) -> None:
        nonlocal passed
        for _ in range(CALLS_PER_REPLICA):
            try:
                await call(stub)
            except grpc.aio.AioRpcError as error:
                rich = unpack(error)
                assert rich.code == grpc.StatusCode.RESOURCE_EXHAUSTED, rich.message
                assert rich.error_info is not None
                assert rich.error_info.reason == "UPSTREAM_RATE_LIMITED"
                assert "Nothing was sent" in rich.message
                assert rich.retry_info is not None
                refused.append(rich.retry_info.retry_delay.ToNanoseconds() / 1e9)
                domains.add(rich.error_info.domain)
            else:
                passed += 1

    domains: set[str] = set()
    await asyncio.gather(*(on(stub) for stub in stubs))
    return Outcomes(passed, refused, domains)


def plaid_holdings_sent(sandbox: SandboxUpstreams, access_token: str) -> int:
    return sum(
        1
        for request in sandbox.plaid.requests
        if request.path == HOLDINGS_PATH
        and json.loads(request.body).get("access_token") == access_token
    )


async def test_a_plaid_items_holdings_reads_over_three_replicas_stay_within_plaids_limit(
    sandbox: SandboxUpstreams, stubs: list[AggregatorServiceStub]
) -> None:
    item = Connection(plaid=PlaidItem(access_token=triggers.PLAID_BROKERAGE))

    outcomes = await spread(
        stubs, lambda stub: stub.GetHoldings(GetHoldingsRequest(connection=item), timeout=10)
    )

    sent = plaid_holdings_sent(sandbox, triggers.PLAID_BROKERAGE)
    print(
        f"\n{outcomes.passed} of {REPLICAS * CALLS_PER_REPLICA} holdings reads of one Item over "
        f"{REPLICAS} replicas passed; Plaid received {sent}"
    )
    assert outcomes.passed == PLAID_HOLDINGS_PER_ITEM
    assert sent == PLAID_HOLDINGS_PER_ITEM
    assert len(outcomes.refused) == REPLICAS * CALLS_PER_REPLICA - PLAID_HOLDINGS_PER_ITEM
    assert all(0 < delay <= 60 for delay in outcomes.refused)
    assert outcomes.domains == {"plaid"}
    # Another Item has an allowance of its own, on every replica.
    other = Connection(plaid=PlaidItem(access_token=triggers.PLAID_RETIREMENT))
    for stub in stubs:
        answer = await stub.GetHoldings(GetHoldingsRequest(connection=other), timeout=10)
        assert answer.holdings
    assert plaid_holdings_sent(sandbox, triggers.PLAID_RETIREMENT) == REPLICAS


async def test_snaptrades_per_client_limit_holds_over_three_replicas(
    sandbox: SandboxUpstreams, stubs: list[AggregatorServiceStub]
) -> None:
    (snaptrade,) = [provider for provider in PROVIDERS if provider.name == "snaptrade"]
    users = (snaptrade.sandbox_cases.ok, snaptrade.sandbox_cases.other_user)
    turn = iter(range(REPLICAS * CALLS_PER_REPLICA))

    async def balances(stub: AggregatorServiceStub) -> object:
        # Users alternate: the limit is the client id's, whichever user a request is for.
        connection = users[next(turn) % 2]
        return await stub.GetBalances(GetBalancesRequest(connection=connection), timeout=10)

    outcomes = await spread(stubs, balances)

    assert outcomes.passed == SNAPTRADE_PER_CLIENT
    assert len(sandbox.snaptrade.requests) == SNAPTRADE_PER_CLIENT
    assert len(outcomes.refused) == REPLICAS * CALLS_PER_REPLICA - SNAPTRADE_PER_CLIENT
    assert all(0 < delay <= 60 for delay in outcomes.refused)
    assert outcomes.domains == {"snaptrade"}


async def test_redis_holds_digests_of_the_windows_never_a_token_or_client_id(
    sandbox: SandboxUpstreams, replicas: Replicas, stubs: list[AggregatorServiceStub]
) -> None:
    item = Connection(plaid=PlaidItem(access_token=triggers.PLAID_RETIREMENT))
    await stubs[0].GetHoldings(GetHoldingsRequest(connection=item), timeout=10)

    client = redis.asyncio.Redis.from_url(replicas.redis_url)
    try:
        keys = [key.decode() async for key in client.scan_iter("*")]
        members = [
            member.decode()
            for key in keys
            if key.startswith("aggregator:call-limit:")
            for member in await client.zrange(key, 0, -1)
        ]
    finally:
        await client.aclose()

    windows = [key for key in keys if key.startswith("aggregator:call-limit:")]
    # The Item's window and the client's, at least.
    assert len(windows) >= 2
    assert all(len(key.removeprefix("aggregator:call-limit:")) == 64 for key in windows)
    secrets = [triggers.PLAID_RETIREMENT, *sandbox.plaid.credentials.values()]
    for text in (*keys, *members):
        assert not any(secret in text for secret in secrets)
