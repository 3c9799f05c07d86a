"""At overload the gateway turns calls away at once, before reading them, with a delay to retry
after, instead of queueing them until their deadlines run out."""

from __future__ import annotations

import asyncio

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from service.config import Settings
from service.process.server import server_options
from service.version import VERSION
from tests.e2e import requests
from tests.e2e.richstatus import unpack
from tests.faults.conftest import GatewayFactory
from tests.faults.upstream import FaultyUpstream, Hold


async def test_a_call_beyond_the_in_flight_cap_is_turned_away_with_retry_info_unsent(
    faulty_gateway: GatewayFactory, upstream: FaultyUpstream
) -> None:
    release = asyncio.Event()
    upstream.default = Hold(release)
    async with faulty_gateway(aggregator_max_rpcs_in_flight=2) as gateway:
        held = [
            asyncio.ensure_future(
                gateway.stub.GetHoldingsValue(requests.holdings_value(f"user-{n}"), timeout=30)
            )
            for n in range(2)
        ]
        await upstream.wait_for("attempts", 2)

        call = gateway.stub.GetHoldingsValue(requests.holdings_value("user-2"), timeout=30)
        try:
            await call
            raise AssertionError("the third call was admitted")
        except grpc.aio.AioRpcError as error:
            status = unpack(error)
        assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert status.error_info is not None
        assert status.error_info.reason == "GATEWAY_OVERLOADED"
        assert status.retry_info is not None
        assert status.retry_info.retry_delay.seconds == 1
        assert ("aggregator-version", VERSION) in tuple(await call.trailing_metadata() or ())
        assert upstream.attempts == 2, "a turned-away call never reaches the upstream"

        async with grpc.aio.insecure_channel(f"127.0.0.1:{gateway.port}") as channel:
            probe = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=30
            )
        assert probe.status == health_pb2.HealthCheckResponse.SERVING

        release.set()
        answered = await asyncio.gather(*held)
        after = await gateway.stub.GetHoldingsValue(requests.holdings_value("user-3"), timeout=30)

    assert [response.total_value for response in answered] == ["186.03", "186.03"]
    assert after.total_value == "186.03", "calls are admitted again once the in-flight ones end"
    assert upstream.attempts == 3


def test_grpc_turns_calls_away_beyond_the_pending_limit_before_the_event_loop_takes_them() -> None:
    # The limit is grpc's own (its server answers RESOURCE_EXHAUSTED without involving Python),
    # so what is checked here is that the setting reaches it, soft and hard limit alike;
    # `make bench`'s overload scenario measures its effect.
    options = dict(server_options(Settings(aggregator_max_pending_rpcs=17)))

    assert options["grpc.server.max_pending_requests"] == 17
    assert options["grpc.server.max_pending_requests_hard_limit"] == 17
