"""MoneyKit holdings value, computed by the gateway: the MoneyKit adapter."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Context, Decimal, Inexact, localcontext
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from aggregator.v1.aggregator_service_pb2 import (
    GetHoldingsRequest,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
)
from aggregator.v1.connection_pb2 import Connection, MoneyKitLink
from aggregator.v1.result_pb2 import ResultStatus
from aggregator.v1.source_pb2 import PROVIDER_MONEYKIT
from service.providers.moneykit import PROVIDER as MONEYKIT
from service.providers.moneykit.settings import MoneyKitSettings
from service.providers.registry import ProviderAdapter
from tests.data import SEED_HOLDINGS_EXAMPLE
from tests.unit.builders import adapter_over

BASE_URL = "https://mk.test"
VERSION = "2023-02-18"
LINK_ID = "mk_eqkWN34UEoa2NxyALG8pcV"

VALUE_FIELDS = (
    "total_value",
    "total_performance",
    "equities_value",
    "equities_performance",
    "cryptocurrencies_value",
    "cryptocurrencies_performance",
    "nfts_value",
    "fiat_value",
)


class Upstream:
    """A mock MoneyKit: a token endpoint and a holdings endpoint answering `body`."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = json.dumps(body).encode()
        self.requests: list[httpx.Request] = []

    @property
    def holdings_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != "/auth/token"]

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        # Yield to the event loop, as a real network round trip would.
        for _ in range(3):
            await asyncio.sleep(0)
        if request.url.path == "/auth/token":
            return httpx.Response(
                200,
                json={
                    "access_token": "at-moneykit-value-7f3c9e",
                    "token_type": "bearer",
                    "expires_in": 3600,
                },
            )
        return httpx.Response(200, content=self.body)

    def adapter(self) -> ProviderAdapter:
        settings = MoneyKitSettings(
            base_url=BASE_URL,
            client_id="mkid",
            client_secret=SecretStr("mksecret"),
            version=VERSION,
        )
        return adapter_over(MONEYKIT, settings, httpx.MockTransport(self))


def connection() -> Connection:
    return Connection(moneykit=MoneyKitLink(link_id=LINK_ID))


def security(security_id: str, kind: str | None, currency: str | None = None) -> dict[str, Any]:
    return {"security_id": security_id, "name": security_id, "type": kind, "currency": currency}


def holding(
    security_id: str,
    value: str | None = None,
    cost_basis: str | None = None,
    quantity: str | None = None,
    price: str | None = None,
    account_id: str = "acc",
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "security_id": security_id,
        "quantity": quantity,
        "price": price,
        "value": value,
        "cost_basis": cost_basis,
    }


def account(account_id: str = "acc", currency: str | None = "USD") -> dict[str, Any]:
    balances = {"currency": currency, "current": "1"} if currency is not None else None
    return {"account_id": account_id, "name": account_id, "balances": balances}


def body(
    holdings: list[dict[str, Any]],
    securities: list[dict[str, Any]],
    accounts: list[dict[str, Any]] | None = None,
    products: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "holdings": holdings,
        "securities": securities,
        "accounts": [account()] if accounts is None else accounts,
        "link": {"link_id": LINK_ID, "state": "connected", "products": products or {}},
    }


def one_of_each(kinds: list[str], value: str = "1", cost_basis: str | None = "1") -> dict[str, Any]:
    """A body with one holding of each security type, all in USD."""
    return body(
        [holding(f"s_{kind}", value, cost_basis) for kind in kinds],
        [security(f"s_{kind}", kind) for kind in kinds],
    )


async def value_of(payload: dict[str, Any]) -> GetHoldingsValueResponse:
    return await (
        Upstream(payload)
        .adapter()
        .get_holdings_value(GetHoldingsValueRequest(connection=connection()))
    )


def optional(message: Any, name: str) -> str | None:
    """An optional string field, None when unset."""
    return str(getattr(message, name)) if message.HasField(name) else None


def values(response: GetHoldingsValueResponse) -> dict[str, str | None]:
    return {name: optional(response, name) for name in VALUE_FIELDS}


# Groups ---------------------------------------------------------------------------------------

MIXED = body(
    [
        holding("s_equity", "100.10", "80"),
        holding("s_etf", "50.05", "40"),
        holding("s_fund", "25", "20"),
        holding("s_crypto", "10.5", "12"),
        holding("s_cash", "7.25", "7.25"),
        holding("s_bond", "3", "2"),
        holding("s_loan", "1", "1"),
        holding("s_derivative", "2.2", "2"),
        holding("s_unknown", "0.3", "0.3"),
        holding("s_commodity", "0.05", "0.05"),
    ],
    [
        security("s_equity", "equity"),
        security("s_etf", "etf"),
        security("s_fund", "fund"),
        security("s_crypto", "crypto"),
        security("s_cash", "cash"),
        security("s_bond", "bond"),
        security("s_loan", "loan"),
        security("s_derivative", "derivative"),
        security("s_unknown", "unknown"),
        # A security type this version of the gateway does not know.
        security("s_commodity", "commodity"),
    ],
)


async def test_values_are_grouped_by_security_type_and_total_counts_every_holding() -> None:
    response = await value_of(MIXED)

    assert response.equities_value == "175.15"
    assert response.cryptocurrencies_value == "10.5"
    assert response.fiat_value == "7.25"
    assert response.total_value == "199.45"
    assert response.currency == "USD"
    assert response.result.status == ResultStatus.RESULT_STATUS_OK


async def test_performance_is_value_over_cost_basis_in_percent() -> None:
    response = await value_of(MIXED)

    # (175.15 - 140) / 140 x 100 = 25.10714...
    assert response.equities_performance == "25.1071"
    # (10.5 - 12) / 12 x 100
    assert response.cryptocurrencies_performance == "-12.5000"
    # (199.45 - 164.60) / 164.60 x 100 = 21.17253...
    assert response.total_performance == "21.1725"


async def test_there_is_no_nft_value() -> None:
    response = await value_of(MIXED)

    assert not response.HasField("nfts_value")


@pytest.mark.parametrize("kind", ["bond", "loan", "derivative", "unknown", "commodity", None])
async def test_other_types_count_only_in_the_total(kind: str | None) -> None:
    response = await value_of(
        body([holding("s", "4.5", "4")], [security("s", kind)]),
    )

    assert response.total_value == "4.5"
    assert response.equities_value == "0"
    assert response.cryptocurrencies_value == "0"
    assert response.fiat_value == "0"


async def test_a_holding_whose_security_is_not_listed_counts_only_in_the_total() -> None:
    response = await value_of(body([holding("s_missing", "2")], []))

    assert response.total_value == "2"
    assert response.equities_value == "0"


@pytest.mark.parametrize(
    ("cost", "value", "expected"),
    [
        # (1 / 2,000,000) x 100 = 0.00005: half-even rounds to the even 0.0000
        ("2000000", "2000001", "0.0000"),
        # 0.00015 rounds to the even 0.0002
        ("2000000", "2000003", "0.0002"),
        # 0.00025 rounds to the even 0.0002, not up to 0.0003
        ("2000000", "2000005", "0.0002"),
        # 1/3 x 100
        ("3", "4", "33.3333"),
        # 2/3 x 100
        ("3", "5", "66.6667"),
    ],
)
async def test_performance_is_rounded_half_even_to_four_places(
    cost: str, value: str, expected: str
) -> None:
    response = await value_of(body([holding("s", value, cost)], [security("s", "crypto")]))

    assert response.cryptocurrencies_performance == expected


# Missing figures ------------------------------------------------------------------------------


async def test_a_holding_without_value_is_valued_at_quantity_times_price() -> None:
    response = await value_of(
        body(
            [holding("s_a", quantity="3", price="1.5"), holding("s_b", value="0.25")],
            [security("s_a", "equity"), security("s_b", "equity")],
        )
    )

    assert response.equities_value == "4.75"
    assert response.total_value == "4.75"


async def test_a_value_wins_over_quantity_times_price() -> None:
    response = await value_of(
        body([holding("s", value="10", quantity="3", price="1.5")], [security("s", "equity")])
    )

    assert response.equities_value == "10"


@pytest.mark.parametrize(
    "unvalued",
    [
        holding("s_crypto_b"),
        holding("s_crypto_b", quantity="2"),
        holding("s_crypto_b", price="2"),
    ],
)
async def test_a_holding_without_any_value_leaves_its_group_and_the_total_unset(
    unvalued: dict[str, Any],
) -> None:
    response = await value_of(
        body(
            [holding("s_equity", "5", "4"), holding("s_crypto_a", "1", "1"), unvalued],
            [
                security("s_equity", "equity"),
                security("s_crypto_a", "crypto"),
                security("s_crypto_b", "crypto"),
            ],
        )
    )

    assert values(response) == {
        "total_value": None,
        "total_performance": None,
        "equities_value": "5",
        "equities_performance": "25.0000",
        "cryptocurrencies_value": None,
        "cryptocurrencies_performance": None,
        "nfts_value": None,
        "fiat_value": "0",
    }
    assert response.currency == "USD"


async def test_a_holding_without_cost_basis_leaves_its_group_performance_unset() -> None:
    response = await value_of(
        body(
            [
                holding("s_equity_a", "5", "4"),
                holding("s_equity_b", "5", None),
                holding("s_crypto", "3", "2"),
            ],
            [
                security("s_equity_a", "equity"),
                security("s_equity_b", "equity"),
                security("s_crypto", "crypto"),
            ],
        )
    )

    assert response.equities_value == "10"
    assert not response.HasField("equities_performance")
    assert response.total_value == "13"
    assert not response.HasField("total_performance")
    assert response.cryptocurrencies_performance == "50.0000"


async def test_a_zero_cost_basis_leaves_the_performance_unset() -> None:
    response = await value_of(
        body(
            [holding("s_a", "5", "0"), holding("s_b", "3", "0.00")],
            [security("s_a", "crypto"), security("s_b", "crypto")],
        )
    )

    assert response.cryptocurrencies_value == "8"
    assert not response.HasField("cryptocurrencies_performance")
    assert not response.HasField("total_performance")


async def test_an_empty_group_is_worth_zero_without_performance() -> None:
    response = await value_of(one_of_each(["equity"]))

    assert response.cryptocurrencies_value == "0"
    assert not response.HasField("cryptocurrencies_performance")
    assert response.fiat_value == "0"


async def test_an_empty_link_is_worth_zero_in_no_currency() -> None:
    response = await value_of(body([], [], accounts=[]))

    assert values(response) == {
        "total_value": "0",
        "total_performance": None,
        "equities_value": "0",
        "equities_performance": None,
        "cryptocurrencies_value": "0",
        "cryptocurrencies_performance": None,
        "nfts_value": None,
        "fiat_value": "0",
    }
    assert response.currency == ""


# Currency -------------------------------------------------------------------------------------


async def test_the_currency_is_the_accounts_balance_currency() -> None:
    response = await value_of(
        body([holding("s", "1")], [security("s", "equity", "USD")], [account("acc", "EUR")])
    )

    assert response.currency == "EUR"
    assert response.total_value == "1"


@pytest.mark.parametrize(
    "accounts", [[account("acc", None)], [account("acc", "")], [], [account("other", "EUR")]]
)
async def test_without_an_account_currency_the_security_currency_is_used(
    accounts: list[dict[str, Any]],
) -> None:
    response = await value_of(body([holding("s", "1")], [security("s", "equity", "GBP")], accounts))

    assert response.currency == "GBP"
    assert response.total_value == "1"


async def test_holdings_in_two_currencies_leave_every_value_unset() -> None:
    response = await value_of(
        body(
            [
                holding("s_a", "1", "1", account_id="acc_usd"),
                holding("s_b", "2", "1", account_id="acc_eur"),
            ],
            [security("s_a", "equity"), security("s_b", "equity")],
            [account("acc_usd", "USD"), account("acc_eur", "EUR")],
        )
    )

    assert values(response) == dict.fromkeys(VALUE_FIELDS)
    assert response.currency == ""
    assert response.result.status == ResultStatus.RESULT_STATUS_OK


async def test_security_currencies_differing_from_each_other_leave_every_value_unset() -> None:
    response = await value_of(
        body(
            [holding("s_a", "1"), holding("s_b", "2")],
            [security("s_a", "equity", "USD"), security("s_b", "crypto", "BTC")],
            accounts=[],
        )
    )

    assert values(response) == dict.fromkeys(VALUE_FIELDS)
    assert response.currency == ""


# Source ---------------------------------------------------------------------------------------


async def test_the_figures_are_computed_by_the_gateway_from_moneykit() -> None:
    response = await value_of(MIXED)

    assert response.source.provider == PROVIDER_MONEYKIT
    assert response.source.computed_by_gateway is True


@pytest.mark.parametrize(
    ("products", "expected"),
    [
        (
            {"investments": {"refreshed_at": "2023-02-16T09:14:11"}},
            datetime(2023, 2, 16, 9, 14, 11, tzinfo=UTC),
        ),
        (
            {"holdings": {"refreshed_at": "2023-03-01T10:00:00Z"}},
            datetime(2023, 3, 1, 10, 0, 0, tzinfo=UTC),
        ),
        (
            {
                "holdings": {"refreshed_at": "2023-03-01T10:00:00Z"},
                "investments": {"refreshed_at": "2023-02-16T09:14:11Z"},
            },
            datetime(2023, 2, 16, 9, 14, 11, tzinfo=UTC),
        ),
    ],
)
async def test_as_of_is_the_links_refresh_time_when_moneykit_gives_one(
    products: dict[str, Any], expected: datetime
) -> None:
    response = await value_of(body([holding("s", "1")], [security("s", "equity")], None, products))

    assert response.source.as_of_from_provider is True
    assert response.source.as_of.ToDatetime(tzinfo=UTC) == expected


@pytest.mark.parametrize(
    "products",
    [
        {},
        {"accounts": {"refreshed_at": "2023-02-16T09:14:11"}},
        {"investments": {"last_attempted_at": "2023-02-16T09:14:11"}},
        {"investments": None},
    ],
)
async def test_as_of_is_the_arrival_time_without_a_holdings_refresh_time(
    products: dict[str, Any],
) -> None:
    before = datetime.now(UTC)
    response = await value_of(body([holding("s", "1")], [security("s", "equity")], None, products))
    after = datetime.now(UTC)

    assert response.source.as_of_from_provider is False
    assert before <= response.source.as_of.ToDatetime(tzinfo=UTC) <= after


# Properties -----------------------------------------------------------------------------------

KINDS = ["equity", "etf", "fund", "crypto", "cash", "bond", "loan", "derivative", "unknown", "x"]

amounts = st.builds(
    lambda units, places: Decimal(units).scaleb(-places),
    st.integers(-(10**15), 10**15),
    st.integers(0, 10),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KINDS), amounts), max_size=12))
def test_the_total_is_the_exact_sum_and_the_sum_of_the_groups(
    items: list[tuple[str, Decimal]],
) -> None:
    payload = body(
        [holding(f"s_{n}", format(amount, "f")) for n, (_, amount) in enumerate(items)],
        [security(f"s_{n}", kind) for n, (kind, _) in enumerate(items)],
    )

    response = asyncio.run(value_of(payload))

    with localcontext(Context(prec=100, traps=[Inexact])):
        _check_sums(response, items)


def _check_sums(response: GetHoldingsValueResponse, items: list[tuple[str, Decimal]]) -> None:
    expected = sum((amount for _, amount in items), Decimal(0))
    others = sum(
        (
            amount
            for kind, amount in items
            if kind not in {"equity", "etf", "fund", "crypto", "cash"}
        ),
        Decimal(0),
    )
    total = Decimal(response.total_value)
    assert total == expected
    assert total == (
        Decimal(response.equities_value)
        + Decimal(response.cryptocurrencies_value)
        + Decimal(response.fiat_value)
        + others
    )
    assert Decimal(response.equities_value) == sum(
        (amount for kind, amount in items if kind in {"equity", "etf", "fund"}), Decimal(0)
    )


# Coalescing -----------------------------------------------------------------------------------


async def test_holdings_and_value_of_the_same_link_at_once_make_one_holdings_request() -> None:
    upstream = Upstream(MIXED)
    adapter = upstream.adapter()

    holdings, value = await asyncio.gather(
        adapter.get_holdings(GetHoldingsRequest(connection=connection())),
        adapter.get_holdings_value(GetHoldingsValueRequest(connection=connection())),
    )

    assert len(upstream.holdings_requests) == 1
    assert len(holdings.holdings) == 10
    assert value.total_value == "199.45"


async def test_holdings_without_any_currency_leave_the_values_absent() -> None:
    body = json.loads(SEED_HOLDINGS_EXAMPLE)
    body["accounts"][0]["balances"]["currency"] = None
    body["securities"][0]["currency"] = None

    response = await value_of(body)

    assert response.currency == ""
    assert not response.HasField("total_value")
