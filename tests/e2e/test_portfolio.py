"""Portfolios across providers, end to end against the sandbox: partial failure, merging,
streaming order, and validation."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from aggregator.v1.aggregator_service_pb2 import (
    GetPortfolioRequest,
    ListInstitutionsRequest,
    PortfolioEntry,
    StreamPortfolioRequest,
)
from aggregator.v1.connection_pb2 import Connection
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.result_pb2 import ResultStatus
from aggregator.v1.source_pb2 import PROVIDER_MESH, PROVIDER_MONEYKIT
from service.sandbox import SandboxUpstreams
from tests.conftest import Gateway, gateway_settings, sandbox_providers, start_gateway
from tests.e2e import requests
from tests.e2e.richstatus import unpack

I = Institution  # noqa: E741 (short alias for the table below)

TEN_CONNECTIONS: list[Connection] = [
    requests.mesh("alice-robinhood", I.INSTITUTION_ROBINHOOD),
    requests.mesh("alice-coinbase", I.INSTITUTION_COINBASE),
    requests.moneykit("mk_sandbox_brokerage"),
    requests.mesh("sandbox-server-failure", I.INSTITUTION_KRAKEN),
    requests.moneykit("mk_sandbox_retirement"),
    requests.mesh("alice-ib", I.INSTITUTION_INTERACTIVE_BROKERS),
    requests.moneykit("mk_sandbox_not_found"),
    requests.moneykit("mk_sandbox_crypto"),
    requests.mesh("alice-defi", I.INSTITUTION_DE_FI_WALLET),
    requests.mesh("alice-opensea", I.INSTITUTION_OPEN_SEA),
]
FAILING = {3: ("UNAVAILABLE", "UPSTREAM_UNAVAILABLE"), 6: ("NOT_FOUND", "UPSTREAM_NOT_FOUND")}


def entry_status(entry: PortfolioEntry) -> status_pb2.Status:
    """An entry's error decoded as the google.rpc.Status it is wire-compatible with."""
    return status_pb2.Status.FromString(entry.error.SerializeToString())


def error_info(entry: PortfolioEntry) -> error_details_pb2.ErrorInfo:
    for detail in entry_status(entry).details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    raise AssertionError("no ErrorInfo")


async def test_a_portfolio_of_ten_with_two_failures_returns_eight_results_and_two_errors(
    gateway: Gateway,
) -> None:
    response = await gateway.stub.GetPortfolio(
        GetPortfolioRequest(connections=TEN_CONNECTIONS), timeout=30
    )

    assert [entry.connection_index for entry in response.entries] == list(range(10))
    for index, entry in enumerate(response.entries):
        if index in FAILING:
            code, reason = FAILING[index]
            assert entry.WhichOneof("result") == "error"
            assert entry_status(entry).code == grpc.StatusCode[code].value[0]
            assert error_info(entry).reason == reason
        else:
            assert entry.WhichOneof("result") == "data", entry.error.message
    assert response.entries[6].envelope.status == ResultStatus.RESULT_STATUS_NOT_FOUND
    assert (response.summary.succeeded, response.summary.failed) == (8, 2)
    assert response.entries[0].provider == PROVIDER_MESH
    assert response.entries[0].institution == I.INSTITUTION_ROBINHOOD
    assert response.entries[2].provider == PROVIDER_MONEYKIT
    assert response.entries[2].link_id == "mk_sandbox_brokerage"
    robinhood = response.entries[0].data
    assert robinhood.value.total_value == "186.03"
    assert robinhood.holdings.holdings
    brokerage = response.entries[2].data
    assert brokerage.value.source.computed_by_gateway
    assert brokerage.value.HasField("total_value")


async def test_no_portfolio_response_echoes_an_auth_token(gateway: Gateway) -> None:
    response = await gateway.stub.GetPortfolio(
        GetPortfolioRequest(connections=TEN_CONNECTIONS), timeout=30
    )

    raw = response.SerializeToString()
    for connection in TEN_CONNECTIONS:
        if connection.HasField("mesh"):
            assert connection.mesh.auth_token.encode() not in raw


async def test_the_same_security_in_two_connections_is_merged_exactly(gateway: Gateway) -> None:
    connections = [requests.moneykit("mk_alice_one"), requests.moneykit("mk_alice_two")]
    response = await gateway.stub.GetPortfolio(
        GetPortfolioRequest(connections=connections), timeout=30
    )

    single = {
        h.security_id: h for h in response.entries[0].data.holdings.holdings if h.HasField("value")
    }
    securities = {s.security_id: s for s in response.entries[0].data.holdings.securities}
    merged = {p.isin: p for p in response.summary.positions if p.isin}
    assert merged, "the sandbox link holds securities with ISINs"
    for isin, position in merged.items():
        assert list(position.connection_indexes) == [0, 1]
        [holding] = [h for sid, h in single.items() if securities[sid].isin == isin]
        assert position.value == str(2 * Decimal(holding.value))
    totals = {total.currency: total.value for total in response.summary.totals}
    one_link = response.entries[0].data.value
    assert totals[one_link.currency] == str(2 * Decimal(one_link.total_value))


async def test_a_portfolio_fails_whole_only_when_every_connection_failed_for_one_gateway_reason(
    sandbox: SandboxUpstreams,
) -> None:
    providers = sandbox_providers(sandbox, mesh={"client_id": ""}, moneykit={"client_id": ""})
    async for gateway in start_gateway(gateway_settings(sandbox), sandbox, providers):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await gateway.stub.GetPortfolio(
                GetPortfolioRequest(connections=[requests.mesh(), requests.moneykit()]), timeout=10
            )

    status = unpack(caught.value)
    assert status.code == grpc.StatusCode.FAILED_PRECONDITION
    assert status.error_info is not None
    assert status.error_info.reason == "PROVIDER_NOT_CONFIGURED"


async def test_a_portfolio_whose_connections_all_failed_upstream_still_answers(
    gateway: Gateway,
) -> None:
    connections = [
        requests.mesh("sandbox-not-found"),
        requests.moneykit("mk_sandbox_deleted"),
        requests.mesh("sandbox-holdings-not-authorized", I.INSTITUTION_ROBINHOOD),
    ]
    response = await gateway.stub.GetPortfolio(
        GetPortfolioRequest(connections=connections), timeout=30
    )

    assert [e.WhichOneof("result") for e in response.entries] == ["error"] * 3
    assert (response.summary.succeeded, response.summary.failed) == (0, 3)
    assert error_info(response.entries[2]).reason == "USER_CREDENTIALS_REJECTED"


@pytest.mark.parametrize(
    ("connections", "fields"),
    [
        ([], {"connections"}),
        ([requests.mesh()] * 51, {"connections"}),
        (
            [requests.mesh(), requests.mesh(auth_token=""), requests.moneykit("")],
            {"connections[1].mesh.auth_token", "connections[2].moneykit.link_id"},
        ),
        ([requests.mesh(), Connection()], {"connections[1]"}),
    ],
    ids=["none", "too-many", "bad-fields", "no-provider"],
)
async def test_an_invalid_portfolio_is_rejected_before_any_upstream_call(
    gateway: Gateway, connections: list[Connection], fields: set[str]
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.GetPortfolio(GetPortfolioRequest(connections=connections), timeout=10)

    status = unpack(caught.value)
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert status.bad_request is not None
    assert {v.field for v in status.bad_request.field_violations} == fields
    assert gateway.sandbox.mesh.requests == []
    assert gateway.sandbox.moneykit.requests == []


async def test_a_portfolio_refuses_an_institution_that_serves_neither_holdings_nor_value(
    gateway: Gateway,
) -> None:
    connections = [requests.mesh(institution=I.INSTITUTION_TD_AMERITRADE)]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.GetPortfolio(GetPortfolioRequest(connections=connections), timeout=10)

    status = unpack(caught.value)
    assert status.error_info is not None
    assert status.error_info.reason == "PORTFOLIO_NOT_SUPPORTED"


async def test_the_stream_delivers_a_fast_entry_while_a_slow_one_is_still_busy(
    gateway: Gateway,
) -> None:
    connections = [requests.mesh("sandbox-held"), requests.moneykit("mk_sandbox_brokerage")]
    stream = gateway.stub.StreamPortfolio(
        StreamPortfolioRequest(connections=connections), timeout=30
    )

    first = await stream.read()
    assert first.WhichOneof("item") == "entry"
    assert first.entry.connection_index == 1
    assert gateway.sandbox.mesh.held_count >= 1, "the slow connection is still busy"

    gateway.sandbox.release_held()
    rest = []
    while (message := await stream.read()) is not grpc.aio.EOF:
        rest.append(message)

    assert [m.WhichOneof("item") for m in rest] == ["entry", "summary"]
    assert rest[0].entry.connection_index == 0
    assert rest[0].entry.WhichOneof("result") == "data"
    assert (rest[1].summary.succeeded, rest[1].summary.failed) == (2, 0)


async def test_the_stream_reports_a_failed_connection_in_its_entry(gateway: Gateway) -> None:
    connections = [requests.moneykit("mk_sandbox_forbidden"), requests.moneykit()]
    messages = [
        m
        async for m in gateway.stub.StreamPortfolio(
            StreamPortfolioRequest(connections=connections), timeout=30
        )
    ]

    entries = {m.entry.connection_index: m.entry for m in messages if m.HasField("entry")}
    assert entries[0].WhichOneof("result") == "error"
    assert error_info(entries[0]).reason == "UPSTREAM_PERMISSION_DENIED"
    assert entries[1].WhichOneof("result") == "data"
    assert messages[-1].HasField("summary")


async def test_get_holdings_and_value_of_one_link_share_one_upstream_request(
    gateway: Gateway,
) -> None:
    await gateway.stub.GetPortfolio(
        GetPortfolioRequest(connections=[requests.moneykit("mk_sandbox_brokerage")]), timeout=30
    )

    reads = [r for r in gateway.sandbox.moneykit.requests if r.method == "GET"]
    assert len(reads) == 1


async def test_list_institutions_reports_capabilities_per_institution_and_provider(
    gateway: Gateway,
) -> None:
    response = await gateway.stub.ListInstitutions(ListInstitutionsRequest(), timeout=10)

    by_name = {entry.wire_name: entry for entry in response.institutions}
    assert set(by_name["robinhood"].supported_rpcs) == {
        "GetHoldingsValue",
        "CancelOrder",
        "GetHoldings",
        "GetPortfolio",
        "StreamPortfolio",
        "GetBalances",
        "GetOrder",
        "ListOrders",
    }
    assert "CancelOrder" not in by_name["openSea"].supported_rpcs
    # Balances are reported through supported_rpcs only, at the 34 institutions Mesh lists.
    assert "GetBalances" not in by_name["eTrade"].supported_rpcs
    assert sum("GetBalances" in entry.supported_rpcs for entry in response.institutions) == 34
    assert {"CancelOrder", "GetOrder"} & set(by_name["eTrade"].supported_rpcs) == {"CancelOrder"}
    assert sum("ListOrders" in entry.supported_rpcs for entry in response.institutions) == 22
    assert by_name["eTrade"].supports_holdings is False
    providers = {p.provider: set(p.supported_rpcs) for p in response.providers}
    assert "CancelOrder" not in providers[PROVIDER_MONEYKIT]
    assert "GetHoldingsValue" in providers[PROVIDER_MONEYKIT]
    assert "GetBalances" in providers[PROVIDER_MONEYKIT]
    assert "GetBalances" in providers[PROVIDER_MESH]


async def test_many_portfolio_calls_can_run_at_once(gateway: Gateway) -> None:
    responses = await asyncio.gather(
        *(
            gateway.stub.GetPortfolio(
                GetPortfolioRequest(connections=[requests.mesh(f"user-{n}")]), timeout=30
            )
            for n in range(5)
        )
    )

    assert all(r.entries[0].WhichOneof("result") == "data" for r in responses)
