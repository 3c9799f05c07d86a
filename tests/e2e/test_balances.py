"""GetBalances end to end: a real gateway over real HTTP in front of the sandbox."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import grpc
import pytest

from aggregator.v1.aggregator_service_pb2 import GetBalancesRequest, GetBalancesResponse
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.result_pb2 import ResultStatus
from aggregator.v1.source_pb2 import PROVIDER_MESH, PROVIDER_MONEYKIT
from service.sandbox.mesh import triggers as mesh_triggers
from service.sandbox.moneykit import triggers as moneykit_triggers
from tests.conftest import Gateway
from tests.e2e import requests
from tests.e2e.richstatus import unpack
from tests.e2e.test_error_mapping import (
    MESH_READ_CASES,
    MONEYKIT_CASES,
    Case,
    assert_rich_status,
)

BALANCE_PATH = "/api/v1/balance/get"
SAVINGS = "acc_8Wm3Tx6QcN2vLp9RbK4zHe"
CARD = "acc_4Rk9Vb2XnT7cQm5LwJ8pZd"
WALLET = "acc_6Nc2Lq8WzK4vTb9XmR3pJh"
EURO = "acc_3Jp7Zc5KvR9xNw2TmB6qLd"
AMOUNTS = ("cash", "buying_power", "cryptocurrency_buying_power", "available", "current", "limit")


def amounts(response: GetBalancesResponse) -> list[dict[str, str]]:
    """Each balance's currency and the amounts it carries, absent ones left out."""
    return [
        {
            "currency": balance.currency,
            **{name: getattr(balance, name) for name in AMOUNTS if balance.HasField(name)},
        }
        for balance in response.balances
    ]


def mesh_balances(
    token: str = "user-token", institution: int = Institution.INSTITUTION_ROBINHOOD
) -> GetBalancesRequest:
    return requests.balances(requests.mesh(token, institution))


class TestMesh:
    async def test_a_broker_answers_usd_and_eur_with_the_usd_totals(self, gateway: Gateway) -> None:
        response = await gateway.stub.GetBalances(mesh_balances(), timeout=10)

        assert amounts(response) == [
            {
                "currency": "USD",
                "cash": "158.5",
                "buying_power": "258.5",
                "cryptocurrency_buying_power": "158.5",
            },
            {"currency": "EUR", "cash": "10", "buying_power": "10"},
        ]
        assert (response.total_cash_usd_value, response.total_buying_power_usd_value) == (
            "169.35",
            "269.35",
        )
        assert {balance.account_id for balance in response.balances} == {""}
        assert response.result.status == ResultStatus.RESULT_STATUS_OK
        assert response.source.provider == PROVIDER_MESH
        assert not response.source.as_of_from_provider
        assert response.real_time

    async def test_18_decimals_big_numbers_and_exponent_forms_stay_exact(
        self, gateway: Gateway
    ) -> None:
        response = await gateway.stub.GetBalances(
            mesh_balances(institution=Institution.INSTITUTION_COINBASE), timeout=10
        )

        assert amounts(response) == [
            {
                "currency": "USD",
                "cash": "1520.123456789012345678",
                "buying_power": "1520.123456789012345678",
                "cryptocurrency_buying_power": "98765432109876543210.123456789012345678",
            },
            # Mesh wrote the cash `1E-18` and the crypto buying power null.
            {"currency": "EUR", "cash": "0.000000000000000001", "buying_power": "0"},
        ]
        assert response.total_cash_usd_value == "1520.123456789012345679"

    async def test_amounts_mesh_leaves_out_stay_unset(self, gateway: Gateway) -> None:
        response = await gateway.stub.GetBalances(
            mesh_balances(mesh_triggers.MESH_PARTIAL), timeout=10
        )

        assert amounts(response) == [
            {"currency": "USD", "cash": "158.5"},
            {"currency": "EUR", "cash": "10"},
        ]
        assert not response.HasField("total_cash_usd_value")
        assert not response.HasField("total_buying_power_usd_value")

    async def test_the_upstream_request_is_the_documented_body(self, gateway: Gateway) -> None:
        await gateway.stub.GetBalances(
            mesh_balances("tok-1", Institution.INSTITUTION_BINANCE_US), timeout=10
        )

        (request,) = gateway.sandbox.mesh.requests
        assert (request.method, request.path) == ("POST", BALANCE_PATH)
        assert json.loads(request.body) == {"authToken": "tok-1", "type": "binanceUs"}

    @pytest.mark.parametrize("case", MESH_READ_CASES, ids=lambda case: case.trigger)
    async def test_each_upstream_failure_maps_to_its_rich_status(
        self, gateway: Gateway, case: Case
    ) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await gateway.stub.GetBalances(mesh_balances(case.trigger), timeout=10)

        assert_rich_status(caught.value, case, "mesh")

    async def test_an_institution_without_balances_is_refused_before_any_request(
        self, gateway: Gateway
    ) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await gateway.stub.GetBalances(
                mesh_balances(institution=Institution.INSTITUTION_E_TRADE), timeout=10
            )

        status = unpack(caught.value)
        assert status.code == grpc.StatusCode.INVALID_ARGUMENT
        assert status.error_info is not None
        assert status.error_info.reason == "BALANCES_NOT_SUPPORTED"
        assert gateway.sandbox.mesh.requests == []

    async def test_account_ids_are_refused_for_mesh_before_any_request(
        self, gateway: Gateway
    ) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await gateway.stub.GetBalances(requests.balances(requests.mesh(), "acc-1"), timeout=10)

        status = unpack(caught.value)
        assert status.code == grpc.StatusCode.INVALID_ARGUMENT
        assert status.bad_request is not None
        assert [v.field for v in status.bad_request.field_violations] == ["account_ids"]
        assert gateway.sandbox.mesh.requests == []


class TestMoneyKit:
    async def test_each_account_has_its_balance_exactly(self, gateway: Gateway) -> None:
        response = await gateway.stub.GetBalances(
            requests.balances(requests.moneykit(moneykit_triggers.MONEYKIT_BALANCES)), timeout=10
        )

        assert [balance.account_id for balance in response.balances] == [
            SAVINGS,
            CARD,
            WALLET,
            EURO,
        ]
        assert amounts(response) == [
            {
                "currency": "USD",
                "available": "2310.580000000000000001",
                "current": "2455.123456789012345678",
            },
            {"currency": "USD", "available": "4500.5", "current": "499.50", "limit": "5000"},
            {
                "currency": "ETH",
                "available": "98765432109876543210.123456789012345678",
                "current": "98765432109876543210.123456789012345678",
            },
            # MoneyKit wrote these `1E-18` and `1E+3`.
            {"currency": "EUR", "available": "0.000000000000000001", "current": "1000"},
        ]
        savings, card, _, euro = response.balances
        assert savings.account_name == "High Yield Savings"
        assert savings.balance_date.ToJsonString() == "2024-03-14T15:02:37Z"
        assert card.balance_date.ToJsonString() == "2024-03-14T00:00:00Z"
        assert not euro.HasField("balance_date")
        assert not response.HasField("total_cash_usd_value")
        assert response.source.provider == PROVIDER_MONEYKIT
        assert response.source.as_of.ToJsonString() == "2024-03-14T15:02:37Z"
        assert response.source.as_of_from_provider
        assert not response.real_time

    async def test_account_ids_go_upstream_repeated_and_filter_the_answer(
        self, gateway: Gateway
    ) -> None:
        response = await gateway.stub.GetBalances(
            requests.balances(
                requests.moneykit(moneykit_triggers.MONEYKIT_BALANCES), EURO, SAVINGS
            ),
            timeout=10,
        )

        assert [balance.account_id for balance in response.balances] == [SAVINGS, EURO]
        (request,) = [r for r in gateway.sandbox.moneykit.requests if r.path != "/auth/token"]
        assert request.path == f"/links/{moneykit_triggers.MONEYKIT_BALANCES}/accounts"
        assert parse_qs(request.query) == {"account_ids": [EURO, SAVINGS]}

    async def test_an_unknown_account_id_filters_everything_out(self, gateway: Gateway) -> None:
        response = await gateway.stub.GetBalances(
            requests.balances(requests.moneykit(), "acc_nobody"), timeout=10
        )

        assert list(response.balances) == []

    async def test_a_link_id_with_reserved_characters_stays_one_path_segment(
        self, gateway: Gateway
    ) -> None:
        request = requests.balances(requests.moneykit("mk/../x?y"))

        await gateway.stub.GetBalances(request, timeout=10)

        (sent,) = [r for r in gateway.sandbox.moneykit.requests if r.path != "/auth/token"]
        assert sent.path == "/links/mk%2F..%2Fx%3Fy/accounts"

    @pytest.mark.parametrize("case", MONEYKIT_CASES, ids=lambda case: case.trigger)
    async def test_each_upstream_failure_maps_to_its_rich_status(
        self, gateway: Gateway, case: Case
    ) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await gateway.stub.GetBalances(
                requests.balances(requests.moneykit(case.trigger)), timeout=10
            )

        assert_rich_status(caught.value, case, "moneykit")

    @pytest.mark.parametrize(
        ("account_ids", "field", "limit"),
        [
            ([""], "account_ids[0]", "is required"),
            (["a" * 129], "account_ids[0]", "at most 128 characters"),
            (["é" * 50], "account_ids[0]", "at most 256 bytes once percent-encoded"),
            ([f"acc_{n}" for n in range(101)], "account_ids", "at most 100 entries"),
        ],
        ids=["empty", "too-long", "too-long-encoded", "too-many"],
    )
    async def test_bad_account_ids_are_refused_before_any_request(
        self, gateway: Gateway, account_ids: list[str], field: str, limit: str
    ) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await gateway.stub.GetBalances(
                requests.balances(requests.moneykit(), *account_ids), timeout=10
            )

        status = unpack(caught.value)
        assert status.code == grpc.StatusCode.INVALID_ARGUMENT
        assert status.bad_request is not None
        (violation,) = status.bad_request.field_violations
        assert violation.field == field
        assert limit in violation.description
        assert [r for r in gateway.sandbox.moneykit.requests if r.path != "/auth/token"] == []


async def test_real_time_changes_neither_providers_request_nor_answer(gateway: Gateway) -> None:
    for connection in (requests.mesh(), requests.moneykit()):
        cached = await gateway.stub.GetBalances(requests.balances(connection), timeout=10)
        asked = requests.balances(connection)
        asked.real_time = True
        live = await gateway.stub.GetBalances(asked, timeout=10)

        assert live.real_time == cached.real_time
        assert live.balances == cached.balances
    sent = [r for r in gateway.sandbox.moneykit.requests if r.path != "/auth/token"]
    assert [(r.path, r.query) for r in sent] == [(sent[0].path, "")] * 2
    assert len({r.body for r in gateway.sandbox.mesh.requests}) == 1
