"""Several replicas as one gateway, through a real Redis: callers' rate limits hold across
them, a keyed cancel is sent at most once whichever replica a retry reaches, and a Redis that
goes away and comes back degrades and recovers as the README says."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import math
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import grpc
import pytest
from pydantic import SecretStr

from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    CancelOrderResponse,
    ListInstitutionsRequest,
)
from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from service.config import Settings
from service.observability import metrics
from service.process.server import running_gateway
from service.sandbox import SandboxUpstreams
from service.sandbox.mesh.endpoints import CANCEL_PATH
from tests.conftest import gateway_settings, sandbox_providers
from tests.e2e import requests
from tests.e2e.richstatus import unpack
from tests.support.redis_server import RedisServer, redis_server

SECRET = base64.b64encode(b"s" * 32).decode()
LIMITED_KEY = "limited-caller-key"
RATE = 20
CALLS = 200
REPLICAS = 3


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path / "redis") as server:
        yield server


def callers_file(directory: Path) -> Path:
    path = directory / "callers.toml"
    path.write_text(
        f"""
[[callers]]
name = "limited"
api_key_sha256 = "{hashlib.sha256(LIMITED_KEY.encode()).hexdigest()}"
methods = ["*"]
rate_per_second = {RATE}
burst = {RATE}
"""
    )
    return path


def shared(sandbox: SandboxUpstreams, redis: RedisServer | None, **overrides: object) -> Settings:
    state: dict[str, object] = {"aggregator_state_secret": SecretStr(SECRET)}
    if redis is not None:
        state["aggregator_redis_url"] = SecretStr(redis.url)
        # A loaded machine can take longer than the default 0.5 s for a round trip; the tests
        # of an unreachable Redis stop it, which refuses connections at once whatever this is.
        state["aggregator_redis_timeout_seconds"] = 5.0
    return gateway_settings(sandbox, **{**state, **overrides})


@asynccontextmanager
async def replicas(
    settings: Settings, sandbox: SandboxUpstreams, count: int = REPLICAS
) -> AsyncIterator[list[AggregatorServiceStub]]:
    """`count` gateways on their own ports with the same settings: replicas of one gateway."""
    async with AsyncExitStack() as stack:
        stubs = []
        for _ in range(count):
            running = await stack.enter_async_context(
                running_gateway(settings, providers=sandbox_providers(sandbox))
            )
            channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
            stack.push_async_callback(channel.close)
            stubs.append(AggregatorServiceStub(channel))
        yield stubs


async def spread_calls(stubs: list[AggregatorServiceStub]) -> tuple[int, list[float], float]:
    """`CALLS` calls of the limited caller spread over the replicas at once: how many passed,
    the retry delays of the refused ones, and how long the burst took."""
    metadata = (("authorization", f"Bearer {LIMITED_KEY}"),)

    async def one(index: int) -> float | None:
        stub = stubs[index % len(stubs)]
        try:
            await stub.ListInstitutions(ListInstitutionsRequest(), metadata=metadata, timeout=10)
        except grpc.aio.AioRpcError as error:
            rich = unpack(error)
            assert rich.code == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert rich.error_info is not None
            assert rich.error_info.reason == "CALLER_RATE_LIMITED"
            assert rich.retry_info is not None
            return rich.retry_info.retry_delay.ToNanoseconds() / 1e9
        return None

    started = time.monotonic()
    outcomes = await asyncio.gather(*(one(index) for index in range(CALLS)))
    elapsed = time.monotonic() - started
    delays = [delay for delay in outcomes if delay is not None]
    return CALLS - len(delays), delays, elapsed


async def test_a_callers_rate_holds_across_three_replicas_sharing_redis(
    sandbox: SandboxUpstreams, redis: RedisServer, tmp_path: Path
) -> None:
    settings = shared(sandbox, redis, aggregator_callers_file=callers_file(tmp_path))
    async with replicas(settings, sandbox) as stubs:
        passed, delays, elapsed = await spread_calls(stubs)

    print(f"\n{passed} of {CALLS} calls over {REPLICAS} replicas passed in {elapsed:.2f} s")
    # The bucket starts full (the burst) and refills at the rate while the calls run; three
    # buckets of their own would have let three bursts through.
    assert RATE <= passed <= RATE + math.ceil(RATE * elapsed) + 1
    assert passed < REPLICAS * RATE
    assert len(delays) == CALLS - passed
    assert all(0 < delay <= 1 / RATE + 0.01 for delay in delays)


async def test_without_redis_each_replica_enforces_the_rate_alone(
    sandbox: SandboxUpstreams, tmp_path: Path
) -> None:
    settings = shared(sandbox, None, aggregator_callers_file=callers_file(tmp_path))
    async with replicas(settings, sandbox) as stubs:
        passed, _, elapsed = await spread_calls(stubs)

    assert REPLICAS * RATE <= passed <= REPLICAS * (RATE + math.ceil(RATE * elapsed) + 1)


def keyed(request: CancelOrderRequest, key: str) -> CancelOrderRequest:
    request.idempotency_key = key
    return request


def cancels_sent(sandbox: SandboxUpstreams) -> int:
    return sum(1 for request in sandbox.mesh.requests if request.path == CANCEL_PATH)


async def wait_until_held(sandbox: SandboxUpstreams, count: int) -> None:
    for _ in range(500):
        if sandbox.mesh.held_count >= count:
            return
        await asyncio.sleep(0.01)
    pytest.fail("the cancel never reached the sandbox")


async def test_a_keyed_cancel_is_sent_once_whichever_replica_the_repeats_reach(
    sandbox: SandboxUpstreams, redis: RedisServer
) -> None:
    async with replicas(shared(sandbox, redis), sandbox) as stubs:
        request = keyed(requests.cancel(), "key-1")
        answers = [await stub.CancelOrder(request, timeout=10) for stub in stubs * 2]

        assert all(answer == answers[0] for answer in answers)
        assert cancels_sent(sandbox) == 1

        other = keyed(requests.cancel(order_id="another-order"), "key-1")
        with pytest.raises(grpc.aio.AioRpcError) as reused:
            await stubs[1].CancelOrder(other, timeout=10)
        rich = unpack(reused.value)
        assert rich.code == grpc.StatusCode.INVALID_ARGUMENT
        assert rich.error_info is not None
        assert rich.error_info.reason == "IDEMPOTENCY_KEY_REUSED"
        assert rich.bad_request is not None
        assert rich.bad_request.field_violations[0].field == "idempotency_key"

        unkeyed = requests.cancel()
        await stubs[0].CancelOrder(unkeyed, timeout=10)
        await stubs[1].CancelOrder(unkeyed, timeout=10)
        assert cancels_sent(sandbox) == 3


async def test_a_repeat_while_the_first_is_in_flight_is_aborted_and_later_answered(
    sandbox: SandboxUpstreams, redis: RedisServer
) -> None:
    async with replicas(shared(sandbox, redis), sandbox, count=2) as (first, second):
        request = keyed(requests.cancel("sandbox-held"), "key-held")
        in_flight = asyncio.ensure_future(first.CancelOrder(request, timeout=10))
        await wait_until_held(sandbox, 1)

        with pytest.raises(grpc.aio.AioRpcError) as aborted:
            await second.CancelOrder(request, timeout=10)
        rich = unpack(aborted.value)
        assert rich.code == grpc.StatusCode.ABORTED
        assert "still in progress" in rich.message
        assert rich.retry_info is not None

        sandbox.release_held()
        answer: CancelOrderResponse = await in_flight
        assert await second.CancelOrder(request, timeout=10) == answer
        assert cancels_sent(sandbox) == 1


async def test_a_recorded_error_is_answered_again_with_its_details_and_never_resent(
    sandbox: SandboxUpstreams, redis: RedisServer
) -> None:
    async with replicas(shared(sandbox, redis), sandbox, count=2) as (first, second):
        request = keyed(requests.cancel("sandbox-server-failure"), "key-failed")
        failures = []
        for stub in (first, second, first):
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await stub.CancelOrder(request, timeout=10)
            failures.append(raised.value)

        statuses = [unpack(failure) for failure in failures]
        assert {status.code for status in statuses} == {grpc.StatusCode.UNKNOWN}
        assert all(status == statuses[0] for status in statuses)
        assert statuses[0].error_info is not None
        assert statuses[0].error_info.reason == "UPSTREAM_OUTCOME_UNKNOWN"
        assert cancels_sent(sandbox) == 1


async def test_a_keyed_cancel_refused_before_sending_leaves_its_key_free(
    sandbox: SandboxUpstreams, redis: RedisServer
) -> None:
    async with replicas(shared(sandbox, redis), sandbox, count=1) as (stub,):
        with pytest.raises(grpc.aio.AioRpcError) as invalid:
            await stub.CancelOrder(keyed(requests.cancel(order_id=""), "key-free"), timeout=10)
        assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT

        await stub.CancelOrder(keyed(requests.cancel(), "key-free"), timeout=10)
        assert cancels_sent(sandbox) == 1

        with pytest.raises(grpc.aio.AioRpcError) as too_long:
            await stub.CancelOrder(keyed(requests.cancel(), "k" * 129), timeout=10)
        rich = unpack(too_long.value)
        assert rich.bad_request is not None
        assert rich.bad_request.field_violations[0].field == "idempotency_key"
        assert cancels_sent(sandbox) == 1


async def test_redis_stopped_mid_run_degrades_and_recovers_without_a_duplicate_cancel(
    sandbox: SandboxUpstreams, redis: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="service.state.redis_backend")
    settings = shared(sandbox, redis, aggregator_callers_file=callers_file(tmp_path))
    metadata = (("authorization", f"Bearer {LIMITED_KEY}"),)
    sent_keys = set()

    async def keyed_cancel(stub: AggregatorServiceStub, key: str) -> grpc.StatusCode:
        try:
            await stub.CancelOrder(keyed(requests.cancel(), key), metadata=metadata, timeout=10)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.UNAVAILABLE:
                rich = unpack(error)
                assert rich.error_info is not None
                assert rich.error_info.reason == "STATE_UNAVAILABLE"
                assert "nothing was sent" in rich.message
                assert rich.retry_info is not None
            return error.code()
        sent_keys.add(key)
        return grpc.StatusCode.OK

    async with replicas(settings, sandbox, count=2) as (first, second):
        assert await keyed_cancel(first, "before") == grpc.StatusCode.OK
        held = keyed(requests.cancel("sandbox-held"), "held-through-the-outage")
        in_flight = asyncio.ensure_future(first.CancelOrder(held, metadata=metadata, timeout=10))
        await wait_until_held(sandbox, 1)
        local_before = metrics.REGISTRY.get_sample_value("aggregator_rate_limits_local_total")

        redis.stop()

        # Reads are served, with the rate limit enforced per replica.
        value = await second.GetHoldingsValue(
            requests.holdings_value(), metadata=metadata, timeout=10
        )
        assert value.total_value
        assert metrics.REGISTRY.get_sample_value("aggregator_state_backend_up") == 0
        local_after = metrics.REGISTRY.get_sample_value("aggregator_rate_limits_local_total")
        assert (local_after or 0) > (local_before or 0)
        assert "redis is unreachable" in caplog.text
        # Keyed cancels fail fast, and nothing reaches the provider.
        sent_before = cancels_sent(sandbox)
        for stub in (first, second):
            assert await keyed_cancel(stub, "during") == grpc.StatusCode.UNAVAILABLE
            assert await keyed_cancel(stub, "before") == grpc.StatusCode.UNAVAILABLE
        assert cancels_sent(sandbox) == sent_before
        # The cancel in flight gets its answer, though its outcome cannot be recorded.
        sandbox.release_held()
        await in_flight
        sent_keys.add("held-through-the-outage")

        redis.start()

        for _ in range(100):
            if await keyed_cancel(second, "during") != grpc.StatusCode.UNAVAILABLE:
                break
            await asyncio.sleep(0.05)
        assert "during" in sent_keys
        assert "reachable again" in caplog.text
        # What was recorded before the outage is answered, not sent again; the cancel whose
        # outcome could not be recorded is never sent again either.
        assert await keyed_cancel(second, "before") == grpc.StatusCode.OK
        with pytest.raises(grpc.aio.AioRpcError) as unrecorded:
            await second.CancelOrder(held, metadata=metadata, timeout=10)
        assert unrecorded.value.code() == grpc.StatusCode.ABORTED

    duplicates = cancels_sent(sandbox) - len(sent_keys)
    print(f"\nkeyed cancels sent: {cancels_sent(sandbox)} for {len(sent_keys)} keys")
    assert duplicates == 0


def test_redis_without_the_state_secret_stops_the_start_with_a_clear_message() -> None:
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("AGGREGATOR_")
    }
    environment["AGGREGATOR_REDIS_URL"] = "redis://:hunter2-password@127.0.0.1:6379/0"
    environment["AGGREGATOR_LISTEN"] = "127.0.0.1:0"

    started = subprocess.run(
        [sys.executable, "-m", "service"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert started.returncode != 0
    assert "AGGREGATOR_STATE_SECRET is not" in started.stderr
    assert "Traceback" not in started.stderr
    assert "hunter2" not in started.stderr + started.stdout
