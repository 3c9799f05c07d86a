"""SnapTrade end to end: every RPC it serves and every error class, through a real gateway in
front of the SnapTrade sandbox over real HTTP, the signature checked on every request."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import grpc
import pytest
from google.protobuf import timestamp_pb2
from google.rpc import status_pb2
from grpc_status import rpc_status
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr

from aggregator.v1.aggregator_service_pb2 import (
    CancelConfirmation,
    CancelOrderRequest,
    GetBalancesRequest,
    GetHoldingsRequest,
    GetHoldingsValueRequest,
    GetOrderRequest,
    GetPortfolioRequest,
    ListOrdersRequest,
    RefreshConnectionRequest,
    RefreshState,
)
from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from aggregator.v1.connection_pb2 import Connection, SnapTradeAccount
from aggregator.v1.holdings_pb2 import SecurityType
from aggregator.v1.order_pb2 import Order, OrderSide, OrderStatus, OrderType
from aggregator.v1.source_pb2 import PROVIDER_SNAPTRADE
from service.process.server import running_gateway
from service.sandbox import RecordedRequest, SandboxUpstreams
from service.sandbox.snaptrade import datasets, triggers
from service.sandbox.snaptrade import orders as simulated_orders
from tests.conftest import Gateway, gateway_settings, sandbox_providers, start_gateway
from tests.e2e import requests
from tests.e2e.richstatus import RichStatus, unpack

ACCOUNT = triggers.SNAPTRADE_BROKERAGE_ACCOUNT


def account(
    user_id: str = "alice", user_secret: str = "alice-secret", account_id: str = ACCOUNT
) -> Connection:
    return Connection(
        snaptrade=SnapTradeAccount(user_id=user_id, user_secret=user_secret, account_id=account_id)
    )


def query(request: RecordedRequest) -> dict[str, list[str]]:
    return parse_qs(request.query, keep_blank_values=True)


async def failure(call: object) -> RichStatus:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return unpack(caught.value)


@pytest.fixture
async def fast_confirm(sandbox: SandboxUpstreams) -> AsyncIterator[Gateway]:
    """A gateway whose confirmation reads are 0.2 s apart instead of SnapTrade's 15 s."""
    providers = sandbox_providers(sandbox, snaptrade={"confirm_interval_seconds": 0.2})
    async for running in start_gateway(gateway_settings(sandbox), sandbox, providers):
        yield running


# Holdings, value and balances


async def test_holdings_are_every_kind_of_position_with_exact_totals(gateway: Gateway) -> None:
    response = await gateway.stub.GetHoldings(GetHoldingsRequest(connection=account()), timeout=10)

    securities = {security.ticker: security for security in response.securities}
    holdings = {h.security_id: h for h in response.holdings}
    assert {ticker: s.type for ticker, s in securities.items()} == {
        "AAPL": SecurityType.SECURITY_TYPE_EQUITY,
        "VTI": SecurityType.SECURITY_TYPE_ETF,
        "VFIAX": SecurityType.SECURITY_TYPE_FUND,
        "SPAXX": SecurityType.SECURITY_TYPE_CASH,
        "BTC": SecurityType.SECURITY_TYPE_CRYPTO,
        "AAPL  261218C00240000": SecurityType.SECURITY_TYPE_DERIVATIVE,
    }
    aapl = holdings[securities["AAPL"].security_id]
    assert (aapl.quantity, aapl.price, aapl.value, aapl.cost_basis) == (
        "10.5",
        "123.45",
        "1296.225",
        "1241.10",
    )
    call = holdings[securities["AAPL  261218C00240000"].security_id]
    # Per share, times the contract's 100 shares.
    assert (call.value, call.cost_basis) == ("1020.00", "650.00")
    assert {h.account_id for h in response.holdings} == {ACCOUNT}
    assert [a.account_id for a in response.accounts] == [ACCOUNT]
    assert securities["AAPL"].currency == "USD"
    assert response.source.provider == PROVIDER_SNAPTRADE
    assert response.source.as_of_from_provider


async def test_every_request_is_signed_and_names_the_user_in_its_query(gateway: Gateway) -> None:
    await gateway.stub.GetHoldings(GetHoldingsRequest(connection=account()), timeout=10)

    (request,) = gateway.sandbox.snaptrade.requests
    sent = query(request)
    assert request.path == f"/accounts/{ACCOUNT}/positions/all"
    assert sent["userId"] == ["alice"]
    assert sent["userSecret"] == ["alice-secret"]
    assert sent["clientId"] == [gateway.sandbox.snaptrade.credentials["client_id"]]
    assert abs(int(sent["timestamp"][0]) - datetime.now(UTC).timestamp()) < 300
    assert request.headers["signature"]


async def test_the_value_is_summed_exactly_from_the_positions(gateway: Gateway) -> None:
    response = await gateway.stub.GetHoldingsValue(
        GetHoldingsValueRequest(connection=account()), timeout=10
    )

    equities = Decimal("1296.225") + Decimal("750.30") + Decimal("555.30000")
    assert Decimal(response.equities_value) == equities
    assert response.cryptocurrencies_value == "7407.4068000000"
    assert response.fiat_value == "500.00"
    assert Decimal(response.total_value) == (
        equities + Decimal("7407.4068") + Decimal("500") + Decimal("1020")
    )
    assert response.currency == "USD"
    assert response.source.computed_by_gateway
    assert response.HasField("total_performance")


async def test_positions_in_two_currencies_have_no_total(gateway: Gateway) -> None:
    connection = account(account_id=triggers.SNAPTRADE_TWO_CURRENCY_ACCOUNT)
    response = await gateway.stub.GetHoldingsValue(
        GetHoldingsValueRequest(connection=connection), timeout=10
    )

    assert not response.HasField("total_value")
    assert response.currency == ""


async def test_balances_are_exact_per_currency_and_say_they_are_cached(gateway: Gateway) -> None:
    connection = account(account_id=triggers.SNAPTRADE_TWO_CURRENCY_ACCOUNT)
    response = await gateway.stub.GetBalances(
        GetBalancesRequest(connection=connection, real_time=True), timeout=10
    )

    assert [(b.currency, b.cash, b.HasField("buying_power")) for b in response.balances] == [
        ("CAD", "1250.55", True),
        ("USD", "-20.10", False),
    ]
    assert {b.account_id for b in response.balances} == {triggers.SNAPTRADE_TWO_CURRENCY_ACCOUNT}
    assert not response.real_time
    (request,) = gateway.sandbox.snaptrade.requests
    assert request.path == f"/accounts/{triggers.SNAPTRADE_TWO_CURRENCY_ACCOUNT}/balances"


async def test_a_real_time_plan_says_its_balances_are_real_time(sandbox: SandboxUpstreams) -> None:
    providers = sandbox_providers(sandbox, snaptrade={"real_time_data": True})
    async for gateway in start_gateway(gateway_settings(sandbox), sandbox, providers):
        response = await gateway.stub.GetBalances(
            GetBalancesRequest(connection=account()), timeout=10
        )
        assert response.real_time
        assert response.balances[0].buying_power == "410.71"


# Orders


async def test_an_order_is_read_from_its_detail(gateway: Gateway) -> None:
    response = await gateway.stub.GetOrder(
        GetOrderRequest(connection=account(), order_id=triggers.ORDER_FILLED), timeout=10
    )

    order = response.order
    assert (order.order_id, order.status, order.provider_status) == (
        triggers.ORDER_FILLED,
        OrderStatus.ORDER_STATUS_FILLED,
        "EXECUTED",
    )
    assert (order.side, order.symbol, order.amount, order.price, order.value) == (
        OrderSide.ORDER_SIDE_SELL,
        "AAPL",
        "5",
        "190.25",
        "951.25",
    )
    assert order.order_type == OrderType.ORDER_TYPE_MARKET
    paths = [r.path for r in gateway.sandbox.snaptrade.requests]
    assert paths == [f"/accounts/{ACCOUNT}/orders/details/v2/{triggers.ORDER_FILLED}"]


async def test_an_order_placed_outside_snaptrade_is_found_in_the_recent_orders(
    gateway: Gateway,
) -> None:
    response = await gateway.stub.GetOrder(
        GetOrderRequest(connection=account(), order_id=triggers.ORDER_EXTERNAL), timeout=10
    )

    assert response.order.status == OrderStatus.ORDER_STATUS_IN_PROGRESS
    assert response.order.symbol == "VTI"
    recent = gateway.sandbox.snaptrade.requests[-1]
    assert recent.path == f"/accounts/{ACCOUNT}/recentOrders"
    assert query(recent)["only_executed"] == ["false"]


async def test_an_unknown_order_is_not_found(gateway: Gateway) -> None:
    status = await failure(
        gateway.stub.GetOrder(
            GetOrderRequest(connection=account(), order_id=triggers.ORDER_UNKNOWN), timeout=10
        )
    )

    assert status.code == grpc.StatusCode.NOT_FOUND
    assert len(gateway.sandbox.snaptrade.requests) == 2


async def list_all(gateway: Gateway, request: ListOrdersRequest) -> list[Order]:
    orders: list[Order] = []
    while True:
        page = await gateway.stub.ListOrders(request, timeout=10)
        orders.extend(page.orders)
        if not page.next_page_token:
            return orders
        request.page_token = page.next_page_token


async def test_orders_are_listed_in_pages_over_one_upstream_list(gateway: Gateway) -> None:
    whole = await gateway.stub.ListOrders(ListOrdersRequest(connection=account()), timeout=10)
    paged = await list_all(gateway, ListOrdersRequest(connection=account(), page_size=2))

    assert len(whole.orders) == len(simulated_orders.ORDERS)
    assert [o.order_id for o in paged] == [o.order_id for o in whole.orders]
    first = query(gateway.sandbox.snaptrade.requests[0])
    assert (first["state"], first["days"]) == (["all"], ["90"])
    statuses = {o.order_id: o.status for o in whole.orders}
    assert statuses[triggers.ORDER_OPEN] == OrderStatus.ORDER_STATUS_IN_PROGRESS
    assert statuses[triggers.ORDER_REJECTED] == OrderStatus.ORDER_STATUS_REJECTED


async def test_in_progress_orders_are_snaptrades_open_state(gateway: Gateway) -> None:
    response = await gateway.stub.ListOrders(
        ListOrdersRequest(connection=account(), statuses=[OrderStatus.ORDER_STATUS_IN_PROGRESS]),
        timeout=10,
    )

    assert query(gateway.sandbox.snaptrade.requests[0])["state"] == ["open"]
    assert response.orders
    assert {o.status for o in response.orders} == {OrderStatus.ORDER_STATUS_IN_PROGRESS}


async def test_statuses_snaptrade_cannot_filter_are_filtered_by_the_gateway(
    gateway: Gateway,
) -> None:
    response = await gateway.stub.ListOrders(
        ListOrdersRequest(connection=account(), statuses=[OrderStatus.ORDER_STATUS_REJECTED]),
        timeout=10,
    )

    assert query(gateway.sandbox.snaptrade.requests[0])["state"] == ["all"]
    assert [o.order_id for o in response.orders] == [triggers.ORDER_REJECTED]


async def test_created_after_becomes_days_and_is_applied_to_the_second(gateway: Gateway) -> None:
    since = timestamp_pb2.Timestamp()
    since.FromDatetime(datetime.now(UTC) - timedelta(days=2, hours=12))
    response = await gateway.stub.ListOrders(
        ListOrdersRequest(connection=account(), created_after=since), timeout=10
    )

    assert query(gateway.sandbox.snaptrade.requests[0])["days"] == ["3"]
    assert {o.order_id for o in response.orders} == {
        triggers.ORDER_OPEN,
        triggers.ORDER_SLOW_CANCEL,
        triggers.ORDER_EXTERNAL,
        triggers.ORDER_LOST_ANSWER,
        triggers.ORDER_FAILED_CANCEL,
    }


async def test_a_page_token_only_works_with_its_own_filters(gateway: Gateway) -> None:
    page = await gateway.stub.ListOrders(
        ListOrdersRequest(connection=account(), page_size=1), timeout=10
    )
    gateway.sandbox.reset()

    status = await failure(
        gateway.stub.ListOrders(
            ListOrdersRequest(
                connection=account(),
                page_token=page.next_page_token,
                statuses=[OrderStatus.ORDER_STATUS_FILLED],
            ),
            timeout=10,
        )
    )

    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert gateway.sandbox.snaptrade.requests == []


# Cancels


def cancels(gateway: Gateway) -> list[RecordedRequest]:
    return [r for r in gateway.sandbox.snaptrade.requests if r.path.endswith("/trading/cancel")]


async def test_a_cancel_sends_the_order_id_once(gateway: Gateway) -> None:
    response = await gateway.stub.CancelOrder(
        CancelOrderRequest(connection=account(), order_id=triggers.ORDER_OPEN), timeout=10
    )

    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_UNSPECIFIED
    (request,) = gateway.sandbox.snaptrade.requests
    assert request.method == "POST"
    assert json.loads(request.body) == {"brokerage_order_id": triggers.ORDER_OPEN}


async def test_a_confirmed_cancel_reads_the_cancelled_order(gateway: Gateway) -> None:
    response = await gateway.stub.CancelOrder(
        CancelOrderRequest(connection=account(), order_id=triggers.ORDER_OPEN, confirm=True),
        timeout=10,
    )

    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_CONFIRMED
    assert response.order.status == OrderStatus.ORDER_STATUS_CANCELLED
    assert len(gateway.sandbox.snaptrade.requests) == 2


async def test_a_slow_cancel_is_read_a_second_time_after_the_pause(fast_confirm: Gateway) -> None:
    response = await fast_confirm.stub.CancelOrder(
        CancelOrderRequest(connection=account(), order_id=triggers.ORDER_SLOW_CANCEL, confirm=True),
        timeout=10,
    )

    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_CONFIRMED
    assert response.order.provider_status == "CANCELED"
    assert len(cancels(fast_confirm)) == 1
    assert len(fast_confirm.sandbox.snaptrade.requests) == 3


async def test_an_order_still_pending_is_read_at_most_twice(fast_confirm: Gateway) -> None:
    response = await fast_confirm.stub.CancelOrder(
        CancelOrderRequest(connection=account(), order_id=triggers.ORDER_STUCK, confirm=True),
        timeout=10,
    )

    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_PENDING
    assert response.order.provider_status == "CANCEL_PENDING"
    assert len(fast_confirm.sandbox.snaptrade.requests) == 3


async def test_no_second_read_when_the_deadline_cannot_fit_snaptrades_pause(
    gateway: Gateway,
) -> None:
    response = await gateway.stub.CancelOrder(
        CancelOrderRequest(connection=account(), order_id=triggers.ORDER_SLOW_CANCEL, confirm=True),
        timeout=10,
    )

    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_PENDING
    assert len(gateway.sandbox.snaptrade.requests) == 2


async def test_a_cancel_of_an_order_placed_elsewhere_is_confirmed_from_the_recent_orders(
    gateway: Gateway,
) -> None:
    response = await gateway.stub.CancelOrder(
        CancelOrderRequest(connection=account(), order_id=triggers.ORDER_EXTERNAL, confirm=True),
        timeout=10,
    )

    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_CONFIRMED
    assert response.order.status == OrderStatus.ORDER_STATUS_CANCELLED
    assert [r.path.rsplit("/", 1)[-1] for r in gateway.sandbox.snaptrade.requests] == [
        "cancel",
        triggers.ORDER_EXTERNAL,
        "recentOrders",
    ]


async def test_a_refused_cancel_is_invalid_and_not_sent_again(gateway: Gateway) -> None:
    status = await failure(
        gateway.stub.CancelOrder(
            CancelOrderRequest(connection=account(), order_id=triggers.ORDER_FILLED), timeout=10
        )
    )

    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert len(cancels(gateway)) == 1


async def test_a_lost_answer_is_unknown_and_never_sent_twice(gateway: Gateway) -> None:
    status = await failure(
        gateway.stub.CancelOrder(
            CancelOrderRequest(connection=account(), order_id=triggers.ORDER_LOST_ANSWER),
            timeout=10,
        )
    )

    assert status.code == grpc.StatusCode.UNKNOWN
    assert status.error_info is not None
    assert status.error_info.reason == "UPSTREAM_OUTCOME_UNKNOWN"
    assert len(gateway.sandbox.snaptrade.requests) == 1


async def test_confirm_settles_a_lost_answer_by_reading_the_order(gateway: Gateway) -> None:
    response = await gateway.stub.CancelOrder(
        CancelOrderRequest(connection=account(), order_id=triggers.ORDER_LOST_ANSWER, confirm=True),
        timeout=10,
    )

    assert response.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_CONFIRMED
    assert response.order.status == OrderStatus.ORDER_STATUS_CANCELLED
    assert len(cancels(gateway)) == 1


async def test_an_unsettled_cancel_stays_unknown_with_the_order_as_last_read(
    fast_confirm: Gateway,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await fast_confirm.stub.CancelOrder(
            CancelOrderRequest(
                connection=account(), order_id=triggers.ORDER_FAILED_CANCEL, confirm=True
            ),
            timeout=10,
        )

    assert caught.value.code() == grpc.StatusCode.UNKNOWN
    status: status_pb2.Status | None = rpc_status.from_call(caught.value)
    assert status is not None
    orders = [detail for detail in status.details if detail.Is(Order.DESCRIPTOR)]
    (packed,) = orders
    order = Order()
    packed.Unpack(order)
    assert order.status == OrderStatus.ORDER_STATUS_IN_PROGRESS
    assert len(cancels(fast_confirm)) == 1
    assert len(fast_confirm.sandbox.snaptrade.requests) == 3


# Refresh


async def test_a_refresh_asks_for_the_accounts_connection(gateway: Gateway) -> None:
    response = await gateway.stub.RefreshConnection(
        RefreshConnectionRequest(connection=account()), timeout=10
    )

    assert response.state == RefreshState.REFRESH_STATE_REQUESTED
    assert response.refreshed_at.ToDatetime(tzinfo=UTC) == datetime(
        2024, 7, 23, 18, 42, 46, 561408, tzinfo=UTC
    )
    details, refresh = gateway.sandbox.snaptrade.requests
    assert (details.method, details.path) == ("GET", f"/accounts/{ACCOUNT}")
    authorization = datasets.authorization_of(ACCOUNT)
    assert (refresh.method, refresh.path) == ("POST", f"/authorizations/{authorization}/refresh")


async def test_waiting_for_a_refresh_is_refused_before_any_request(gateway: Gateway) -> None:
    status = await failure(
        gateway.stub.RefreshConnection(
            RefreshConnectionRequest(connection=account(), wait=True), timeout=10
        )
    )

    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert status.error_info is not None
    assert status.error_info.reason == "REFRESH_WAIT_NOT_SUPPORTED"
    assert status.bad_request is not None
    assert [v.field for v in status.bad_request.field_violations] == ["wait"]
    assert gateway.sandbox.snaptrade.requests == []


@pytest.mark.parametrize(
    ("user_id", "code"),
    [
        (triggers.SNAPTRADE_REAL_TIME, grpc.StatusCode.FAILED_PRECONDITION),
        (triggers.SNAPTRADE_DISABLED, grpc.StatusCode.FAILED_PRECONDITION),
        (triggers.SNAPTRADE_RATE_LIMITED, grpc.StatusCode.RESOURCE_EXHAUSTED),
    ],
)
async def test_a_refused_refresh_is_its_status(
    gateway: Gateway, user_id: str, code: grpc.StatusCode
) -> None:
    status = await failure(
        gateway.stub.RefreshConnection(
            RefreshConnectionRequest(connection=account(user_id)), timeout=10
        )
    )

    assert status.code == code


# Errors


@pytest.mark.parametrize(
    ("user_id", "code", "reason"),
    [
        (
            triggers.SNAPTRADE_BAD_REQUEST,
            grpc.StatusCode.INVALID_ARGUMENT,
            "UPSTREAM_REJECTED_REQUEST",
        ),
        (
            triggers.SNAPTRADE_SIGNATURE_REJECTED,
            grpc.StatusCode.INTERNAL,
            "GATEWAY_CREDENTIALS_REJECTED",
        ),
        (
            triggers.SNAPTRADE_INVALID_USER,
            grpc.StatusCode.UNAUTHENTICATED,
            "USER_CREDENTIALS_REJECTED",
        ),
        (
            triggers.SNAPTRADE_DISABLED,
            grpc.StatusCode.FAILED_PRECONDITION,
            "UPSTREAM_FAILED_PRECONDITION",
        ),
        (
            triggers.SNAPTRADE_FORBIDDEN,
            grpc.StatusCode.PERMISSION_DENIED,
            "UPSTREAM_PERMISSION_DENIED",
        ),
        (triggers.SNAPTRADE_NOT_FOUND, grpc.StatusCode.NOT_FOUND, "UPSTREAM_NOT_FOUND"),
        (
            triggers.SNAPTRADE_RATE_LIMITED,
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "UPSTREAM_RATE_LIMITED",
        ),
        (triggers.SNAPTRADE_SERVER_FAILURE, grpc.StatusCode.UNAVAILABLE, "UPSTREAM_UNAVAILABLE"),
        (triggers.SNAPTRADE_UNAVAILABLE, grpc.StatusCode.UNAVAILABLE, "UPSTREAM_UNAVAILABLE"),
        (triggers.SNAPTRADE_MALFORMED, grpc.StatusCode.INTERNAL, "UPSTREAM_BAD_RESPONSE"),
    ],
)
async def test_each_error_body_is_its_status(
    gateway: Gateway, user_id: str, code: grpc.StatusCode, reason: str
) -> None:
    status = await failure(
        gateway.stub.GetBalances(GetBalancesRequest(connection=account(user_id)), timeout=10)
    )

    assert status.code == code
    assert status.error_info is not None
    assert (status.error_info.reason, status.error_info.domain) == (reason, "snaptrade")


async def test_a_rate_limit_retries_after_snaptrades_reset(gateway: Gateway) -> None:
    status = await failure(
        gateway.stub.GetHoldings(
            GetHoldingsRequest(connection=account(triggers.SNAPTRADE_RATE_LIMITED)), timeout=10
        )
    )

    assert status.retry_info is not None
    assert status.retry_info.retry_delay.seconds == triggers.RATE_LIMIT_RESET_SECONDS


async def test_a_wrong_consumer_key_is_the_gateways_fault_never_the_callers(
    sandbox: SandboxUpstreams,
) -> None:
    providers = sandbox_providers(sandbox, snaptrade={"consumer_key": SecretStr("not-the-key")})
    async for gateway in start_gateway(gateway_settings(sandbox), sandbox, providers):
        status = await failure(
            gateway.stub.GetHoldings(GetHoldingsRequest(connection=account()), timeout=10)
        )

    assert status.code == grpc.StatusCode.INTERNAL
    assert status.error_info is not None
    assert status.error_info.reason == "GATEWAY_CREDENTIALS_REJECTED"
    assert status.envelope is not None
    assert status.envelope.error_type == "1076"
    assert len(sandbox.snaptrade.requests) == 1


async def test_a_non_uuid_account_is_refused_before_any_request(gateway: Gateway) -> None:
    status = await failure(
        gateway.stub.GetHoldings(
            GetHoldingsRequest(connection=account(account_id="../balances")), timeout=10
        )
    )

    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert status.bad_request is not None
    assert [v.field for v in status.bad_request.field_violations] == [
        "connection.snaptrade.account_id"
    ]
    assert gateway.sandbox.snaptrade.requests == []


# The per-client limit


async def test_the_gateway_refuses_past_snaptrades_limit_before_snaptrade_would(
    sandbox: SandboxUpstreams,
) -> None:
    providers = sandbox_providers(sandbox, snaptrade={"requests_per_minute": 2})
    async for gateway in start_gateway(gateway_settings(sandbox), sandbox, providers):
        for _ in range(2):
            await gateway.stub.GetBalances(GetBalancesRequest(connection=account()), timeout=10)
        status = await failure(
            gateway.stub.GetBalances(GetBalancesRequest(connection=account()), timeout=5)
        )

    assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert status.retry_info is not None
    assert 0 < status.retry_info.retry_delay.seconds <= 60
    assert len(sandbox.snaptrade.requests) == 2


# Secrets in URLs

SECRET = "s3cr@t/+= é&?#%-9f1c"


async def test_the_user_secret_reaches_no_log_line_span_or_error(
    sandbox: SandboxUpstreams, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    exporter = InMemorySpanExporter()
    settings = gateway_settings(sandbox)
    async with running_gateway(
        settings, span_exporter=exporter, providers=sandbox_providers(sandbox)
    ) as running:
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
        stub = AggregatorServiceStub(channel)
        await stub.GetHoldings(GetHoldingsRequest(connection=account("alice", SECRET)), timeout=10)
        statuses = [
            await failure(
                stub.GetHoldings(
                    GetHoldingsRequest(connection=account(user_id, SECRET)), timeout=10
                )
            )
            for user_id in (triggers.SNAPTRADE_NOT_FOUND, triggers.SNAPTRADE_MALFORMED)
        ]
        await channel.close()

    assert query(sandbox.snaptrade.requests[0])["userSecret"] == [SECRET]
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    spans = json.dumps([json.loads(span.to_json()) for span in exporter.get_finished_spans()])
    # The lines of each upstream request: the gateway's own, and httpx's under its transport.
    upstream_lines = [
        r.getMessage() for r in caplog.records if r.name in ("httpx", "service.providers.upstream")
    ]
    assert upstream_lines
    assert all("?" not in line for line in upstream_lines)
    assert '"http.url"' in spans or '"url.full"' in spans
    for text in (logged, spans, *(s.message for s in statuses)):
        assert "userSecret" not in text
        assert "s3cr" not in text


# Portfolios


async def test_a_portfolio_across_providers_gives_each_connection_its_own_status(
    gateway: Gateway,
) -> None:
    connections = [
        requests.mesh("alice-robinhood"),
        requests.moneykit("mk_sandbox_brokerage"),
        account(),
        account(triggers.SNAPTRADE_UNAVAILABLE),
    ]
    response = await gateway.stub.GetPortfolio(
        GetPortfolioRequest(connections=connections), timeout=10
    )

    assert [entry.WhichOneof("result") for entry in response.entries] == [
        "data",
        "data",
        "data",
        "error",
    ]
    snaptrade_entry = response.entries[2]
    assert snaptrade_entry.provider == PROVIDER_SNAPTRADE
    assert snaptrade_entry.connection_label == ACCOUNT
    assert snaptrade_entry.data.value.total_value
    assert response.entries[3].error.code == grpc.StatusCode.UNAVAILABLE.value[0]
    assert response.summary.failed == 1
