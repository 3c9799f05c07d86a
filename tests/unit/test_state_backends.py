"""Both state backends keep the same promises: the in-process one, and Redis (a real
redis-server on loopback, with TLS and a password where it says so)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from service.config import Settings
from service.core.errors import StateUnavailable
from service.state import InProcessState, KeyedDigests, RedisState, Sealer, StateBackend, open_state
from service.state.opening import redis_client
from service.state.windows import WindowSlot
from tests.support.certs import make_pki
from tests.support.redis_server import RedisServer, redis_server

SECRET = base64.b64encode(bytes(range(32))).decode()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


def redis_settings(url: str, **overrides: object) -> Settings:
    return Settings(
        aggregator_redis_url=SecretStr(url), aggregator_state_secret=SecretStr(SECRET)
    ).model_copy(update=overrides)


@pytest.fixture(params=["in-process", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[StateBackend]:
    if request.param == "in-process":
        yield InProcessState()
        return
    server: RedisServer = request.getfixturevalue("redis")
    state = RedisState(redis_client(redis_settings(server.url)))
    await state._client.flushdb()
    try:
        yield state
    finally:
        await state.aclose()


async def test_a_bucket_lets_its_burst_through_then_says_when_the_next_token_comes(
    backend: StateBackend,
) -> None:
    taken = [await backend.take_token("aggregator:rate:a", 2.0, 3.0) for _ in range(4)]

    assert taken[:3] == [None, None, None]
    assert taken[3] is not None
    assert 0 < taken[3] <= 0.5


async def test_buckets_are_separate_by_key(backend: StateBackend) -> None:
    assert await backend.take_token("aggregator:rate:a", 1.0, 1.0) is None
    assert await backend.take_token("aggregator:rate:a", 1.0, 1.0) is not None
    assert await backend.take_token("aggregator:rate:b", 1.0, 1.0) is None


async def test_a_window_lets_its_calls_through_then_says_when_the_oldest_leaves(
    backend: StateBackend,
) -> None:
    slot = WindowSlot("aggregator:call-limit:a", 3, 0.5)
    taken = [await backend.take_slots([slot]) for _ in range(4)]

    assert taken[:3] == [None, None, None]
    refusal = taken[3]
    assert refusal is not None
    assert refusal.slot == 0
    assert 0 < refusal.wait_seconds <= 0.5
    await asyncio.sleep(refusal.wait_seconds + 0.02)
    assert await backend.take_slots([slot]) is None


async def test_a_call_counts_in_all_its_windows_or_in_none(backend: StateBackend) -> None:
    narrow = WindowSlot("aggregator:call-limit:narrow", 1, 60)
    wide = WindowSlot("aggregator:call-limit:wide", 5, 60)
    assert await backend.take_slots([wide, narrow]) is None

    refusal = await backend.take_slots([wide, narrow])

    assert refusal is not None
    assert refusal.slot == 1
    assert 59 < refusal.wait_seconds <= 60
    # The refused call took nothing from the wide window: four more fit.
    assert [await backend.take_slots([wide]) for _ in range(5)][:4] == [None] * 4
    assert await backend.take_slots([wide]) is not None


async def test_concurrent_calls_never_overfill_a_window(backend: StateBackend) -> None:
    slot = WindowSlot("aggregator:call-limit:race", 7, 60)
    answers = await asyncio.gather(*(backend.take_slots([slot]) for _ in range(40)))

    assert sum(1 for answer in answers if answer is None) == 7


async def test_a_claim_stores_once_and_then_answers_what_is_there(backend: StateBackend) -> None:
    assert await backend.claim("aggregator:cancel:k", b"first", 60) is None
    assert await backend.claim("aggregator:cancel:k", b"second", 60) == b"first"

    await backend.put("aggregator:cancel:k", b"outcome", 60)
    assert await backend.claim("aggregator:cancel:k", b"third", 60) == b"outcome"

    await backend.delete("aggregator:cancel:k")
    assert await backend.claim("aggregator:cancel:k", b"fourth", 60) is None


async def test_concurrent_claims_of_one_key_have_exactly_one_winner(
    backend: StateBackend,
) -> None:
    answers = await asyncio.gather(
        *(backend.claim("aggregator:cancel:race", str(i).encode(), 60) for i in range(50))
    )

    winners = [i for i, answer in enumerate(answers) if answer is None]
    assert len(winners) == 1
    assert {answer for answer in answers if answer is not None} == {str(winners[0]).encode()}


async def test_a_redis_value_expires_after_its_lifetime(redis: RedisServer) -> None:
    state = RedisState(redis_client(redis_settings(redis.url)))
    try:
        await state.put("aggregator:cancel:short", b"v", 0.05)
        assert await state._client.pttl("aggregator:cancel:short") <= 50
        await asyncio.sleep(0.2)
        assert await state.claim("aggregator:cancel:short", b"w", 60) is None
    finally:
        await state.aclose()


async def test_an_in_process_value_expires_after_its_lifetime() -> None:
    clock = FakeClock()
    state = InProcessState(clock)
    await state.put("old", b"v", 10)
    clock.now += 10
    await state.put("new", b"w", 10)

    assert await state.claim("old", b"again", 10) is None
    assert await state.claim("new", b"again", 10) == b"w"


async def test_an_unreachable_redis_fails_fast_and_is_tried_again_a_second_later(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    with redis_server(tmp_path / "redis") as server:
        state = RedisState(redis_client(redis_settings(server.url)), clock=clock)
        try:
            assert await state.take_token("aggregator:rate:x", 1.0, 5.0) is None
            server.stop()
            with pytest.raises(StateUnavailable):
                await state.take_token("aggregator:rate:x", 1.0, 5.0)
            server.start()
            # Within the pause nothing is tried, though Redis is back.
            with pytest.raises(StateUnavailable) as paused:
                await state.claim("aggregator:cancel:y", b"v", 60)
            assert 0 < paused.value.retry_after_seconds <= 1
            clock.now += 1.0
            assert await state.claim("aggregator:cancel:y", b"v", 60) is None
            assert await state.take_token("aggregator:rate:x", 1.0, 5.0) is None
        finally:
            await state.aclose()


async def test_redis_over_tls_with_a_password(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki", {})
    tls = (pki.server.cert_file, pki.server.key_file, pki.ca.cert_file)
    with redis_server(tmp_path / "redis", password="redis-pw", tls=tls) as server:
        assert server.url.startswith("rediss://")
        good = redis_settings(
            server.url,
            aggregator_redis_password=SecretStr("redis-pw"),
            aggregator_redis_ca_file=pki.ca.cert_file,
        )
        async with open_state(good) as state:
            assert state.name == "redis"
            assert await state.claim("aggregator:cancel:tls", b"v", 60) is None
            assert await state.claim("aggregator:cancel:tls", b"w", 60) == b"v"
        wrong_password = good.model_copy(update={"aggregator_redis_password": SecretStr("wrong")})
        untrusted = good.model_copy(update={"aggregator_redis_ca_file": None})
        for settings in (wrong_password, untrusted):
            async with open_state(settings) as state:
                with pytest.raises(StateUnavailable):
                    await state.claim("aggregator:cancel:tls", b"x", 60)


async def test_without_a_redis_url_state_is_in_process() -> None:
    async with open_state(Settings()) as state:
        assert state.name == "in-process"


# Keys and values


@given(st.lists(st.binary(max_size=20), max_size=4), st.lists(st.binary(max_size=20), max_size=4))
def test_different_parts_never_give_the_same_key(first: list[bytes], second: list[bytes]) -> None:
    digests = KeyedDigests(bytes(32))
    if first != second:
        assert digests.state_key("cancel", *first) != digests.state_key("cancel", *second)


def test_a_key_depends_on_the_secret_and_never_shows_its_parts() -> None:
    token = b"user-auth-token-123"
    key = KeyedDigests(bytes(32)).state_key("cancel", token)

    assert key.startswith("aggregator:cancel:")
    assert token.hex() not in key
    assert token.decode() not in key
    assert key != KeyedDigests(bytes(range(32))).state_key("cancel", token)


@given(st.binary(max_size=2000))
def test_a_sealed_value_opens_under_its_key_only(value: bytes) -> None:
    sealer = Sealer(bytes(32))
    sealed = sealer.seal(value, "aggregator:cancel:a")

    assert sealer.open(sealed, "aggregator:cancel:a") == value
    assert sealer.open(sealed, "aggregator:cancel:b") is None
    assert Sealer(bytes(range(32))).open(sealed, "aggregator:cancel:a") is None
    if len(value) >= 16:
        assert value not in sealed


def test_an_altered_sealed_value_does_not_open() -> None:
    sealer = Sealer(bytes(32))
    sealed = bytearray(sealer.seal(b"outcome", "k"))
    sealed[-1] ^= 1

    assert sealer.open(bytes(sealed), "k") is None
    assert sealer.open(b"short", "k") is None
