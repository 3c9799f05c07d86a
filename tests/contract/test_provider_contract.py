"""The provider contract: what every registered provider does, run against its own sandbox over
real HTTP through a real gateway. A new provider passes it by registering and declaring its
sandbox cases; nothing here names a provider."""

from __future__ import annotations

import logging
from decimal import Decimal

import grpc
import pytest

from aggregator.v1 import aggregator_service_pb2
from aggregator.v1.aggregator_service_pb2 import (
    GetBalancesRequest,
    GetHoldingsRequest,
    GetHoldingsValueRequest,
    GetPortfolioRequest,
)
from aggregator.v1.connection_pb2 import Connection
from service.core.rpcs import CAPABILITY_NAMES, Rpc
from service.providers.declaration import ProviderDeclaration
from service.providers.registry import PROVIDERS, sandbox_provider_settings
from service.sandbox._http import SimulatedUpstream
from tests.conftest import Gateway
from tests.e2e.richstatus import RichStatus, unpack

pytestmark = pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)


def simulator(gateway: Gateway, provider: ProviderDeclaration) -> SimulatedUpstream:
    return gateway.sandbox.simulators[provider.name]


async def failure(gateway: Gateway, connection: Connection) -> RichStatus:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.GetHoldings(GetHoldingsRequest(connection=connection), timeout=10)
    return unpack(caught.value)


async def test_holdings_come_back_from_the_provider(
    gateway: Gateway, provider: ProviderDeclaration
) -> None:
    response = await gateway.stub.GetHoldings(
        GetHoldingsRequest(connection=provider.sandbox_cases.ok), timeout=10
    )

    assert response.holdings
    assert response.source.provider == provider.enum
    assert simulator(gateway, provider).requests


async def test_holdings_value_comes_back_from_the_provider(
    gateway: Gateway, provider: ProviderDeclaration
) -> None:
    response = await gateway.stub.GetHoldingsValue(
        GetHoldingsValueRequest(connection=provider.sandbox_cases.ok), timeout=10
    )

    assert response.HasField("total_value")
    assert response.source.provider == provider.enum


BALANCE_AMOUNTS = (
    "cash",
    "buying_power",
    "cryptocurrency_buying_power",
    "available",
    "current",
    "limit",
)


async def assert_refused(gateway: Gateway, connection: Connection) -> None:
    """A provider that serves no balances refuses them up front."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.GetBalances(GetBalancesRequest(connection=connection), timeout=10)
    status = unpack(caught.value)
    assert status.error_info is not None
    assert status.error_info.reason == "BALANCES_NOT_SUPPORTED"


async def test_balances_come_back_as_exact_decimal_strings_in_a_currency(
    gateway: Gateway, provider: ProviderDeclaration
) -> None:
    if Rpc.GET_BALANCES not in provider.rpcs_at(provider.sandbox_cases.ok):
        await assert_refused(gateway, provider.sandbox_cases.ok)
        return

    response = await gateway.stub.GetBalances(
        GetBalancesRequest(connection=provider.sandbox_cases.ok), timeout=10
    )

    assert response.balances
    assert response.source.provider == provider.enum
    for balance in response.balances:
        assert len(balance.currency) >= 3
        reported = [getattr(balance, name) for name in BALANCE_AMOUNTS if balance.HasField(name)]
        assert reported
        assert all(Decimal(amount).is_finite() for amount in reported)


@pytest.mark.parametrize(
    ("case", "code", "reason"),
    [
        ("not_found", grpc.StatusCode.NOT_FOUND, "UPSTREAM_NOT_FOUND"),
        ("rate_limited", grpc.StatusCode.RESOURCE_EXHAUSTED, "UPSTREAM_RATE_LIMITED"),
        ("malformed", grpc.StatusCode.INTERNAL, "UPSTREAM_BAD_RESPONSE"),
    ],
)
async def test_a_balances_failure_is_its_grpc_status_with_the_provider_as_domain(
    gateway: Gateway, provider: ProviderDeclaration, case: str, code: grpc.StatusCode, reason: str
) -> None:
    connection = getattr(provider.sandbox_cases, case)
    if Rpc.GET_BALANCES not in provider.rpcs_at(connection):
        await assert_refused(gateway, connection)
        return

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.GetBalances(GetBalancesRequest(connection=connection), timeout=10)

    status = unpack(caught.value)
    assert status.code == code
    assert status.error_info is not None
    assert (status.error_info.reason, status.error_info.domain) == (reason, provider.name)


@pytest.mark.parametrize(
    ("case", "code", "reason"),
    [
        ("not_found", grpc.StatusCode.NOT_FOUND, "UPSTREAM_NOT_FOUND"),
        ("rate_limited", grpc.StatusCode.RESOURCE_EXHAUSTED, "UPSTREAM_RATE_LIMITED"),
        ("unavailable", grpc.StatusCode.UNAVAILABLE, "UPSTREAM_UNAVAILABLE"),
        ("rejected_request", grpc.StatusCode.INVALID_ARGUMENT, "UPSTREAM_REJECTED_REQUEST"),
        (
            "user_credentials_rejected",
            grpc.StatusCode.UNAUTHENTICATED,
            "USER_CREDENTIALS_REJECTED",
        ),
        ("malformed", grpc.StatusCode.INTERNAL, "UPSTREAM_BAD_RESPONSE"),
    ],
)
async def test_each_error_class_is_its_grpc_status_with_the_provider_as_domain(
    gateway: Gateway, provider: ProviderDeclaration, case: str, code: grpc.StatusCode, reason: str
) -> None:
    status = await failure(gateway, getattr(provider.sandbox_cases, case))

    assert status.code == code
    assert status.error_info is not None
    assert (status.error_info.reason, status.error_info.domain) == (reason, provider.name)
    assert status.envelope is not None
    assert "Traceback" not in status.message


async def test_a_rate_limit_says_when_to_retry(
    gateway: Gateway, provider: ProviderDeclaration
) -> None:
    status = await failure(gateway, provider.sandbox_cases.rate_limited)

    assert status.retry_info is not None
    assert status.retry_info.retry_delay.seconds > 0


async def test_an_unavailable_upstream_is_retried_and_a_rejected_request_is_not(
    gateway: Gateway, provider: ProviderDeclaration
) -> None:
    upstream = simulator(gateway, provider)
    # A first call fetches whatever credentials the provider's client needs (a token).
    await gateway.stub.GetHoldings(GetHoldingsRequest(connection=provider.sandbox_cases.ok))
    gateway.sandbox.reset()

    await failure(gateway, provider.sandbox_cases.rejected_request)
    rejected = len(upstream.requests)
    gateway.sandbox.reset()
    await failure(gateway, provider.sandbox_cases.unavailable)

    assert rejected == 1
    assert len(upstream.requests) == 3


async def _call(gateway: Gateway, rpc: Rpc, connection: Connection) -> None:
    """Call `rpc` for `connection`, to the end of its answer; refusals come before any other
    field is looked at."""
    request = getattr(aggregator_service_pb2, f"{rpc.value}Request")()
    if "connections" in request.DESCRIPTOR.fields_by_name:
        request.connections.append(connection)
    else:
        request.connection.CopyFrom(connection)
    call = getattr(gateway.stub, rpc.value)
    if rpc.value in STREAMING:
        async for _ in call(request, timeout=10):
            pass
    else:
        await call(request, timeout=10)


STREAMING = {
    method.name
    for method in aggregator_service_pb2.DESCRIPTOR.services_by_name["AggregatorService"].methods
    if method.server_streaming
}


async def test_what_the_provider_does_not_serve_is_refused_before_any_upstream_call(
    gateway: Gateway, provider: ProviderDeclaration
) -> None:
    refusals = [
        (rpc, provider.sandbox_cases.ok) for rpc in Rpc if rpc not in provider.operations.rpcs
    ]
    for record in provider.institutions:
        connection = Connection()
        connection.CopyFrom(provider.sandbox_cases.ok)
        getattr(connection, provider.name).institution = record.institution
        refusals += [(rpc, connection) for rpc in Rpc if rpc not in provider.served_at(record)]
    assert refusals or not provider.institutions

    for rpc, connection in refusals:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await _call(gateway, rpc, connection)
        status = unpack(caught.value)
        assert status.code == grpc.StatusCode.INVALID_ARGUMENT, (rpc, connection)
        assert status.error_info is not None
        assert status.error_info.reason == f"{CAPABILITY_NAMES[rpc]}_NOT_SUPPORTED"
    assert simulator(gateway, provider).requests == []


async def test_no_secret_of_the_connection_or_the_gateway_reaches_a_log_record(
    gateway: Gateway, provider: ProviderDeclaration, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cases = provider.sandbox_cases
    await gateway.stub.GetHoldings(GetHoldingsRequest(connection=cases.ok), timeout=10)
    for connection in (cases.rejected_request, cases.malformed, cases.not_found):
        await failure(gateway, connection)
    secrets = [
        value
        for connection in (cases.ok, cases.rejected_request, cases.malformed, cases.not_found)
        for field, value in getattr(connection, provider.name).ListFields()
        if field.name in provider.secret_fields
    ]
    secrets += sandbox_provider_settings(gateway.sandbox)[provider.name].secrets()

    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert secrets
    for secret in secrets:
        assert secret not in logged


async def test_identical_reads_are_shared_within_a_user_and_never_across_users(
    gateway: Gateway, provider: ProviderDeclaration
) -> None:
    upstream = simulator(gateway, provider)
    cases = provider.sandbox_cases
    await gateway.stub.GetHoldings(GetHoldingsRequest(connection=cases.ok), timeout=10)

    async def requests_for(*connections: Connection) -> int:
        gateway.sandbox.reset()
        response = await gateway.stub.GetPortfolio(
            GetPortfolioRequest(connections=connections), timeout=10
        )
        assert response.summary.failed == 0
        return len(upstream.requests)

    alone = await requests_for(cases.ok)
    assert alone >= 1
    assert await requests_for(cases.ok, cases.ok) == alone
    assert await requests_for(cases.ok, cases.other_user) == 2 * alone


async def test_a_portfolio_entry_names_its_connection_without_a_secret(
    gateway: Gateway, provider: ProviderDeclaration
) -> None:
    cases = provider.sandbox_cases
    response = await gateway.stub.GetPortfolio(
        GetPortfolioRequest(connections=[cases.ok, cases.not_found]), timeout=10
    )

    secrets = [
        value
        for connection in (cases.ok, cases.not_found)
        for field, value in getattr(connection, provider.name).ListFields()
        if field.name in provider.secret_fields
    ]
    for entry, connection in zip(response.entries, (cases.ok, cases.not_found), strict=True):
        assert entry.provider == provider.enum
        assert entry.connection_label == provider.entry_label(connection)
        assert entry.connection_label
        assert entry.connection_label not in secrets
