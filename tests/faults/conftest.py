"""A gateway whose providers both point at a fault-injecting upstream."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

import grpc
import pytest
from opentelemetry.sdk.trace.export import SpanExporter
from pydantic import SecretStr

from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from service.config import Settings
from service.process.server import running_gateway
from service.providers.mesh.settings import MeshSettings
from service.providers.moneykit.settings import MoneyKitSettings
from service.providers.settings import ProviderSettings
from service.providers.snaptrade.settings import SnapTradeSettings
from tests.faults.upstream import FaultyUpstream

FAST_RETRIES = {
    "aggregator_retry_base_delay_seconds": 0.01,
    "aggregator_retry_max_delay_seconds": 0.05,
}


@dataclass
class FaultyGateway:
    stub: AggregatorServiceStub
    upstream: FaultyUpstream
    port: int


@pytest.fixture
async def upstream() -> AsyncIterator[FaultyUpstream]:
    server = FaultyUpstream()
    await server.start()
    yield server
    await server.stop()


GatewayFactory = Callable[..., AbstractAsyncContextManager[FaultyGateway]]


@pytest.fixture(params=["http1", "aiohttp", "httpx"])
def transport(request: pytest.FixtureRequest) -> str:
    """Every fault is injected under every upstream transport the gateway offers."""
    name: str = request.param
    return name


@pytest.fixture
def faulty_gateway(upstream: FaultyUpstream, transport: str) -> GatewayFactory:
    """`async with faulty_gateway(**settings) as gateway:` a gateway in front of `upstream`.

    Its spans go to `span_exporter` when one is given.
    """

    @asynccontextmanager
    async def start(
        span_exporter: SpanExporter | None = None, **overrides: object
    ) -> AsyncIterator[FaultyGateway]:
        moneykit_overrides = {
            name.removeprefix("moneykit_"): overrides.pop(name)
            for name in list(overrides)
            if name.startswith("moneykit_")
        }
        settings = Settings(
            aggregator_listen="127.0.0.1:0",
            aggregator_http_transport=transport,
            **{**FAST_RETRIES, **overrides},  # type: ignore[arg-type]
        )
        providers: dict[str, ProviderSettings] = {
            "mesh": MeshSettings(
                base_url=upstream.url, client_id="mesh-id", client_secret=SecretStr("mesh-secret")
            ),
            "moneykit": MoneyKitSettings(
                base_url=upstream.url,
                client_id="mk-id",
                client_secret=SecretStr("mk-secret"),
                **moneykit_overrides,  # type: ignore[arg-type]
            ),
            "snaptrade": SnapTradeSettings(
                base_url=upstream.url,
                client_id="st-id",
                consumer_key=SecretStr("st-key"),
                confirm_interval_seconds=0.05,
            ),
        }
        async with running_gateway(
            settings, span_exporter=span_exporter, providers=providers
        ) as running:
            channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
            try:
                yield FaultyGateway(AggregatorServiceStub(channel), upstream, running.port)
            finally:
                await channel.close()

    return start


async def timed(call: Awaitable[object]) -> tuple[object, float]:
    """Await `call`; return its result or RPC error, and the seconds it took."""
    started = time.monotonic()
    try:
        result: object = await call
    except grpc.aio.AioRpcError as error:
        result = error
    return result, time.monotonic() - started
