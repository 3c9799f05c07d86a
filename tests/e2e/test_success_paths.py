"""Every RPC's success path, through a real gateway to the real sandbox upstreams."""

from __future__ import annotations

import json

from aggregator.v1.aggregator_service_pb2 import ListInstitutionsRequest
from aggregator.v1.holdings_pb2 import LINK_STATE_CONNECTED, SECURITY_TYPE_CRYPTO
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.order_pb2 import OrderSide
from aggregator.v1.result_pb2 import ResultStatus
from tests.conftest import Gateway
from tests.e2e import requests


async def test_holdings_value_returns_the_upstream_figures_exactly(gateway: Gateway) -> None:
    response = await gateway.stub.GetHoldingsValue(requests.holdings_value(), timeout=10)

    assert response.total_value == "186.03"
    assert response.total_performance == "6.23"
    assert response.equities_value == "100.12"
    assert response.equities_performance == "5.3457"
    assert response.cryptocurrencies_value == "50.37"
    assert response.cryptocurrencies_performance == "7.23"
    assert response.nfts_value == "15.34"
    assert response.fiat_value == "20.2"
    assert response.result.status == ResultStatus.RESULT_STATUS_OK


async def test_holdings_value_sends_exactly_the_documented_request(gateway: Gateway) -> None:
    await gateway.stub.GetHoldingsValue(
        requests.holdings_value(institution=Institution.INSTITUTION_E_TRADE), timeout=10
    )

    [sent] = gateway.sandbox.mesh.requests
    assert (sent.method, sent.path) == ("POST", "/api/v1/holdings/value")
    assert sent.headers["x-client-id"] == gateway.sandbox.mesh.client_id
    assert sent.headers["x-client-secret"] == gateway.sandbox.mesh.client_secret
    assert json.loads(sent.body) == {"authToken": "user-token", "type": "eTrade"}


async def test_holdings_value_leaves_unreported_values_unset(gateway: Gateway) -> None:
    response = await gateway.stub.GetHoldingsValue(
        requests.holdings_value("sandbox-partial"), timeout=10
    )

    assert response.HasField("total_value")
    assert response.HasField("fiat_value")
    assert not response.HasField("equities_value")
    assert not response.HasField("nfts_value")


async def test_cancel_order_sends_one_cancel_with_the_documented_body(gateway: Gateway) -> None:
    response = await gateway.stub.CancelOrder(
        requests.cancel(
            institution=Institution.INSTITUTION_COINBASE,
            order_id="order-1",
            side=OrderSide.ORDER_SIDE_SELL,
            is_cryptocurrency=True,
        ),
        timeout=10,
    )

    assert response.result.status == ResultStatus.RESULT_STATUS_OK
    [sent] = gateway.sandbox.mesh.requests
    assert sent.path == "/api/v1/transactions/cancel"
    assert json.loads(sent.body) == {
        "authToken": "user-token",
        "type": "coinbase",
        "id": "order-1",
        "isCryptocurrency": True,
        "side": "sell",
    }


async def test_cancel_order_passes_symbol_pair_and_mfa_code(gateway: Gateway) -> None:
    await gateway.stub.CancelOrder(
        requests.cancel(
            institution=Institution.INSTITUTION_BINANCE_US,
            symbol_pair="BTC/USDT",
            mfa_code="123456",
        ),
        timeout=10,
    )

    [sent] = gateway.sandbox.mesh.requests
    body = json.loads(sent.body)
    assert (body["type"], body["symbolPair"], body["mfaCode"]) == (
        "binanceUs",
        "BTC/USDT",
        "123456",
    )
    assert "side" not in body


async def test_get_holdings_returns_exact_amounts_and_the_link(gateway: Gateway) -> None:
    response = await gateway.stub.GetHoldings(requests.holdings("mk_user_1"), timeout=10)

    assert response.link.link_id == "mk_user_1"
    assert response.link.state == LINK_STATE_CONNECTED
    crypto_ids = {s.security_id for s in response.securities if s.type == SECURITY_TYPE_CRYPTO}
    crypto_holdings = [h for h in response.holdings if h.security_id in crypto_ids]
    assert crypto_holdings, "the sandbox link holds crypto"
    quantity = crypto_holdings[0].quantity
    assert len(quantity.split(".")[1]) == 18, quantity
    assert response.accounts
    assert response.result.status == ResultStatus.RESULT_STATUS_OK


async def test_get_holdings_of_the_seed_example_keeps_every_field(gateway: Gateway) -> None:
    response = await gateway.stub.GetHoldings(requests.holdings("mk_sandbox_seed_example"))

    [holding] = response.holdings
    assert (holding.quantity, holding.price, holding.value, holding.cost_basis) == (
        "10",
        "98.12",
        "987.15",
        "781.38",
    )
    assert holding.price_datetime.seconds == 1676538851  # 2023-02-16T09:14:11 read as UTC
    [security] = response.securities
    assert (security.ticker, security.isin, security.close_price) == (
        "MSFT",
        "US5949181045",
        "98.12",
    )
    [account] = response.accounts
    assert account.account_type == "depository.checking"
    assert (account.balances.available, account.balances.current, account.balances.limit) == (
        "340.12",
        "445.89",
        "500",
    )
    assert response.link.institution_name == "Chase"
    assert list(response.link.tags) == ["user_type:admin"]
    identity = response.link.products["identity"]
    assert identity.settings.required
    assert not identity.settings.prefetch


async def test_get_holdings_sends_token_version_and_repeated_account_ids(gateway: Gateway) -> None:
    response = await gateway.stub.GetHoldings(
        requests.holdings("mk/odd id?#", "acc_1", "acc_2"), timeout=10
    )

    assert response.link.link_id == "mk/odd id?#"
    [fetch, read] = gateway.sandbox.moneykit.requests
    assert (fetch.method, fetch.path) == ("POST", "/auth/token")
    assert read.path == "/links/mk%2Fodd%20id%3F%23/investments/holdings"
    assert read.query == "account_ids=acc_1&account_ids=acc_2"
    assert read.headers["moneykit-version"] == "2023-02-18"
    assert read.headers["authorization"].startswith("Bearer ")


async def test_get_holdings_filters_by_account_ids(gateway: Gateway) -> None:
    everything = await gateway.stub.GetHoldings(requests.holdings(), timeout=10)
    first_account = everything.accounts[0].account_id

    filtered = await gateway.stub.GetHoldings(requests.holdings("mk_1", first_account), timeout=10)

    assert [a.account_id for a in filtered.accounts] == [first_account]
    assert {h.account_id for h in filtered.holdings} <= {first_account}


async def test_list_institutions_names_all_59_with_their_support(gateway: Gateway) -> None:
    response = await gateway.stub.ListInstitutions(ListInstitutionsRequest(), timeout=10)

    by_wire_name = {entry.wire_name: entry for entry in response.institutions}
    assert len(by_wire_name) == 59
    assert sum(entry.supports_holdings_value for entry in response.institutions) == 44
    assert sum(entry.supports_order_cancel for entry in response.institutions) == 31
    assert by_wire_name["coinbase"].cancel_requirements.side_required
    assert by_wire_name["okx"].cancel_requirements.symbol_pair_required
    assert by_wire_name["eTrade"].institution == Institution.INSTITUTION_E_TRADE
    assert gateway.sandbox.mesh.requests == []
