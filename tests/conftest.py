"""Fixtures shared by the suites: the sandbox upstreams and a real gateway in front of them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import grpc
import pytest

from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from service.config import Settings
from service.process.server import running_gateway
from service.providers.registry import sandbox_provider_settings
from service.providers.settings import ProviderSettings
from service.sandbox import SandboxUpstreams


@dataclass
class Gateway:
    """A running gateway on an ephemeral port, a client stub, and the upstreams behind it."""

    stub: AggregatorServiceStub
    channel: grpc.aio.Channel
    port: int
    sandbox: SandboxUpstreams


@pytest.fixture(scope="session")
def sandbox_upstreams() -> Iterator[SandboxUpstreams]:
    with SandboxUpstreams() as upstreams:
        yield upstreams


@pytest.fixture
def sandbox(sandbox_upstreams: SandboxUpstreams) -> SandboxUpstreams:
    sandbox_upstreams.reset()
    return sandbox_upstreams


def gateway_settings(sandbox: SandboxUpstreams, **overrides: object) -> Settings:
    """Settings for a test gateway: ephemeral port (its providers: `sandbox_providers`)."""
    return Settings(aggregator_listen="127.0.0.1:0").model_copy(update=overrides)


def sandbox_providers(
    sandbox: SandboxUpstreams, **overrides: dict[str, object]
) -> dict[str, ProviderSettings]:
    """Every provider pointed at the sandbox; `mesh={"client_id": ""}` changes a setting."""
    providers = sandbox_provider_settings(sandbox)
    for name, update in overrides.items():
        providers[name] = providers[name].model_copy(update=update)
    return providers


async def start_gateway(
    settings: Settings,
    sandbox: SandboxUpstreams,
    providers: dict[str, ProviderSettings] | None = None,
) -> AsyncIterator[Gateway]:
    providers = providers if providers is not None else sandbox_providers(sandbox)
    async with running_gateway(settings, providers=providers) as running:
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
        try:
            yield Gateway(AggregatorServiceStub(channel), channel, running.port, sandbox)
        finally:
            await channel.close()


@pytest.fixture
async def gateway(sandbox: SandboxUpstreams) -> AsyncIterator[Gateway]:
    async for running in start_gateway(gateway_settings(sandbox), sandbox):
        yield running
