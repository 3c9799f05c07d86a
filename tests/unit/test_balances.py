"""GetBalances conversions: Mesh `balance/get` and MoneyKit `accounts` answers to `Balance`s,
read exactly, and what each builds upstream."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.v1.aggregator_service_pb2 import GetBalancesRequest, GetBalancesResponse
from aggregator.v1.connection_pb2 import Connection, MeshConnection, MoneyKitLink
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.result_pb2 import ResultStatus
from service.core.errors import InvalidRequest, UpstreamBadResponse
from service.providers.mesh import balances as mesh_balances
from service.providers.moneykit import balances as moneykit_balances
from service.providers.operation import UpstreamRequest
from service.providers.upstream import UpstreamCall, UpstreamResponse

RECEIVED_AT = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
MESH = Connection(mesh=MeshConnection(institution=Institution.INSTITUTION_KRAKEN, auth_token="tok"))
LINK = Connection(moneykit=MoneyKitLink(link_id="mk_1"))

# The OpenAPI document's example of `/api/v1/balance/get`, verbatim.
MESH_EXAMPLE = b"""{
  "content": {
    "balances": [
      {"cash": 158.5, "buyingPower": 258.5, "currencyCode": "USD"},
      {"cash": 10, "buyingPower": 10, "currencyCode": "EUR"}
    ],
    "totalCashUsdValue": 10,
    "totalBuyingPowerUsdValue": 10
  },
  "status": "ok",
  "message": "",
  "errorHash": "3ad8c4a49639522895fbac7cd31e2f80a5a3a2d2",
  "errorType": ""
}"""


def answer(body: bytes | str, status: int = 200) -> UpstreamResponse:
    raw = body.encode() if isinstance(body, str) else body
    return UpstreamResponse(status, httpx.Headers({"Content-Type": "application/json"}), raw)


def mesh_response(body: bytes | str) -> GetBalancesResponse:
    return mesh_balances.convert(mesh_balances.read(answer(body)), RECEIVED_AT)


def moneykit_body(*accounts: dict[str, Any], products: dict[str, Any] | None = None) -> str:
    return json.dumps(
        {"accounts": list(accounts), "link": {"link_id": "mk_1", "products": products or {}}}
    )


def account(account_id: str = "acc_1", **balances: Any) -> dict[str, Any]:
    return {"account_id": account_id, "account_type": "depository", "name": "Checking",
            "balances": balances}  # fmt: skip


def moneykit_response(body: str) -> GetBalancesResponse:
    return moneykit_balances.convert(moneykit_balances.read(answer(body)), RECEIVED_AT)


class TestMesh:
    def test_the_documented_example_is_one_balance_per_currency(self) -> None:
        response = mesh_response(MESH_EXAMPLE)

        assert [(b.currency, b.cash, b.buying_power) for b in response.balances] == [
            ("USD", "158.5", "258.5"),
            ("EUR", "10", "10"),
        ]
        assert not any(b.HasField("cryptocurrency_buying_power") for b in response.balances)
        assert {b.account_id for b in response.balances} == {""}
        assert (response.total_cash_usd_value, response.total_buying_power_usd_value) == (
            "10",
            "10",
        )
        assert response.result.status == ResultStatus.RESULT_STATUS_OK
        assert response.source.as_of.ToDatetime(UTC) == RECEIVED_AT

    @pytest.mark.parametrize(
        "content",
        ["null", '{"balances": null}', "{}"],
        ids=["content-null", "balances-null", "empty"],
    )
    def test_no_balances_is_an_empty_answer_with_nothing_invented(self, content: str) -> None:
        response = mesh_response(f'{{"status": "ok", "content": {content}}}')

        assert list(response.balances) == []
        assert not response.HasField("total_cash_usd_value")
        assert not response.HasField("total_buying_power_usd_value")

    def test_unknown_properties_are_ignored_and_a_missing_currency_stays_empty(self) -> None:
        response = mesh_response(
            '{"status": "ok", "content": {"balances": [{"cash": 1, "margin": 2}], "new": 3}}'
        )

        (balance,) = response.balances
        assert (balance.currency, balance.cash) == ("", "1")

    @pytest.mark.parametrize("cash", ["true", "1e400", "1e-41", "NaN", '"ten"'])
    def test_an_amount_that_is_not_a_bounded_number_is_a_bad_response(self, cash: str) -> None:
        body = f'{{"status": "ok", "content": {{"balances": [{{"cash": {cash}}}]}}}}'

        with pytest.raises(UpstreamBadResponse):
            mesh_balances.read(answer(body))

    def test_a_decimal_string_is_still_an_exact_amount(self) -> None:
        response = mesh_response('{"status": "ok", "content": {"balances": [{"cash": "1.50"}]}}')

        assert response.balances[0].cash == "1.50"

    def test_the_request_is_the_documented_body(self) -> None:
        request = mesh_balances.build(GetBalancesRequest(connection=MESH))

        assert (request.method, request.path) == ("POST", "/api/v1/balance/get")
        assert request.json_body is not None
        assert json.loads(request.json_body) == {"authToken": "tok", "type": "kraken"}

    def test_account_ids_are_refused_since_mesh_balances_are_per_currency(self) -> None:
        with pytest.raises(InvalidRequest) as caught:
            mesh_balances.build(GetBalancesRequest(connection=MESH, account_ids=["a"]))

        assert [v.field for v in caught.value.violations] == ["account_ids"]

    def test_a_missing_token_and_institution_are_both_named(self) -> None:
        with pytest.raises(InvalidRequest) as caught:
            mesh_balances.build(GetBalancesRequest(connection=Connection(mesh=MeshConnection())))

        assert [v.field for v in caught.value.violations] == [
            "connection.mesh.institution",
            "connection.mesh.auth_token",
        ]


class TestMoneyKit:
    def test_each_account_is_one_balance_with_its_name_currency_and_date(self) -> None:
        response = moneykit_response(
            moneykit_body(
                account(
                    "acc_1",
                    currency="USD",
                    available=340.12,
                    current=445.89,
                    limit=500,
                    balance_date="2024-03-14",
                ),
                {**account("acc_2"), "balances": None, "closed": True, "nickname": "old"},
                products={"accounts": {"refreshed_at": "2024-03-14T09:14:11"}},
            )
        )

        first, second = response.balances
        assert (first.account_id, first.account_name, first.currency) == (
            "acc_1",
            "Checking",
            "USD",
        )
        assert (first.available, first.current, first.limit) == ("340.12", "445.89", "500")
        assert first.balance_date.ToJsonString() == "2024-03-14T00:00:00Z"
        assert second.account_id == "acc_2"
        assert not any(second.HasField(name) for name in ("available", "current", "limit"))
        assert not second.HasField("balance_date")
        assert response.source.as_of.ToJsonString() == "2024-03-14T09:14:11Z"
        assert response.source.as_of_from_provider

    def test_without_an_accounts_refresh_time_the_answer_is_dated_by_its_arrival(self) -> None:
        response = moneykit_response(
            moneykit_body(products={"investments": {"refreshed_at": "2020-01-01T00:00:00Z"}})
        )

        assert response.source.as_of.ToDatetime(UTC) == RECEIVED_AT
        assert not response.source.as_of_from_provider

    def test_the_request_repeats_account_ids_in_the_query_of_the_link_path(self) -> None:
        request = moneykit_balances.build(
            GetBalancesRequest(
                connection=Connection(moneykit=MoneyKitLink(link_id="mk/1")),
                account_ids=["a b", "c&d"],
            )
        )

        assert request == UpstreamRequest(
            "GET", "/links/mk%2F1/accounts", query=(("account_ids", "a b"), ("account_ids", "c&d"))
        )

    def test_the_answer_keeps_only_the_accounts_asked_for_even_if_the_upstream_ignored_them(
        self,
    ) -> None:
        body = moneykit_balances.read(
            answer(moneykit_body(account("acc_1"), account("acc_2"), account("acc_3")))
        )
        client = AnswerWith(body)

        response = asyncio.run(
            moneykit_balances.get_balances(
                client, GetBalancesRequest(connection=LINK, account_ids=["acc_3", "acc_1"])
            )
        )

        assert [b.account_id for b in response.balances] == ["acc_1", "acc_3"]
        assert client.sent == [
            UpstreamRequest(
                "GET",
                "/links/mk_1/accounts",
                query=(("account_ids", "acc_3"), ("account_ids", "acc_1")),
            )
        ]

    def test_without_account_ids_every_account_is_answered(self) -> None:
        body = moneykit_balances.read(answer(moneykit_body(account("acc_1"), account("acc_2"))))

        response = asyncio.run(
            moneykit_balances.get_balances(AnswerWith(body), GetBalancesRequest(connection=LINK))
        )

        assert len(response.balances) == 2


class AnswerWith:
    """A provider client that answers every exchange with one parsed answer."""

    def __init__(self, parsed: object) -> None:
        self.parsed = parsed
        self.sent: list[UpstreamRequest] = []

    async def exchange(
        self,
        call: UpstreamCall,
        request: UpstreamRequest,
        read: Callable[[UpstreamResponse], Any],
    ) -> Any:
        self.sent.append(request)
        return self.parsed


# Any JSON number ----------------------------------------------------------------------------

PLAIN = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@st.composite
def json_numbers(draw: st.DrawFn) -> str:
    """JSON number literals within the gateway's bounds on amounts (40 integer digits, 40
    fraction digits): signs, leading zeros only as `0`, fractions, exponents both ways."""
    sign = draw(st.sampled_from(["", "-"]))
    whole = draw(st.one_of(st.just("0"), st.from_regex(r"[1-9][0-9]{0,25}", fullmatch=True)))
    fraction = draw(st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,30}", fullmatch=True)))
    exponent = draw(
        st.one_of(
            st.just(""),
            st.builds(
                lambda e, n, s: f"{e}{s}{n}",
                st.sampled_from(["e", "E"]),
                st.integers(0, 9),
                st.sampled_from(["", "+", "-"]),
            ),
        )
    )
    return f"{sign}{whole}{fraction}{exponent}"


@settings(max_examples=200, deadline=None)
@given(number=json_numbers())
def test_any_json_number_becomes_the_same_decimal_string(number: str) -> None:
    mesh = mesh_response(f'{{"status": "ok", "content": {{"balances": [{{"cash": {number}}}]}}}}')
    moneykit = moneykit_response(
        f'{{"accounts": [{{"account_id": "a", "balances": {{"current": {number}}}}}],'
        f' "link": {{"link_id": "mk_1"}}}}'
    )

    for text in (mesh.balances[0].cash, moneykit.balances[0].current):
        assert PLAIN.fullmatch(text), text
        assert Decimal(text) == Decimal(number)
        if not re.search("[eE]", number):
            # Without an exponent the digits travel untouched: sign and trailing zeros included.
            assert text == number
