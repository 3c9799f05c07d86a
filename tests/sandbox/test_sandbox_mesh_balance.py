"""POST /api/v1/balance/get on the Mesh sandbox, over real HTTP."""

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from service.sandbox.mesh import triggers
from service.sandbox.mesh.institutions import BALANCE_SUPPORTED

PATH = "/api/v1/balance/get"
ENVELOPE_KEYS = {"status", "message", "displayMessage", "errorType", "errorHash", "errorData"}


def exact(response: httpx.Response) -> Any:
    return json.loads(response.content, parse_float=Decimal)


def body(token: str = "user-token", **changes: Any) -> dict[str, Any]:
    return {"authToken": token, "type": "robinhood", **changes}


def content_of(mesh: httpx.Client, **changes: Any) -> dict[str, Any]:
    response = mesh.post(PATH, json=body(**changes))
    assert response.status_code == 200
    answer = exact(response)
    assert answer.keys() == {*ENVELOPE_KEYS, "content"}
    assert (answer["status"], answer["errorType"]) == ("ok", "")
    content: dict[str, Any] = answer["content"]
    return content


def test_a_broker_has_usd_and_eur_balances_whose_totals_add_up_at_one_rate(
    mesh: httpx.Client,
) -> None:
    content = content_of(mesh)

    usd, eur = content["balances"]
    assert usd == {
        "cash": Decimal("158.5"),
        "buyingPower": Decimal("258.5"),
        "cryptocurrencyBuyingPower": Decimal("158.5"),
        "currencyCode": "USD",
    }
    assert eur == {"cash": 10, "buyingPower": 10, "currencyCode": "EUR"}
    rate = Decimal("1.085")
    assert content["totalCashUsdValue"] == usd["cash"] + eur["cash"] * rate
    assert content["totalBuyingPowerUsdValue"] == usd["buyingPower"] + eur["buyingPower"] * rate


def test_coinbase_balances_are_written_digit_for_digit(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json=body(type="coinbase"))

    assert b'"cash":1520.123456789012345678' in response.content
    assert b'"cryptocurrencyBuyingPower":98765432109876543210.123456789012345678' in (
        response.content
    )
    assert b'"cash":1E-18' in response.content
    assert b'"cryptocurrencyBuyingPower":null' in response.content
    assert [entry["currencyCode"] for entry in exact(response)["content"]["balances"]] == [
        "USD",
        "EUR",
    ]


def test_partial_gives_only_each_currency_code_and_cash(mesh: httpx.Client) -> None:
    content = content_of(mesh, authToken=triggers.MESH_PARTIAL)

    assert content == {
        "balances": [
            {"currencyCode": "USD", "cash": Decimal("158.5")},
            {"currencyCode": "EUR", "cash": 10},
        ]
    }


@pytest.mark.parametrize("institution", sorted(BALANCE_SUPPORTED))
def test_every_supported_institution_answers_balances(mesh: httpx.Client, institution: str) -> None:
    assert len(content_of(mesh, type=institution)["balances"]) == 2


@pytest.mark.parametrize("institution", ["eTrade", "openSea", "interactiveBrokers"])
def test_an_institution_outside_the_documented_list_is_not_supported(
    mesh: httpx.Client, institution: str
) -> None:
    response = mesh.post(PATH, json=body(type=institution))

    assert response.status_code == 400
    assert (response.json()["status"], response.json()["errorType"]) == (
        "badRequest",
        "notSupported",
    )


@pytest.mark.parametrize(
    ("token", "http_status", "status"),
    [
        (triggers.MESH_BAD_REQUEST, 400, "badRequest"),
        (triggers.MESH_NOT_FOUND, 400, "notFound"),
        (triggers.MESH_CONFLICT, 400, "conflict"),
        (triggers.MESH_LOCKED, 400, "locked"),
        (triggers.MESH_LEGAL, 400, "unavailableForLegalReasons"),
        (triggers.MESH_RATE_LIMITED, 429, "tooManyRequest"),
        (triggers.MESH_SERVER_FAILURE, 500, "serverFailure"),
        (triggers.MESH_ENVELOPE_FAILURE, 200, "serverFailure"),
    ],
)
def test_the_envelope_triggers_answer_as_on_the_holdings_endpoints(
    mesh: httpx.Client, token: str, http_status: int, status: str
) -> None:
    response = mesh.post(PATH, json=body(token))

    assert response.status_code == http_status
    assert response.json()["status"] == status


@pytest.mark.parametrize(
    ("token", "http_status"),
    [
        (triggers.MESH_UNAUTHORIZED, 401),
        (triggers.MESH_PERMISSION_DENIED, 403),
        (triggers.MESH_UNAVAILABLE, 503),
    ],
)
def test_the_bare_triggers_answer_their_status(
    mesh: httpx.Client, token: str, http_status: int
) -> None:
    assert mesh.post(PATH, json=body(token)).status_code == http_status


def test_malformed_is_truncated_json(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json=body(triggers.MESH_MALFORMED))

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


@pytest.mark.parametrize(
    "token", [triggers.MESH_HOLDINGS_FAILED, triggers.MESH_HOLDINGS_NOT_AUTHORIZED]
)
def test_the_holdings_triggers_get_the_normal_answer(mesh: httpx.Client, token: str) -> None:
    assert content_of(mesh, authToken=token) == content_of(mesh)


def test_the_client_credentials_are_checked(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json=body(), headers={"X-Client-Secret": "wrong"})

    assert response.status_code == 401
