"""GET /links/{id}/accounts on the MoneyKit sandbox, over real HTTP, held to the official SDK's
models (`moneykit` 0.2.3): every answer the SDK documents for the endpoint parses as its model."""

import json
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from moneykit.models import (
    APIErrorRateLimitExceededResponse,
    GetAccountsResponse,
    LinkErrorBadStateResponse,
    LinkErrorDeletedResponse,
    LinkErrorForbiddenActionResponse,
    LinkErrorNotFoundResponse,
    LinkErrorUnauthorizedAccessResponse,
)
from pydantic import BaseModel

from service.sandbox import SandboxUpstreams
from service.sandbox.moneykit import triggers

SAVINGS = "acc_8Wm3Tx6QcN2vLp9RbK4zHe"
CARD = "acc_4Rk9Vb2XnT7cQm5LwJ8pZd"
DATA_SETS = [
    triggers.MONEYKIT_BROKERAGE,
    triggers.MONEYKIT_RETIREMENT,
    triggers.MONEYKIT_CRYPTO,
    triggers.MONEYKIT_SEED_EXAMPLE,
    triggers.MONEYKIT_BALANCES,
    "mk_any_other_link",
]


def get_accounts(client: httpx.Client, token: str, link_id: str, **params: Any) -> httpx.Response:
    return client.get(
        f"/links/{quote(link_id, safe='')}/accounts",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
    )


def exact(response: httpx.Response) -> Any:
    return json.loads(response.content, parse_float=Decimal)


@pytest.mark.parametrize("link_id", DATA_SETS)
def test_each_data_set_answers_the_sdks_accounts_response(
    moneykit: httpx.Client, access_token: str, link_id: str
) -> None:
    response = get_accounts(moneykit, access_token, link_id)

    assert response.status_code == 200
    parsed = GetAccountsResponse.from_json(response.text)
    assert parsed.accounts
    holdings = moneykit.get(
        f"/links/{link_id}/investments/holdings",
        headers={"Authorization": f"Bearer {access_token}"},
    )
    assert parsed.link.link_id == holdings.json()["link"]["link_id"]


@pytest.mark.parametrize("link_id", DATA_SETS)
def test_every_balance_amount_is_a_json_number(
    moneykit: httpx.Client, access_token: str, link_id: str
) -> None:
    accounts = exact(get_accounts(moneykit, access_token, link_id))["accounts"]

    amounts = [
        account["balances"][name]
        for account in accounts
        for name in ("available", "current", "limit")
        if account["balances"].get(name) is not None
    ]
    assert amounts
    assert all(isinstance(amount, Decimal | int) for amount in amounts)


def test_the_holdings_accounts_are_the_accounts_endpoints(
    moneykit: httpx.Client, access_token: str
) -> None:
    link_id = triggers.MONEYKIT_RETIREMENT
    holdings = exact(
        moneykit.get(
            f"/links/{link_id}/investments/holdings",
            headers={"Authorization": f"Bearer {access_token}"},
        )
    )

    accounts = exact(get_accounts(moneykit, access_token, link_id))["accounts"]

    assert [a["account_id"] for a in accounts] == [a["account_id"] for a in holdings["accounts"]]
    # The holdings data set carries this balance as a string; the accounts endpoint, a number.
    assert holdings["accounts"][0]["balances"]["current"] == "105462.49"
    assert accounts[0]["balances"]["current"] == Decimal("105462.49")


def test_the_balances_data_set_is_written_digit_for_digit(
    moneykit: httpx.Client, access_token: str
) -> None:
    content = get_accounts(moneykit, access_token, triggers.MONEYKIT_BALANCES).content

    assert b'"current":2455.123456789012345678' in content
    assert b'"available":98765432109876543210.123456789012345678' in content
    assert b'"available":1E-18' in content
    assert b'"current":1E+3' in content
    assert b'"limit":5000' in content


def test_account_ids_filter_the_accounts(moneykit: httpx.Client, access_token: str) -> None:
    response = get_accounts(
        moneykit, access_token, triggers.MONEYKIT_BALANCES, account_ids=[SAVINGS, CARD]
    )

    assert [account["account_id"] for account in response.json()["accounts"]] == [SAVINGS, CARD]


@pytest.mark.parametrize(
    ("link_id", "http_status", "model"),
    [
        (triggers.MONEYKIT_UNAUTHORIZED_LINK, 401, LinkErrorUnauthorizedAccessResponse),
        (triggers.MONEYKIT_FORBIDDEN, 403, LinkErrorForbiddenActionResponse),
        (triggers.MONEYKIT_NOT_FOUND, 404, LinkErrorNotFoundResponse),
        (triggers.MONEYKIT_DELETED, 410, LinkErrorDeletedResponse),
        (triggers.MONEYKIT_EXPIRED, 422, LinkErrorBadStateResponse),
        (triggers.MONEYKIT_RATE_LIMITED, 429, APIErrorRateLimitExceededResponse),
    ],
)
def test_the_documented_errors_parse_as_the_sdks_models(
    moneykit: httpx.Client,
    access_token: str,
    link_id: str,
    http_status: int,
    model: type[BaseModel],
) -> None:
    response = get_accounts(moneykit, access_token, link_id)

    assert response.status_code == http_status
    model.model_validate(response.json())


@pytest.mark.parametrize(
    ("link_id", "http_status"),
    [
        (triggers.MONEYKIT_BAD_REQUEST, 400),
        (triggers.MONEYKIT_SERVER_FAILURE, 500),
        (triggers.MONEYKIT_UNAVAILABLE, 503),
    ],
)
def test_the_other_failure_triggers_answer_their_status(
    moneykit: httpx.Client, access_token: str, link_id: str, http_status: int
) -> None:
    assert get_accounts(moneykit, access_token, link_id).status_code == http_status


def test_malformed_is_truncated_json(moneykit: httpx.Client, access_token: str) -> None:
    response = get_accounts(moneykit, access_token, triggers.MONEYKIT_MALFORMED)

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_a_request_without_a_valid_token_is_refused(
    sandbox: SandboxUpstreams, moneykit: httpx.Client
) -> None:
    response = get_accounts(moneykit, "not-a-token", triggers.MONEYKIT_BALANCES)

    assert response.status_code == 401
    assert response.json()["error_code"] == "api_error.auth.unauthorized"
