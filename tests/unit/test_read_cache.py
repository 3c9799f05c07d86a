"""The read cache over the in-process backend: which requests share an entry (hypothesis),
what is kept, and what an entry that does not open or has expired means."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from google.protobuf.message import Message
from hypothesis import given
from hypothesis import strategies as st

from aggregator.v1.aggregator_service_pb2 import (
    Freshness,
    GetBalancesRequest,
    GetBalancesResponse,
    GetHoldingsRequest,
    GetHoldingsResponse,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
)
from aggregator.v1.connection_pb2 import Connection, MeshConnection, MoneyKitLink
from service.state import InProcessState, KeyedDigests, ReadCache, Sealer

MINUTE = timedelta(minutes=1)
Answer = TypeVar("Answer", bound=Message)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def cache(
    clock: Clock, retention: float = 300.0, backend: InProcessState | None = None
) -> ReadCache:
    return ReadCache(
        backend or InProcessState(clock),
        KeyedDigests(b"k" * 32),
        Sealer(b"v" * 32),
        retention,
        clock,
    )


class Upstream:
    """Counts fetches; each answer carries its fetch number as its amount."""

    def __init__(self) -> None:
        self.fetches = 0

    async def __call__(self, request: GetBalancesRequest) -> GetBalancesResponse:
        self.fetches += 1
        return GetBalancesResponse(total_cash_usd_value=f"{self.fetches}.00")


connections = st.one_of(
    st.builds(
        lambda institution, token: Connection(
            mesh=MeshConnection(institution=institution, auth_token=token)
        ),
        st.integers(min_value=0, max_value=3),
        st.text(max_size=8),
    ),
    st.builds(lambda link: Connection(moneykit=MoneyKitLink(link_id=link)), st.text(max_size=8)),
)
balance_requests = st.builds(
    lambda connection, account_ids, real_time, seconds: _with_max_age(
        GetBalancesRequest(connection=connection, account_ids=account_ids, real_time=real_time),
        seconds,
    ),
    connections,
    st.lists(st.text(max_size=4), max_size=3),
    st.booleans(),
    st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)),
)


def _with_max_age(request: GetBalancesRequest, seconds: int | None) -> GetBalancesRequest:
    if seconds is not None:
        request.max_age.FromSeconds(seconds)
    return request


def _without_max_age(request: GetBalancesRequest) -> bytes:
    copy = GetBalancesRequest()
    copy.CopyFrom(request)
    copy.ClearField("max_age")
    return copy.SerializeToString(deterministic=True)


@given(balance_requests, balance_requests)
def test_two_requests_share_an_entry_exactly_when_they_differ_at_most_in_max_age(
    first: GetBalancesRequest, second: GetBalancesRequest
) -> None:
    async def scenario() -> tuple[GetBalancesResponse, GetBalancesResponse, int]:
        reads, upstream = cache(Clock()), Upstream()
        kept = await reads.read(first, MINUTE, upstream, GetBalancesResponse)
        again = await reads.read(second, MINUTE, upstream, GetBalancesResponse)
        return kept, again, upstream.fetches

    kept, again, fetches = asyncio.run(scenario())

    same = _without_max_age(first) == _without_max_age(second)
    assert again.source.from_cache is same
    assert fetches == (1 if same else 2)
    assert again.total_cash_usd_value == ("1.00" if same else "2.00")
    assert kept.total_cash_usd_value == "1.00"


def test_requests_of_different_reads_of_one_connection_never_share() -> None:
    connection = Connection(mesh=MeshConnection(institution=1, auth_token="t"))

    async def scenario() -> list[bool]:
        reads = cache(Clock())
        await reads.read(
            GetHoldingsValueRequest(connection=connection),
            MINUTE,
            _answer(GetHoldingsValueResponse(total_value="1.00")),
            GetHoldingsValueResponse,
        )
        holdings = await reads.read(
            GetHoldingsRequest(connection=connection),
            MINUTE,
            _answer(GetHoldingsResponse()),
            GetHoldingsResponse,
        )
        value = await reads.lookup(
            GetHoldingsValueRequest(connection=connection), MINUTE, GetHoldingsValueResponse
        )
        return [holdings.source.from_cache, value is not None and value.source.from_cache]

    assert asyncio.run(scenario()) == [False, True]


def test_an_entry_is_an_answer_only_within_max_age_and_the_retention() -> None:
    clock = Clock()
    request = GetBalancesRequest(connection=Connection(moneykit=MoneyKitLink(link_id="mk_1")))

    async def scenario() -> list[bool]:
        reads = cache(clock, retention=100)
        await reads.read(request, MINUTE, Upstream(), GetBalancesResponse)
        clock.now += 30
        outcomes = [await reads.lookup(request, timedelta(seconds=30), GetBalancesResponse)]
        outcomes.append(await reads.lookup(request, timedelta(seconds=29), GetBalancesResponse))
        clock.now += 71  # past the retention: gone, however long the max_age
        outcomes.append(await reads.lookup(request, timedelta(days=1), GetBalancesResponse))
        return [outcome is not None for outcome in outcomes]

    assert asyncio.run(scenario()) == [True, False, False]


def test_an_entry_sealed_under_another_secret_is_a_miss_and_is_replaced() -> None:
    clock = Clock()
    backend = InProcessState(clock)
    request = GetBalancesRequest(connection=Connection(moneykit=MoneyKitLink(link_id="mk_1")))
    rotated = ReadCache(backend, KeyedDigests(b"k" * 32), Sealer(os.urandom(32)), 300.0, clock)

    async def scenario() -> tuple[bool, int]:
        upstream = Upstream()
        await cache(clock, backend=backend).read(request, MINUTE, upstream, GetBalancesResponse)
        answer = await rotated.read(request, MINUTE, upstream, GetBalancesResponse)
        again = await rotated.read(request, MINUTE, upstream, GetBalancesResponse)
        return not answer.source.from_cache and again.source.from_cache, upstream.fetches

    assert asyncio.run(scenario()) == (True, 2)


def test_without_max_age_the_answer_is_live_stamped_and_not_kept() -> None:
    clock = Clock()
    request = GetBalancesRequest(connection=Connection(moneykit=MoneyKitLink(link_id="mk_1")))

    async def scenario() -> tuple[GetBalancesResponse, GetBalancesResponse | None]:
        reads = cache(clock)
        live = await reads.read(request, None, Upstream(), GetBalancesResponse)
        return live, await reads.lookup(request, MINUTE, GetBalancesResponse)

    live, kept = asyncio.run(scenario())
    assert live.source.fetched_at.seconds == int(clock.now)
    assert not live.source.from_cache
    assert kept is None


def test_a_stale_answer_is_not_kept_so_the_next_read_tries_for_fresh_data_again() -> None:
    request = GetHoldingsRequest(connection=Connection(moneykit=MoneyKitLink(link_id="mk_1")))
    stale = GetHoldingsResponse(freshness=Freshness.FRESHNESS_STALE)

    async def scenario() -> GetHoldingsResponse | None:
        reads = cache(Clock())
        await reads.read(request, MINUTE, _answer(stale), GetHoldingsResponse)
        return await reads.lookup(request, MINUTE, GetHoldingsResponse)

    assert asyncio.run(scenario()) is None


def _answer(answer: Answer) -> Callable[[Message], Awaitable[Answer]]:
    async def fetch(request: Message) -> Answer:
        return answer

    return fetch
