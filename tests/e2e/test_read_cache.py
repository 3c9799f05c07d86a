"""The read cache callers control, end to end: replicas sharing a real Redis answer a read
with a `max_age` from an answer any of them fetched within it, and count every upstream
request at the sandbox to prove it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import grpc
import pytest
import redis
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message

from aggregator.v1.aggregator_service_pb2 import (
    GetBalancesRequest,
    GetHoldingsRequest,
    GetHoldingsValueRequest,
    GetPortfolioRequest,
    StreamPortfolioRequest,
)
from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.source_pb2 import DataSource
from aggregator_client import AggregatorClient
from service.observability import metrics
from service.process.server import running_gateway
from service.sandbox import SandboxUpstreams
from service.sandbox.mesh.endpoints import BALANCE_PATH, HOLDINGS_GET_PATH, HOLDINGS_VALUE_PATH
from tests.conftest import sandbox_providers
from tests.e2e import requests
from tests.e2e.richstatus import unpack
from tests.e2e.test_shared_state import replicas, shared
from tests.support.redis_server import RedisServer, redis_server

MINUTE = Duration(seconds=60)
TOKEN = "read-cache-token"


@pytest.fixture
def redis_store(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path / "redis") as server:
        yield server


@dataclass(frozen=True)
class Read:
    """One cacheable read: how to call it, and the upstream path each live call requests."""

    name: str
    request: Callable[[str], Message]
    call: Callable[[AggregatorServiceStub, Message], Awaitable[Message]]
    simulator: str
    path: str

    def with_max_age(self, max_age: Duration | None, token: str = TOKEN) -> Message:
        request = self.request(token)
        if max_age is not None:
            request.max_age.CopyFrom(max_age)  # type: ignore[attr-defined]
        return request

    def upstream_requests(self, sandbox: SandboxUpstreams) -> int:
        return sum(
            1 for r in sandbox.simulators[self.simulator].requests if r.path.endswith(self.path)
        )


def _moneykit_holdings(token: str) -> GetHoldingsRequest:
    # A MoneyKit link id is its credential.
    return requests.holdings(f"mk_{token}")


READS = [
    Read(
        "GetHoldingsValue",
        requests.holdings_value,
        lambda stub, r: stub.GetHoldingsValue(r, timeout=10),  # type: ignore[arg-type]
        "mesh",
        HOLDINGS_VALUE_PATH,
    ),
    Read(
        "GetBalances",
        lambda token: requests.balances(requests.mesh(token)),
        lambda stub, r: stub.GetBalances(r, timeout=10),  # type: ignore[arg-type]
        "mesh",
        BALANCE_PATH,
    ),
    Read(
        "GetHoldings",
        _moneykit_holdings,
        lambda stub, r: stub.GetHoldings(r, timeout=10),  # type: ignore[arg-type]
        "moneykit",
        "/investments/holdings",
    ),
]


def source_of(answer: Message) -> DataSource:
    source = answer.source  # type: ignore[attr-defined]
    assert isinstance(source, DataSource)
    return source


def cache_count(method: str, outcome: str) -> float:
    value = metrics.REGISTRY.get_sample_value(
        "aggregator_read_cache_total", {"method": method, "outcome": outcome}
    )
    return value or 0.0


@pytest.mark.parametrize("read", READS, ids=lambda read: read.name)
async def test_a_read_on_one_replica_is_answered_from_the_cache_on_the_others(
    sandbox: SandboxUpstreams, redis_store: RedisServer, read: Read
) -> None:
    async with replicas(shared(sandbox, redis_store), sandbox) as stubs:
        first = await read.call(stubs[0], read.with_max_age(MINUTE))
        later = [await read.call(stub, read.with_max_age(MINUTE)) for stub in stubs[1:]]

    assert read.upstream_requests(sandbox) == 1
    assert not source_of(first).from_cache
    assert source_of(first).HasField("fetched_at")
    for answer in later:
        assert source_of(answer).from_cache
        assert source_of(answer).fetched_at == source_of(first).fetched_at
        source_of(answer).from_cache = False
        assert answer == first


@pytest.mark.parametrize("read", READS, ids=lambda read: read.name)
async def test_an_answer_older_than_max_age_is_fetched_again_and_replaces_the_old_one(
    sandbox: SandboxUpstreams, redis_store: RedisServer, read: Read
) -> None:
    async with replicas(shared(sandbox, redis_store), sandbox, count=2) as (first, second):
        old = await read.call(first, read.with_max_age(MINUTE))
        # Any answer is older than zero: this one is live, and kept in place of the first.
        renewed = await read.call(second, read.with_max_age(Duration()))
        assert read.upstream_requests(sandbox) == 2
        await asyncio.sleep(0.3)
        short = await read.call(first, read.with_max_age(Duration(nanos=200_000_000)))
        assert read.upstream_requests(sandbox) == 3
        cached = await read.call(second, read.with_max_age(MINUTE))

    assert not source_of(renewed).from_cache
    assert not source_of(short).from_cache
    assert source_of(renewed).fetched_at.ToDatetime() > source_of(old).fetched_at.ToDatetime()
    assert source_of(cached).from_cache
    assert source_of(cached).fetched_at == source_of(short).fetched_at
    assert read.upstream_requests(sandbox) == 3


async def test_other_credentials_or_other_fields_share_no_answer(
    sandbox: SandboxUpstreams, redis_store: RedisServer
) -> None:
    balances = READS[1]
    variants: list[GetBalancesRequest] = [
        requests.balances(requests.mesh(TOKEN)),
        requests.balances(requests.mesh("another-token")),
        requests.balances(requests.mesh(TOKEN, institution=Institution.INSTITUTION_COINBASE)),
        GetBalancesRequest(connection=requests.mesh(TOKEN), real_time=True),
    ]
    async with replicas(shared(sandbox, redis_store), sandbox, count=2) as stubs:
        for index, variant in enumerate(variants):
            variant.max_age.CopyFrom(MINUTE)
            answer = await stubs[index % 2].GetBalances(variant, timeout=10)
            assert not answer.source.from_cache
        assert balances.upstream_requests(sandbox) == len(variants)
        # The other read of the same connection has an entry of its own.
        value = await stubs[1].GetHoldingsValue(
            GetHoldingsValueRequest(connection=requests.mesh(TOKEN), max_age=MINUTE), timeout=10
        )
        assert not value.source.from_cache
        # Each variant is now kept, each under its own key.
        for variant in variants:
            assert (await stubs[0].GetBalances(variant, timeout=10)).source.from_cache
    assert balances.upstream_requests(sandbox) == len(variants)


@pytest.mark.parametrize("read", READS, ids=lambda read: read.name)
async def test_without_max_age_every_read_is_live_and_nothing_is_kept(
    sandbox: SandboxUpstreams, redis_store: RedisServer, read: Read
) -> None:
    async with replicas(shared(sandbox, redis_store), sandbox, count=2) as stubs:
        answers = [await read.call(stub, read.with_max_age(None)) for stub in stubs * 2]
        assert read.upstream_requests(sandbox) == 4
        assert not [key for key in _redis(redis_store).scan_iter("aggregator:read:*")]
        first_with_max_age = await read.call(stubs[0], read.with_max_age(MINUTE))

    assert read.upstream_requests(sandbox) == 5
    assert not source_of(first_with_max_age).from_cache
    for answer in answers:
        assert not source_of(answer).from_cache
        assert source_of(answer).HasField("fetched_at")


async def test_redis_holds_neither_the_token_nor_any_amount_in_clear(
    sandbox: SandboxUpstreams, redis_store: RedisServer
) -> None:
    async with replicas(shared(sandbox, redis_store), sandbox, count=2) as stubs:
        answers = [await read.call(stubs[0], read.with_max_age(MINUTE)) for read in READS]
        portfolio = await stubs[1].GetPortfolio(
            GetPortfolioRequest(connections=[requests.mesh(TOKEN)], max_age=MINUTE), timeout=10
        )
        stored = _everything_in(_redis(redis_store))

    amounts = {text for answer in [*answers, portfolio] for text in _decimal_strings(answer)}
    assert len(amounts) >= 5
    assert any(key.startswith(b"aggregator:read:") for key in stored)
    everything = b"\n".join([*stored, *(value for values in stored.values() for value in values)])
    assert TOKEN.encode() not in everything
    assert f"mk_{TOKEN}".encode() not in everything
    for amount in amounts:
        assert amount.encode() not in everything


async def test_redis_stopped_mid_run_reads_go_live_and_the_cache_comes_back(
    sandbox: SandboxUpstreams, redis_store: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="service.state.redis_backend")
    value = READS[0]
    async with replicas(shared(sandbox, redis_store), sandbox, count=2) as (first, second):
        kept = await value.call(first, value.with_max_age(MINUTE))
        unavailable_before = cache_count("GetHoldingsValue", "unavailable")

        redis_store.stop()

        during = [await value.call(stub, value.with_max_age(MINUTE)) for stub in (second, first)]
        assert all(not source_of(answer).from_cache for answer in during)
        assert value.upstream_requests(sandbox) == 3
        assert cache_count("GetHoldingsValue", "unavailable") >= unavailable_before + 2
        assert metrics.REGISTRY.get_sample_value(
            "aggregator_read_cache_store_failures_total", {"method": "GetHoldingsValue"}
        )
        assert "reads with a max_age are served live" in caplog.text

        redis_store.start()

        for _ in range(100):
            after = await value.call(second, value.with_max_age(MINUTE))
            if source_of(after).from_cache:
                break
            await asyncio.sleep(0.05)
        assert "reachable again" in caplog.text

    # Cached again: the entry kept before the outage (Redis persists it), or one a live read
    # of the recovery kept once Redis answered again.
    assert source_of(after).from_cache
    assert source_of(after).fetched_at.ToDatetime() >= source_of(kept).fetched_at.ToDatetime()


async def test_the_in_process_backend_caches_for_its_own_gateway_only(
    sandbox: SandboxUpstreams,
) -> None:
    value = READS[0]
    async with replicas(shared(sandbox, None), sandbox, count=2) as (first, second):
        live = await value.call(first, value.with_max_age(MINUTE))
        cached = await value.call(first, value.with_max_age(MINUTE))
        assert value.upstream_requests(sandbox) == 1
        elsewhere = await value.call(second, value.with_max_age(MINUTE))

    assert source_of(cached).from_cache
    assert source_of(cached).fetched_at == source_of(live).fetched_at
    assert not source_of(elsewhere).from_cache
    assert value.upstream_requests(sandbox) == 2


async def test_the_python_client_passes_max_age_on_every_cached_read(
    sandbox: SandboxUpstreams,
) -> None:
    connection = requests.mesh(TOKEN)
    settings = shared(sandbox, None)
    async with (
        running_gateway(settings, providers=sandbox_providers(sandbox)) as running,
        AggregatorClient(f"127.0.0.1:{running.port}") as client,
    ):
        answers = [
            await read(connection, max_age=timedelta(minutes=1))
            for read in (client.get_holdings_value, client.get_balances) * 2
        ]
    assert [answer.source.from_cache for answer in answers] == [False, False, True, True]


async def test_portfolio_entries_use_the_same_entries_as_single_reads(
    sandbox: SandboxUpstreams, redis_store: RedisServer
) -> None:
    mesh = requests.mesh(TOKEN)
    holdings_gets = READS[0].upstream_requests
    async with replicas(shared(sandbox, redis_store), sandbox) as (first, second, third):
        value = await first.GetHoldingsValue(
            GetHoldingsValueRequest(connection=mesh, max_age=MINUTE), timeout=10
        )
        portfolio = await second.GetPortfolio(
            GetPortfolioRequest(connections=[mesh], max_age=MINUTE), timeout=10
        )
        streamed = [
            message
            async for message in third.StreamPortfolio(
                StreamPortfolioRequest(connections=[mesh], max_age=MINUTE), timeout=10
            )
        ]

    assert holdings_gets(sandbox) == 1
    holdings = sum(1 for r in sandbox.mesh.requests if r.path == HOLDINGS_GET_PATH)
    assert holdings == 1
    data = portfolio.entries[0].data
    assert data.value.source.from_cache
    assert data.value.source.fetched_at == value.source.fetched_at
    assert not data.holdings.source.from_cache
    streamed_data = streamed[0].entry.data
    assert streamed_data.value.source.from_cache
    assert streamed_data.holdings.source.from_cache
    assert streamed_data.holdings.source.fetched_at == data.holdings.source.fetched_at


INVALID_MAX_AGES = [
    Duration(seconds=-1),
    Duration(nanos=-1),
    Duration(seconds=1, nanos=-1),
    Duration(seconds=315_576_000_001),
    Duration(seconds=1, nanos=1_000_000_000),
]


@pytest.mark.parametrize("max_age", INVALID_MAX_AGES, ids=str)
async def test_an_invalid_max_age_is_refused_before_any_upstream_call(
    sandbox: SandboxUpstreams, max_age: Duration
) -> None:
    async with replicas(shared(sandbox, None), sandbox, count=1) as (stub,):
        calls: list[Awaitable[object]] = [
            read.call(stub, read.with_max_age(max_age)) for read in READS
        ]
        calls.append(
            stub.GetPortfolio(
                GetPortfolioRequest(connections=[requests.mesh(TOKEN)], max_age=max_age),
                timeout=10,
            )
        )
        for call in calls:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await call
            rich = unpack(refused.value)
            assert rich.code == grpc.StatusCode.INVALID_ARGUMENT
            assert rich.bad_request is not None
            assert rich.bad_request.field_violations[0].field == "max_age"

    assert sum(len(simulator.requests) for simulator in sandbox.simulators.values()) == 0


def _redis(server: RedisServer) -> redis.Redis:
    return redis.Redis.from_url(server.url)


def _everything_in(client: redis.Redis) -> dict[bytes, list[bytes]]:
    """Every key and the bytes of what it holds (strings and hashes: all the backend writes)."""
    stored: dict[bytes, list[bytes]] = {}
    with client:
        for key in client.scan_iter():
            kind = client.type(key)
            if kind == b"string":
                stored[key] = [client.get(key)]
            elif kind == b"hash":
                stored[key] = [b for pair in client.hgetall(key).items() for b in pair]
            else:
                pytest.fail(f"an unexpected {kind!r} in Redis")
    return stored


def _decimal_strings(message: Message) -> Iterator[str]:
    """Every string field of `message` (nested too) that is a decimal amount long enough not to
    turn up in random bytes by chance."""
    for field, value in message.ListFields():
        values = value if field.is_repeated else [value]
        for item in values:
            if isinstance(item, Message):
                yield from _decimal_strings(item)
            elif isinstance(item, str) and len(item) >= 5:
                try:
                    Decimal(item)
                except InvalidOperation:
                    continue
                yield item
