"""`ListInvestmentTransactions` through a real gateway and the MoneyKit sandbox: pages behind
opaque tokens, exact amounts, the securities beside the transactions, and input refused before
any upstream call."""

from __future__ import annotations

from urllib.parse import parse_qs

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregator.v1.aggregator_service_pb2 import (
    ListInvestmentTransactionsRequest,
    ListInvestmentTransactionsResponse,
)
from aggregator.v1.transaction_pb2 import InvestmentTransactionType
from service.sandbox import RecordedRequest
from service.sandbox.moneykit import triggers
from tests.conftest import Gateway
from tests.e2e import requests
from tests.e2e.richstatus import unpack

CHECKING = "acc_7Yc2Ge5JvQsW1nXoPa8KmT"
ALL_IDS = [f"itx_sandbox_{number:02d}" for number in range(11, 0, -1)]


def listing(
    page_token: str = "",
    page_size: int = 0,
    start_date: str = "2024-01-01",
    end_date: str = "2024-12-31",
    account_ids: tuple[str, ...] = (),
    link_id: str = triggers.MONEYKIT_BROKERAGE,
) -> ListInvestmentTransactionsRequest:
    return ListInvestmentTransactionsRequest(
        connection=requests.moneykit(link_id),
        start_date=start_date,
        end_date=end_date,
        account_ids=list(account_ids),
        page_size=page_size,
        page_token=page_token,
    )


async def call(
    gateway: Gateway, request: ListInvestmentTransactionsRequest
) -> ListInvestmentTransactionsResponse:
    return await gateway.stub.ListInvestmentTransactions(request, timeout=10)


def transaction_requests(gateway: Gateway) -> list[RecordedRequest]:
    return [r for r in gateway.sandbox.moneykit.requests if r.path.endswith("/transactions")]


async def refused(gateway: Gateway, request: ListInvestmentTransactionsRequest) -> list[str]:
    """The fields an INVALID_ARGUMENT names; fails unless nothing reached MoneyKit."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call(gateway, request)
    status = unpack(caught.value)
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert gateway.sandbox.moneykit.requests == []
    assert status.bad_request is not None
    return [violation.field for violation in status.bad_request.field_violations]


async def test_pages_follow_one_another_until_an_empty_token(gateway: Gateway) -> None:
    pages = [await call(gateway, listing(page_size=4))]
    while pages[-1].next_page_token:
        pages.append(await call(gateway, listing(pages[-1].next_page_token, page_size=4)))

    assert [len(page.transactions) for page in pages] == [4, 4, 3]
    assert [t.transaction_id for page in pages for t in page.transactions] == ALL_IDS
    assert all(page.total_size == 11 for page in pages)
    queries = [parse_qs(sent.query) for sent in transaction_requests(gateway)]
    assert [(q["page"], q["size"]) for q in queries] == [
        (["1"], ["4"]),
        (["2"], ["4"]),
        (["3"], ["4"]),
    ]
    for page in pages:
        referred = {t.security_id for t in page.transactions if t.security_id}
        assert {security.security_id for security in page.securities} == referred


async def test_amounts_quantities_prices_and_fees_are_exact_and_types_mapped(
    gateway: Gateway,
) -> None:
    response = await call(gateway, listing())

    by_id = {t.transaction_id: t for t in response.transactions}
    bond = by_id["itx_sandbox_10"]
    assert (bond.amount, bond.quantity, bond.price, bond.fees) == (
        "9854.125",
        "100",
        "98.53125",
        "1.00",
    )
    assert bond.type == InvestmentTransactionType.INVESTMENT_TRANSACTION_TYPE_BUY
    assert (bond.date, bond.currency) == ("2024-03-13", "USD")
    assert bond.datetime.ToJsonString() == "2024-03-13T14:31:07Z"
    assert by_id["itx_sandbox_07"].quantity == "0.500000000000000001"
    reinvested = by_id["itx_sandbox_03"]
    assert reinvested.type == InvestmentTransactionType.INVESTMENT_TRANSACTION_TYPE_BUY
    assert reinvested.provider_type == "buy.dividend_reinvestment"
    kinds = {t.provider_type: t.type for t in response.transactions}
    assert kinds["sell"] == InvestmentTransactionType.INVESTMENT_TRANSACTION_TYPE_SELL
    assert kinds["cash.dividend"] == InvestmentTransactionType.INVESTMENT_TRANSACTION_TYPE_CASH
    assert kinds["fee.account_fee"] == InvestmentTransactionType.INVESTMENT_TRANSACTION_TYPE_FEE
    assert kinds["transfer.in"] == InvestmentTransactionType.INVESTMENT_TRANSACTION_TYPE_TRANSFER
    fee = by_id["itx_sandbox_06"]
    assert (fee.security_id, fee.HasField("quantity"), fee.HasField("price")) == ("", False, False)
    assert response.next_page_token == ""


async def test_dates_and_accounts_filter_upstream(gateway: Gateway) -> None:
    response = await call(
        gateway, listing(start_date="2024-01-10", end_date="2024-03-05", account_ids=(CHECKING,))
    )

    assert [t.transaction_id for t in response.transactions] == ["itx_sandbox_09", "itx_sandbox_02"]
    assert response.securities == []
    [sent] = transaction_requests(gateway)
    query = parse_qs(sent.query)
    assert (query["start_date"], query["end_date"]) == (["2024-01-10"], ["2024-03-05"])
    assert query["account_ids"] == [CHECKING]


@pytest.mark.parametrize(("page_size", "sent_size"), [(0, "100"), (5000, "1000"), (1000, "1000")])
async def test_page_size_defaults_to_100_and_is_lowered_to_1000(
    gateway: Gateway, page_size: int, sent_size: str
) -> None:
    await call(gateway, listing(page_size=page_size))

    [sent] = transaction_requests(gateway)
    assert parse_qs(sent.query)["size"] == [sent_size]


async def test_a_token_keeps_its_page_size(gateway: Gateway) -> None:
    first = await call(gateway, listing(page_size=4))
    second = await call(gateway, listing(first.next_page_token, page_size=50))

    assert [t.transaction_id for t in second.transactions] == ALL_IDS[4:8]


async def test_a_forged_page_token_is_invalid_with_no_upstream_request(gateway: Gateway) -> None:
    first = await call(gateway, listing(page_size=4))
    gateway.sandbox.reset()
    forged = first.next_page_token[:-2] + ("AA" if first.next_page_token[-2:] != "AA" else "BB")

    assert await refused(gateway, listing(forged, page_size=4)) == ["page_token"]


async def test_a_token_used_with_other_filters_is_invalid_with_no_upstream_request(
    gateway: Gateway,
) -> None:
    first = await call(gateway, listing(page_size=4))
    gateway.sandbox.reset()

    other = listing(first.next_page_token, page_size=4, end_date="2024-02-29")
    assert await refused(gateway, other) == ["page_token"]
    elsewhere = listing(first.next_page_token, page_size=4, link_id=triggers.MONEYKIT_CRYPTO)
    assert await refused(gateway, elsewhere) == ["page_token"]


@pytest.mark.parametrize(
    ("start_date", "end_date", "fields"),
    [
        ("2024-03-01", "2024-02-01", ["end_date"]),
        ("", "2024-02-01", ["start_date"]),
        ("2024-01-01", "", ["end_date"]),
        ("2024-1-5", "20240301", ["start_date", "end_date"]),
        ("2024-02-30", "2024-13-01", ["start_date", "end_date"]),
    ],
)
async def test_missing_malformed_or_inverted_dates_are_invalid_with_no_upstream_request(
    gateway: Gateway, start_date: str, end_date: str, fields: list[str]
) -> None:
    assert await refused(gateway, listing(start_date=start_date, end_date=end_date)) == fields


async def test_a_negative_page_size_is_invalid(gateway: Gateway) -> None:
    assert await refused(gateway, listing(page_size=-1)) == ["page_size"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(token=st.text(max_size=120))
async def test_no_arbitrary_token_reaches_moneykit(gateway: Gateway, token: str) -> None:
    gateway.sandbox.reset()
    if not token:
        return
    assert await refused(gateway, listing(token)) == ["page_token"]


async def test_mesh_has_no_investment_transactions(gateway: Gateway) -> None:
    request = listing()
    request.connection.CopyFrom(requests.mesh())
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call(gateway, request)

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert gateway.sandbox.mesh.requests == []


async def test_the_link_s_failures_are_their_grpc_codes(gateway: Gateway) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call(gateway, listing(link_id=triggers.MONEYKIT_NOT_FOUND))

    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
