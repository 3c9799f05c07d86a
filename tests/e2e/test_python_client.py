"""The typed Python client against a real gateway: every RPC, errors as exceptions, API keys
and TLS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest

from aggregator.v1.aggregator_service_pb2 import CancelConfirmation, Freshness, RefreshState
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.order_pb2 import OrderSide, OrderStatus
from aggregator.v1.result_pb2 import ResultStatus
from aggregator_client import AggregatorClient, GatewayCallError, mesh, moneykit
from service.process.server import running_gateway
from service.sandbox import SandboxUpstreams
from tests.conftest import Gateway, gateway_settings, sandbox_providers
from tests.e2e.test_callers import READER_KEY, callers_file
from tests.support.certs import make_pki

ROBINHOOD = mesh(Institution.INSTITUTION_ROBINHOOD, "client-user")


async def test_the_client_calls_every_rpc(gateway: Gateway) -> None:
    async with AggregatorClient(f"127.0.0.1:{gateway.port}") as client:
        value = await client.get_holdings_value(ROBINHOOD)
        cancel = await client.cancel_order(ROBINHOOD, "order-1", side=OrderSide.ORDER_SIDE_BUY)
        holdings = await client.get_holdings(moneykit("mk_sandbox_brokerage"))
        institutions = await client.list_institutions()
        portfolio = await client.get_portfolio([ROBINHOOD, moneykit("mk_sandbox_crypto")])
        streamed = [m async for m in client.stream_portfolio([ROBINHOOD])]

    assert value.total_value == "186.03"
    assert cancel.result.status == ResultStatus.RESULT_STATUS_OK
    assert holdings.holdings
    assert len(institutions.institutions) == 59
    assert portfolio.summary.succeeded == 2
    assert [m.WhichOneof("item") for m in streamed] == ["entry", "summary"]


async def test_the_client_gets_balances_of_both_providers(gateway: Gateway) -> None:
    async with AggregatorClient(f"127.0.0.1:{gateway.port}") as client:
        currencies = await client.get_balances(ROBINHOOD)
        accounts = await client.get_balances(
            moneykit("mk_sandbox_balances"), ["acc_3Jp7Zc5KvR9xNw2TmB6qLd"]
        )

    assert [(b.currency, b.cash) for b in currencies.balances] == [("USD", "158.5"), ("EUR", "10")]
    assert currencies.total_cash_usd_value == "169.35"
    (euro,) = accounts.balances
    assert (euro.account_id, euro.currency, euro.available, euro.current) == (
        "acc_3Jp7Zc5KvR9xNw2TmB6qLd",
        "EUR",
        "0.000000000000000001",
        "1000",
    )


async def test_the_client_refreshes_and_lists_investment_transactions(gateway: Gateway) -> None:
    link = moneykit("mk_sandbox_refresh_slow")
    async with AggregatorClient(f"127.0.0.1:{gateway.port}") as client:
        requested = await client.refresh_connection(link)
        holdings = await client.get_holdings(link, max_age=timedelta(hours=1))
        first = await client.list_investment_transactions(
            link, "2024-01-01", "2024-03-31", page_size=10
        )
        second = await client.list_investment_transactions(
            link, "2024-01-01", "2024-03-31", page_size=10, page_token=first.next_page_token
        )

    assert requested.state == RefreshState.REFRESH_STATE_REQUESTED
    # The refresh asked for first has completed by the time GetHoldings waits for its own.
    assert holdings.freshness == Freshness.FRESHNESS_REFRESHED
    assert (len(first.transactions), len(second.transactions)) == (10, 1)
    assert second.next_page_token == ""


async def test_a_failed_call_raises_with_the_rich_details(gateway: Gateway) -> None:
    async with AggregatorClient(f"127.0.0.1:{gateway.port}") as client:
        with pytest.raises(GatewayCallError) as caught:
            await client.cancel_order(
                mesh(Institution.INSTITUTION_ROBINHOOD, "sandbox-conflict"), "o1"
            )

    error = caught.value
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION
    assert (error.reason, error.domain) == ("UPSTREAM_FAILED_PRECONDITION", "mesh")
    assert error.localized_message == "The order was already executed."
    assert error.envelope is not None
    assert error.envelope.status == ResultStatus.RESULT_STATUS_CONFLICT
    assert isinstance(error.__cause__, grpc.aio.AioRpcError)


async def test_rate_limits_and_bad_fields_are_unpacked(gateway: Gateway) -> None:
    async with AggregatorClient(f"127.0.0.1:{gateway.port}") as client:
        with pytest.raises(GatewayCallError) as limited:
            await client.get_holdings(moneykit("mk_sandbox_rate_limited"))
        with pytest.raises(GatewayCallError) as invalid:
            await client.cancel_order(mesh(Institution.INSTITUTION_COINBASE, ""), "")

    assert limited.value.retry_delay_seconds == 30
    assert {field for field, _ in invalid.value.field_violations} == {
        "connection.mesh.auth_token",
        "order_id",
        "side",
    }


async def test_the_deadline_is_applied_to_every_call(gateway: Gateway) -> None:
    async with AggregatorClient(f"127.0.0.1:{gateway.port}", default_deadline=0.5) as client:
        with pytest.raises(GatewayCallError) as caught:
            await client.get_holdings_value(mesh(Institution.INSTITUTION_ROBINHOOD, "sandbox-held"))
    gateway.sandbox.release_held()

    assert caught.value.code == grpc.StatusCode.DEADLINE_EXCEEDED


async def test_the_client_speaks_tls_with_an_api_key(
    sandbox: SandboxUpstreams, tmp_path: Path
) -> None:
    pki = make_pki(tmp_path / "pki", {})
    settings = gateway_settings(
        sandbox,
        aggregator_callers_file=callers_file(tmp_path),
        aggregator_tls_cert_file=pki.server.cert_file,
        aggregator_tls_key_file=pki.server.key_file,
    )
    async with running_gateway(settings, providers=sandbox_providers(sandbox)) as running:
        address = f"127.0.0.1:{running.port}"
        async with AggregatorClient(
            address, api_key=READER_KEY, root_certificates=pki.ca.cert_pem
        ) as client:
            value = await client.get_holdings_value(ROBINHOOD)
            with pytest.raises(GatewayCallError) as forbidden:
                await client.cancel_order(ROBINHOOD, "order-1")

    assert value.total_value == "186.03"
    assert forbidden.value.code == grpc.StatusCode.PERMISSION_DENIED
    assert forbidden.value.reason == "CALLER_FORBIDDEN"


async def test_the_client_reads_orders_pages_and_confirms_cancels(gateway: Gateway) -> None:
    async with AggregatorClient(f"127.0.0.1:{gateway.port}") as client:
        order = await client.get_order(ROBINHOOD, "9B5827E4-7D08-4A71-B4C0-B1B4E5562592")
        first = await client.list_orders(
            ROBINHOOD, page_size=2, statuses=[OrderStatus.ORDER_STATUS_FILLED]
        )
        second = await client.list_orders(
            ROBINHOOD,
            page_size=2,
            page_token=first.next_page_token,
            statuses=[OrderStatus.ORDER_STATUS_FILLED],
        )
        recent = await client.list_orders(
            ROBINHOOD, created_after=datetime(2022, 5, 20, tzinfo=UTC)
        )
        cancel = await client.cancel_order(ROBINHOOD, "order-9", confirm=True)

    assert order.order.price == "18604.8197"
    assert [len(first.orders), len(second.orders)] == [2, 1]
    assert [o.order_id for o in recent.orders] == [
        "17EC1243-D91A-48B6-B0CE-ECFDB134F8A0",
        "3C6A91D2-5B7E-4F08-9A1C-2D4E6F8A0B1C",
    ]
    assert cancel.confirmation == CancelConfirmation.CANCEL_CONFIRMATION_CONFIRMED
    assert cancel.order.status == OrderStatus.ORDER_STATUS_CANCELLED
