"""Plaid end to end: every RPC it serves and every error class, through a real gateway over real
HTTP to the Plaid simulator."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import grpc
import pytest

from aggregator.v1.aggregator_service_pb2 import (
    GetBalancesRequest,
    GetHoldingsRequest,
    GetHoldingsValueRequest,
    GetPortfolioRequest,
    ListInvestmentTransactionsRequest,
    RefreshConnectionRequest,
    RefreshState,
)
from aggregator.v1.connection_pb2 import Connection, PlaidItem
from aggregator.v1.holdings_pb2 import (
    LINK_STATE_CONNECTED,
    SECURITY_TYPE_BOND,
    SECURITY_TYPE_CRYPTO,
)
from aggregator.v1.source_pb2 import PROVIDER_PLAID
from aggregator.v1.transaction_pb2 import InvestmentTransactionType
from service.sandbox.moneykit import triggers as moneykit_triggers
from service.sandbox.plaid import triggers
from tests.conftest import Gateway
from tests.e2e import requests
from tests.e2e.richstatus import RichStatus, unpack

BROKERAGE_ACCOUNT = "BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp"
IRA_ACCOUNT = "dVzbVMLjrxTnLjX4G66XUp5GLklm4oiZy88yK"


def item(access_token: str = triggers.PLAID_BROKERAGE) -> Connection:
    return Connection(plaid=PlaidItem(access_token=access_token))


def bodies(gateway: Gateway, path: str) -> list[dict[str, object]]:
    return [
        json.loads(request.body, parse_float=Decimal)
        for request in gateway.sandbox.plaid.requests
        if request.path == path
    ]


async def failed(call: object) -> RichStatus:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return unpack(caught.value)


async def test_holdings_come_with_securities_accounts_and_exact_amounts(gateway: Gateway) -> None:
    response = await gateway.stub.GetHoldings(GetHoldingsRequest(connection=item()), timeout=10)

    btc = next(h for h in response.holdings if h.quantity == "0.123456789012345678")
    assert btc.value == "11851.86655999986656948136"
    assert not btc.HasField("cost_basis")
    securities = {s.security_id: s for s in response.securities}
    assert securities[btc.security_id].type == SECURITY_TYPE_CRYPTO
    apple = next(s for s in response.securities if s.ticker == "AAPL")
    assert (apple.isin, apple.cusip, apple.close_price, apple.close_date) == (
        "US0378331005",
        "037833100",
        "189.98",
        "2024-11-29",
    )
    assert any(s.type == SECURITY_TYPE_BOND and s.cusip for s in response.securities)
    brokerage = next(a for a in response.accounts if a.account_id == BROKERAGE_ACCOUNT)
    assert brokerage.account_type == "investment.brokerage"
    assert brokerage.balances.current == "24325.46655999986656948136"
    assert brokerage.balances.currency == "USD"
    assert response.link.state == LINK_STATE_CONNECTED
    assert response.source.provider == PROVIDER_PLAID
    assert bodies(gateway, "/investments/holdings/get") == [
        {"access_token": triggers.PLAID_BROKERAGE}
    ]


async def test_account_ids_go_as_options_and_filter_the_holdings(gateway: Gateway) -> None:
    response = await gateway.stub.GetHoldings(
        GetHoldingsRequest(connection=item(), account_ids=[IRA_ACCOUNT]), timeout=10
    )

    assert {h.account_id for h in response.holdings} == {IRA_ACCOUNT}
    assert bodies(gateway, "/investments/holdings/get")[0]["options"] == {
        "account_ids": [IRA_ACCOUNT]
    }


async def test_every_call_carries_the_credentials_and_the_api_version(gateway: Gateway) -> None:
    await gateway.stub.GetHoldings(GetHoldingsRequest(connection=item()), timeout=10)

    (request,) = gateway.sandbox.plaid.requests
    assert request.method == "POST"
    assert request.headers["plaid-version"] == "2020-09-14"
    assert request.headers["plaid-client-id"] == gateway.sandbox.plaid.credentials["client_id"]
    assert request.headers["plaid-secret"] == gateway.sandbox.plaid.credentials["secret"]
    assert request.headers["content-type"] == "application/json"


async def test_the_value_is_computed_exactly_from_the_holdings(gateway: Gateway) -> None:
    value = await gateway.stub.GetHoldingsValue(
        GetHoldingsValueRequest(connection=item(triggers.PLAID_RETIREMENT)), timeout=10
    )

    assert value.currency == "USD"
    assert value.total_value == str(Decimal("19975.4942") + Decimal("9564.408") + 100)
    assert value.equities_value == "29539.9022"
    assert value.fiat_value == "100"
    # (29639.9022 - 27400) / 27400 x 100
    assert value.total_performance == "8.1748"
    assert value.source.computed_by_gateway


async def test_a_value_with_a_holding_lacking_cost_basis_has_no_performance(
    gateway: Gateway,
) -> None:
    value = await gateway.stub.GetHoldingsValue(
        GetHoldingsValueRequest(connection=item()), timeout=10
    )

    assert value.total_value == "35523.02702999986656948136"
    assert value.cryptocurrencies_value == "11851.86655999986656948136"
    assert not value.HasField("total_performance")
    assert not value.HasField("cryptocurrencies_performance")
    assert value.HasField("equities_performance")


async def test_investment_transactions_page_through_offsets_behind_opaque_tokens(
    gateway: Gateway,
) -> None:
    request = ListInvestmentTransactionsRequest(
        connection=item(), start_date="2024-01-01", end_date="2024-12-31", page_size=3
    )
    pages = []
    while True:
        page = await gateway.stub.ListInvestmentTransactions(request, timeout=10)
        pages.append(page)
        if not page.next_page_token:
            break
        request.page_token = page.next_page_token
        assert len(pages) < 5

    assert [len(page.transactions) for page in pages] == [3, 3, 1]
    assert {page.total_size for page in pages} == {7}
    ids = [t.transaction_id for page in pages for t in page.transactions]
    assert len(set(ids)) == 7
    options = [body["options"] for body in bodies(gateway, "/investments/transactions/get")]
    assert options == [
        {"count": 3, "offset": 0},
        {"count": 3, "offset": 3},
        {"count": 3, "offset": 6},
    ]
    first = pages[0].transactions[0]
    assert (first.date, first.type, first.provider_type) == (
        "2024-11-04",
        InvestmentTransactionType.INVESTMENT_TRANSACTION_TYPE_BUY,
        "buy.buy",
    )
    assert (first.quantity, first.price, first.fees, first.currency) == (
        "2.5",
        "222.01",
        "0.99",
        "USD",
    )
    assert {s.security_id for s in pages[0].securities} >= {first.security_id}


async def test_a_page_size_over_plaids_maximum_is_lowered_to_it(gateway: Gateway) -> None:
    await gateway.stub.ListInvestmentTransactions(
        ListInvestmentTransactionsRequest(
            connection=item(), start_date="2024-01-01", end_date="2024-12-31", page_size=5000
        ),
        timeout=10,
    )

    assert bodies(gateway, "/investments/transactions/get")[0]["options"] == {
        "count": 500,
        "offset": 0,
    }


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2024-12-31", "2024-01-01", "end_date"),
        ("2024-02-30", "2024-03-01", "start_date"),
        ("20240101", "2024-03-01", "start_date"),
        ("", "2024-03-01", "start_date"),
        ("2024-01-01", "yesterday", "end_date"),
    ],
)
async def test_invalid_or_inverted_dates_are_refused_before_any_upstream_call(
    gateway: Gateway, start: str, end: str, field: str
) -> None:
    status = await failed(
        gateway.stub.ListInvestmentTransactions(
            ListInvestmentTransactionsRequest(connection=item(), start_date=start, end_date=end),
            timeout=10,
        )
    )

    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert status.bad_request is not None
    assert [v.field for v in status.bad_request.field_violations] == [field]
    assert gateway.sandbox.plaid.requests == []


async def test_a_page_token_of_other_filters_is_refused(gateway: Gateway) -> None:
    request = ListInvestmentTransactionsRequest(
        connection=item(), start_date="2024-01-01", end_date="2024-12-31", page_size=3
    )
    page = await gateway.stub.ListInvestmentTransactions(request, timeout=10)
    request.start_date = "2024-06-01"
    request.page_token = page.next_page_token
    gateway.sandbox.reset()

    status = await failed(gateway.stub.ListInvestmentTransactions(request, timeout=10))

    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert gateway.sandbox.plaid.requests == []


async def test_balances_are_the_cached_ones_unless_real_time_is_asked(gateway: Gateway) -> None:
    cached = await gateway.stub.GetBalances(GetBalancesRequest(connection=item()), timeout=10)
    live = await gateway.stub.GetBalances(
        GetBalancesRequest(connection=item(), real_time=True, account_ids=[BROKERAGE_ACCOUNT]),
        timeout=10,
    )

    assert not cached.real_time
    assert live.real_time
    assert [r.path for r in gateway.sandbox.plaid.requests] == [
        "/accounts/get",
        "/accounts/balance/get",
    ]
    assert len(cached.balances) == 3
    checking = next(b for b in cached.balances if b.account_name == "Plaid Checking")
    assert (checking.currency, checking.available, checking.current) == ("USD", "100", "110")
    (brokerage,) = live.balances
    assert brokerage.account_id == BROKERAGE_ACCOUNT
    assert brokerage.HasField("balance_date")
    assert bodies(gateway, "/accounts/balance/get")[0]["options"] == {
        "account_ids": [BROKERAGE_ACCOUNT]
    }


async def test_a_refresh_without_wait_is_only_asked_for(gateway: Gateway) -> None:
    response = await gateway.stub.RefreshConnection(
        RefreshConnectionRequest(connection=item()), timeout=10
    )

    assert response.state == RefreshState.REFRESH_STATE_REQUESTED
    assert [r.path for r in gateway.sandbox.plaid.requests] == ["/investments/refresh"]


async def test_a_waited_refresh_notes_the_last_update_and_polls_until_it_moves(
    gateway: Gateway,
) -> None:
    response = await gateway.stub.RefreshConnection(
        RefreshConnectionRequest(connection=item(), wait=True), timeout=10
    )

    assert response.state == RefreshState.REFRESH_STATE_COMPLETED
    assert response.previous_refreshed_at.ToJsonString() == "2024-11-29T08:00:00Z"
    assert response.refreshed_at.ToDatetime() > response.previous_refreshed_at.ToDatetime()
    assert response.source.as_of == response.refreshed_at
    assert response.source.as_of_from_provider
    paths = [r.path for r in gateway.sandbox.plaid.requests]
    assert paths[:2] == ["/item/get", "/investments/refresh"]
    assert paths[2:] == ["/item/get"] * triggers.REFRESH_COMPLETES_AFTER_READS


async def test_a_refresh_that_does_not_complete_in_time_is_pending(gateway: Gateway) -> None:
    response = await gateway.stub.RefreshConnection(
        RefreshConnectionRequest(connection=item(triggers.PLAID_REFRESH_STALLS), wait=True),
        timeout=2,
    )

    assert response.state == RefreshState.REFRESH_STATE_PENDING
    assert response.refreshed_at == response.previous_refreshed_at
    polls = [r.path for r in gateway.sandbox.plaid.requests].count("/item/get") - 1
    # 0.25 s, 0.5 s and 1 s apart: a backing-off poll fits three reads in two seconds at most.
    assert 1 <= polls <= 3


async def test_a_refresh_plaid_reports_failed_is_an_error(gateway: Gateway) -> None:
    status = await failed(
        gateway.stub.RefreshConnection(
            RefreshConnectionRequest(connection=item(triggers.PLAID_REFRESH_FAILS), wait=True),
            timeout=10,
        )
    )

    assert status.code == grpc.StatusCode.UNAVAILABLE
    assert "refresh" in status.message


ERROR_CLASSES = [
    (
        triggers.PLAID_INVALID_ACCESS_TOKEN,
        grpc.StatusCode.UNAUTHENTICATED,
        "USER_CREDENTIALS_REJECTED",
    ),
    (triggers.PLAID_ITEM_LOGIN_REQUIRED, grpc.StatusCode.FAILED_PRECONDITION, "RECONNECT_REQUIRED"),
    (triggers.PLAID_ITEM_NOT_FOUND, grpc.StatusCode.NOT_FOUND, "UPSTREAM_NOT_FOUND"),
    (triggers.PLAID_PRODUCT_NOT_READY, grpc.StatusCode.UNAVAILABLE, "UPSTREAM_UNAVAILABLE"),
    (
        triggers.PLAID_RATE_LIMIT_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "UPSTREAM_RATE_LIMITED",
    ),
    (triggers.PLAID_INSTITUTION_DOWN, grpc.StatusCode.UNAVAILABLE, "UPSTREAM_UNAVAILABLE"),
    (triggers.PLAID_INTERNAL_SERVER_ERROR, grpc.StatusCode.UNAVAILABLE, "UPSTREAM_UNAVAILABLE"),
    (triggers.PLAID_INVALID_FIELD, grpc.StatusCode.INVALID_ARGUMENT, "UPSTREAM_REJECTED_REQUEST"),
]

RPCS = {
    "GetHoldings": lambda c: GetHoldingsRequest(connection=c),
    "GetHoldingsValue": lambda c: GetHoldingsValueRequest(connection=c),
    "GetBalances": lambda c: GetBalancesRequest(connection=c),
    "RealTimeBalances": lambda c: GetBalancesRequest(connection=c, real_time=True),
    "ListInvestmentTransactions": lambda c: ListInvestmentTransactionsRequest(
        connection=c, start_date="2024-01-01", end_date="2024-12-31"
    ),
    "RefreshConnection": lambda c: RefreshConnectionRequest(connection=c),
}


@pytest.mark.parametrize("rpc", sorted(RPCS))
@pytest.mark.parametrize(("token", "code", "reason"), ERROR_CLASSES, ids=lambda v: str(v))
async def test_each_error_class_of_each_rpc_is_its_status_with_plaids_details(
    gateway: Gateway, rpc: str, token: str, code: grpc.StatusCode, reason: str
) -> None:
    method = "GetBalances" if rpc == "RealTimeBalances" else rpc
    status = await failed(getattr(gateway.stub, method)(RPCS[rpc](item(token)), timeout=10))

    assert status.code == code
    assert status.error_info is not None
    assert (status.error_info.reason, status.error_info.domain) == (reason, "plaid")
    assert len(status.error_info.metadata["upstream_request_id"]) == 15
    assert status.envelope is not None
    assert status.envelope.error_data.struct_value.fields["documentation_url"].string_value
    assert token not in status.message


async def test_a_user_who_must_relink_is_told_so(gateway: Gateway) -> None:
    status = await failed(
        gateway.stub.GetHoldings(
            GetHoldingsRequest(connection=item(triggers.PLAID_ITEM_LOGIN_REQUIRED)), timeout=10
        )
    )

    assert status.error_info is not None
    assert status.error_info.metadata["user_action"] == "reconnect"
    assert status.error_info.metadata["error_type"] == "ITEM_LOGIN_REQUIRED"
    assert status.localized_message is not None
    assert "Sign in again" in status.localized_message.message
    assert "update mode" in status.message
    assert status.retry_info is None


async def test_data_not_ready_says_when_to_come_back_and_is_not_retried(gateway: Gateway) -> None:
    status = await failed(
        gateway.stub.GetHoldings(
            GetHoldingsRequest(connection=item(triggers.PLAID_PRODUCT_NOT_READY)), timeout=10
        )
    )

    assert status.retry_info is not None
    assert status.retry_info.retry_delay.seconds == 30
    assert len(gateway.sandbox.plaid.requests) == 1


async def test_an_institution_down_is_retried_as_a_read(gateway: Gateway) -> None:
    status = await failed(
        gateway.stub.GetHoldings(
            GetHoldingsRequest(connection=item(triggers.PLAID_INSTITUTION_DOWN)), timeout=10
        )
    )

    assert status.localized_message is not None
    assert len(gateway.sandbox.plaid.requests) == 3


async def test_plaids_rate_limit_says_to_retry_after_its_window(gateway: Gateway) -> None:
    status = await failed(
        gateway.stub.GetHoldings(
            GetHoldingsRequest(connection=item(triggers.PLAID_RATE_LIMIT_EXCEEDED)), timeout=10
        )
    )

    assert status.retry_info is not None
    assert status.retry_info.retry_delay.seconds == 60


async def test_the_upstream_request_id_is_in_the_rpc_log_line(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="service.rpc")
    status = await failed(
        gateway.stub.GetHoldings(
            GetHoldingsRequest(connection=item(triggers.PLAID_ITEM_NOT_FOUND)), timeout=10
        )
    )

    assert status.error_info is not None
    request_id = status.error_info.metadata["upstream_request_id"]
    (line,) = [r for r in caplog.records if r.name == "service.rpc"]
    assert f"upstream_request_id={request_id}" in line.getMessage()
    assert triggers.PLAID_ITEM_NOT_FOUND not in line.getMessage()


async def test_the_gateway_holds_back_the_sixteenth_holdings_call_of_a_minute(
    gateway: Gateway,
) -> None:
    for _ in range(15):
        await gateway.stub.GetHoldings(GetHoldingsRequest(connection=item()), timeout=10)

    status = await failed(
        gateway.stub.GetHoldings(GetHoldingsRequest(connection=item()), timeout=10)
    )
    other = await gateway.stub.GetHoldings(
        GetHoldingsRequest(connection=item(triggers.PLAID_RETIREMENT)), timeout=10
    )

    assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert status.error_info is not None
    assert status.error_info.reason == "UPSTREAM_RATE_LIMITED"
    assert status.retry_info is not None
    assert 0 < status.retry_info.retry_delay.seconds <= 60
    assert other.holdings
    assert len(gateway.sandbox.plaid.requests) == 16


async def test_a_portfolio_across_providers_gives_each_connection_its_own_status(
    gateway: Gateway,
) -> None:
    connections = [
        item(),
        requests.mesh("alice-robinhood"),
        item(triggers.PLAID_ITEM_LOGIN_REQUIRED),
        requests.moneykit(moneykit_triggers.MONEYKIT_CRYPTO),
        item(triggers.PLAID_RETIREMENT),
    ]

    response = await gateway.stub.GetPortfolio(
        GetPortfolioRequest(connections=connections), timeout=10
    )

    outcomes = [entry.WhichOneof("result") for entry in response.entries]
    assert outcomes == ["data", "data", "error", "data", "data"]
    failed_entry = response.entries[2]
    assert failed_entry.error.code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    assert failed_entry.provider == PROVIDER_PLAID
    assert failed_entry.connection_label.startswith("item-")
    assert response.entries[0].data.value.total_value == "35523.02702999986656948136"
    assert (response.summary.succeeded, response.summary.failed) == (4, 1)
    # The holdings and the value of one Item come from one upstream call.
    assert len(bodies(gateway, "/investments/holdings/get")) == 3
