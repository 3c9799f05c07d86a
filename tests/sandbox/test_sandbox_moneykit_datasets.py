"""The MoneyKit sandbox's data set links, over real HTTP."""

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from service.sandbox.moneykit import triggers

DATASET_LINKS = [
    triggers.MONEYKIT_BROKERAGE,
    triggers.MONEYKIT_RETIREMENT,
    triggers.MONEYKIT_CRYPTO,
]
CENT = Decimal("0.01")


def get(client: httpx.Client, token: str, link_id: str, **params: Any) -> httpx.Response:
    response = client.get(
        f"/links/{link_id}/investments/holdings",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    return response


def exact(response: httpx.Response) -> Any:
    return json.loads(response.content, parse_float=Decimal)


def amount(value: str | Decimal) -> Decimal:
    # MoneyKit sends amounts as decimal strings or as JSON numbers.
    return Decimal(value)


@pytest.mark.parametrize("link_id", DATASET_LINKS)
def test_each_link_answers_under_its_own_id_with_consistent_data(
    moneykit: httpx.Client, access_token: str, link_id: str
) -> None:
    body = exact(get(moneykit, access_token, link_id))

    assert body.keys() == {"holdings", "securities", "accounts", "link"}
    assert body["link"]["link_id"] == link_id
    held = {holding["security_id"] for holding in body["holdings"]}
    assert held == {security["security_id"] for security in body["securities"]}
    account_ids = {account["account_id"] for account in body["accounts"]}
    assert {holding["account_id"] for holding in body["holdings"]} <= account_ids
    assert len(account_ids) == 2


@pytest.mark.parametrize("link_id", [triggers.MONEYKIT_RETIREMENT, triggers.MONEYKIT_CRYPTO])
def test_values_and_balances_add_up(
    moneykit: httpx.Client, access_token: str, link_id: str
) -> None:
    body = exact(get(moneykit, access_token, link_id))

    for holding in body["holdings"]:
        value = (amount(holding["quantity"]) * amount(holding["price"])).quantize(CENT)
        assert amount(holding["value"]) == value, holding["security_id"]
    for account in body["accounts"]:
        values = [
            amount(holding["value"])
            for holding in body["holdings"]
            if holding["account_id"] == account["account_id"]
        ]
        assert amount(account["balances"]["current"]) == sum(values)


def test_the_brokerage_link_is_the_default_data(moneykit: httpx.Client, access_token: str) -> None:
    brokerage = exact(get(moneykit, access_token, triggers.MONEYKIT_BROKERAGE))
    other = exact(get(moneykit, access_token, "mk_eqkWN34UEoa2NxyALG8pcV"))

    assert other["link"]["link_id"] == "mk_eqkWN34UEoa2NxyALG8pcV"
    assert {**brokerage, "link": {**brokerage["link"], "link_id": None}} == {
        **other,
        "link": {**other["link"], "link_id": None},
    }


def test_the_retirement_link_holds_funds_etfs_a_bond_and_cash_all_with_cost_basis(
    moneykit: httpx.Client, access_token: str
) -> None:
    body = exact(get(moneykit, access_token, triggers.MONEYKIT_RETIREMENT))

    types = [security["type"] for security in body["securities"]]
    assert sorted(set(types)) == ["bond", "cash", "etf", "fund"]
    assert types.count("bond") == 1
    assert all(holding.get("cost_basis") is not None for holding in body["holdings"])
    assert body["link"]["institution_id"] == "vanguard"


def test_the_crypto_link_holds_crypto_only_one_without_cost_basis(
    moneykit: httpx.Client, access_token: str
) -> None:
    response = get(moneykit, access_token, triggers.MONEYKIT_CRYPTO)
    body = exact(response)

    assert {security["type"] for security in body["securities"]} == {"crypto"}
    [without] = [holding for holding in body["holdings"] if "cost_basis" not in holding]
    assert [
        s["ticker"] for s in body["securities"] if s["security_id"] == without["security_id"]
    ] == ["UNI"]
    eighteen = [
        holding
        for holding in body["holdings"]
        if Decimal(holding["quantity"]).as_tuple().exponent == -18
    ]
    assert len(eighteen) == 4
    assert b'"quantity":"2.718281828459045235"' in response.content
    assert b'"quantity":"10.000000000000000001"' in response.content


@pytest.mark.parametrize("link_id", DATASET_LINKS)
def test_filtering_by_each_account_keeps_its_holdings_and_their_securities(
    moneykit: httpx.Client, access_token: str, link_id: str
) -> None:
    whole = exact(get(moneykit, access_token, link_id))

    for account in whole["accounts"]:
        account_id = account["account_id"]
        body = exact(get(moneykit, access_token, link_id, account_ids=[account_id]))

        assert body["accounts"] == [account]
        assert body["holdings"] == [h for h in whole["holdings"] if h["account_id"] == account_id]
        held = {holding["security_id"] for holding in body["holdings"]}
        assert body["securities"] == [s for s in whole["securities"] if s["security_id"] in held]
        assert body["link"] == whole["link"]


def test_a_security_held_in_both_crypto_accounts_is_kept_by_either(
    moneykit: httpx.Client, access_token: str
) -> None:
    whole = exact(get(moneykit, access_token, triggers.MONEYKIT_CRYPTO))
    [ether] = [s["security_id"] for s in whole["securities"] if s["ticker"] == "ETH"]

    for account in whole["accounts"]:
        body = exact(
            get(
                moneykit,
                access_token,
                triggers.MONEYKIT_CRYPTO,
                account_ids=[account["account_id"]],
            )
        )
        assert ether in {security["security_id"] for security in body["securities"]}


@pytest.mark.parametrize("link_id", DATASET_LINKS)
def test_an_unknown_account_filters_everything_out(
    moneykit: httpx.Client, access_token: str, link_id: str
) -> None:
    body = get(moneykit, access_token, link_id, account_ids=["acc_unknown"]).json()

    assert body["holdings"] == body["securities"] == body["accounts"] == []
    assert body["link"]["link_id"] == link_id
