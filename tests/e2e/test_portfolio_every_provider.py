"""One portfolio across every registered provider, one failing connection per provider: each
connection gets its own entry with its own outcome."""

from __future__ import annotations

import grpc

from aggregator.v1.aggregator_service_pb2 import GetPortfolioRequest, StreamPortfolioRequest
from service.providers.registry import PROVIDERS
from tests.conftest import Gateway

CONNECTIONS = [
    connection
    for provider in PROVIDERS
    for connection in (provider.sandbox_cases.ok, provider.sandbox_cases.not_found)
]


async def test_every_provider_answers_in_one_portfolio_each_failure_in_its_own_entry(
    gateway: Gateway,
) -> None:
    response = await gateway.stub.GetPortfolio(
        GetPortfolioRequest(connections=CONNECTIONS), timeout=20
    )

    assert len(PROVIDERS) >= 4
    assert [entry.connection_index for entry in response.entries] == list(range(len(CONNECTIONS)))
    for index, entry in enumerate(response.entries):
        provider = PROVIDERS[index // 2]
        assert entry.provider == provider.enum
        if index % 2 == 0:
            assert entry.WhichOneof("result") == "data", (provider.name, entry.error.message)
        else:
            assert entry.WhichOneof("result") == "error", provider.name
            assert entry.error.code == grpc.StatusCode.NOT_FOUND.value[0], provider.name
    assert (response.summary.succeeded, response.summary.failed) == (len(PROVIDERS),) * 2


async def test_the_stream_delivers_the_same_entries_and_then_the_summary(
    gateway: Gateway,
) -> None:
    messages = [
        message
        async for message in gateway.stub.StreamPortfolio(
            StreamPortfolioRequest(connections=CONNECTIONS), timeout=20
        )
    ]

    entries = [m.entry for m in messages if m.WhichOneof("item") == "entry"]
    assert sorted(entry.connection_index for entry in entries) == list(range(len(CONNECTIONS)))
    assert messages[-1].WhichOneof("item") == "summary"
    assert messages[-1].summary.failed == len(PROVIDERS)
