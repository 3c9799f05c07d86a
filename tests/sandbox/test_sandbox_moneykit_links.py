"""The MoneyKit sandbox's link, refresh and investment transactions endpoints, over real HTTP."""

import time
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from service.sandbox import SandboxUpstreams
from service.sandbox.moneykit import triggers

DATASET_REFRESHED_AT = "2024-03-14T09:14:11"


def authorized(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def investments(client: httpx.Client, token: str, link_id: str) -> dict[str, Any]:
    response = client.get(f"/links/{link_id}", headers=authorized(token))
    assert response.status_code == 200
    product: dict[str, Any] = response.json()["products"]["investments"]
    return product


def ask_refresh(client: httpx.Client, token: str, link_id: str) -> dict[str, Any]:
    response = client.post(
        f"/links/{link_id}/products", json={"products": ["investments"]}, headers=authorized(token)
    )
    assert response.status_code == 202
    body: dict[str, Any] = response.json()
    assert body["link_id"] == link_id
    return body


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_link_reports_its_data_set_s_investments_refresh(
    moneykit: httpx.Client, access_token: str
) -> None:
    response = moneykit.get("/links/mk_any_link", headers=authorized(access_token))

    body = response.json()
    assert body["link_id"] == "mk_any_link"
    assert body["institution_name"] == "Fidelity Investments"
    assert body["products"]["investments"]["refreshed_at"] == DATASET_REFRESHED_AT
    assert "investments" in body["available_products"]


def test_a_refresh_completes_at_once_for_an_ordinary_link(
    moneykit: httpx.Client, access_token: str
) -> None:
    accepted = ask_refresh(moneykit, access_token, "mk_any_link")["products"]["investments"]

    assert accepted["refreshed_at"] == accepted["last_attempted_at"]
    assert when(accepted["refreshed_at"]) > when(DATASET_REFRESHED_AT + "Z")
    holdings = moneykit.get(
        "/links/mk_any_link/investments/holdings", headers=authorized(access_token)
    )
    assert holdings.json()["link"]["products"]["investments"] == accepted


def test_a_slow_refresh_completes_a_second_after_it_was_asked_for(
    moneykit: httpx.Client, access_token: str
) -> None:
    link_id = triggers.MONEYKIT_REFRESH_SLOW
    asked_at = when(
        ask_refresh(moneykit, access_token, link_id)["products"]["investments"]["last_attempted_at"]
    )

    for _ in range(200):
        product = investments(moneykit, access_token, link_id)
        if product["refreshed_at"] != DATASET_REFRESHED_AT:
            break
        time.sleep(0.05)
    assert when(product["refreshed_at"]) - asked_at >= timedelta(
        seconds=triggers.REFRESH_SLOW_SECONDS
    )


def test_a_refresh_that_never_completes_keeps_its_time(
    moneykit: httpx.Client, access_token: str
) -> None:
    ask_refresh(moneykit, access_token, triggers.MONEYKIT_REFRESH_NEVER)

    for _ in range(3):
        product = investments(moneykit, access_token, triggers.MONEYKIT_REFRESH_NEVER)
        assert product["refreshed_at"] == DATASET_REFRESHED_AT
        assert product["error_code"] is None


@pytest.mark.parametrize(
    ("link_id", "error_code"),
    [
        (triggers.MONEYKIT_REFRESH_RATE_LIMIT, "rate_limit"),
        (triggers.MONEYKIT_REFRESH_AUTH_EXPIRED, "auth_expired"),
        (triggers.MONEYKIT_REFRESH_NOT_SUPPORTED, "not_supported"),
    ],
)
def test_a_failing_refresh_reports_its_error_code_on_the_product(
    moneykit: httpx.Client, access_token: str, link_id: str, error_code: str
) -> None:
    assert investments(moneykit, access_token, link_id)["error_code"] is None
    ask_refresh(moneykit, access_token, link_id)

    product = investments(moneykit, access_token, link_id)
    assert product["error_code"] == error_code
    assert product["error_message"]
    assert product["refreshed_at"] == DATASET_REFRESHED_AT
    assert product["last_attempted_at"] != product["refreshed_at"]


def test_a_fresh_link_was_refreshed_a_minute_before_it_was_first_read(
    moneykit: httpx.Client, access_token: str
) -> None:
    first = investments(moneykit, access_token, triggers.MONEYKIT_FRESH)
    holdings = moneykit.get(
        f"/links/{triggers.MONEYKIT_FRESH}/investments/holdings", headers=authorized(access_token)
    )

    assert when(first["refreshed_at"]) > when(DATASET_REFRESHED_AT + "Z")
    assert holdings.json()["link"]["products"]["investments"] == first


def test_refreshes_are_forgotten_on_reset(
    sandbox: SandboxUpstreams, moneykit: httpx.Client, access_token: str
) -> None:
    ask_refresh(moneykit, access_token, "mk_any_link")
    sandbox.reset()

    assert (
        investments(moneykit, access_token, "mk_any_link")["refreshed_at"] == DATASET_REFRESHED_AT
    )


@pytest.mark.parametrize(
    "body", [b"not json", b'{"products": "investments"}', b'{"products": ["holdings"]}', b"[]"]
)
def test_a_refresh_body_outside_the_sdk_s_request_is_refused(
    moneykit: httpx.Client, access_token: str, body: bytes
) -> None:
    response = moneykit.post(
        "/links/mk_any_link/products",
        content=body,
        headers={**authorized(access_token), "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["error_code"] == "api_error.request.validation_failed"


def test_link_endpoints_need_a_valid_token_and_answer_link_triggers(
    moneykit: httpx.Client, access_token: str
) -> None:
    assert moneykit.get("/links/mk_any_link").status_code == 401
    missing = moneykit.get(
        f"/links/{triggers.MONEYKIT_NOT_FOUND}", headers=authorized(access_token)
    )
    assert missing.json()["error_code"] == "link_error.not_found"
    limited = moneykit.post(
        f"/links/{triggers.MONEYKIT_RATE_LIMITED}/products",
        json={"products": ["investments"]},
        headers=authorized(access_token),
    )
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "30")
    assert (
        moneykit.get("/links/mk_any_link/elsewhere", headers=authorized(access_token)).status_code
        == 404
    )


def transactions(client: httpx.Client, token: str, **params: Any) -> httpx.Response:
    return client.get(
        "/links/mk_any_link/investments/transactions", params=params, headers=authorized(token)
    )


def test_investment_transactions_page_by_number_and_size(
    moneykit: httpx.Client, access_token: str
) -> None:
    pages = [transactions(moneykit, access_token, page=n, size=4).json() for n in (1, 2, 3, 4)]

    assert [len(page["investment_transactions"]) for page in pages] == [4, 4, 3, 0]
    assert all(page["total"] == 11 for page in pages)
    ids = [
        t["investment_transaction_id"] for page in pages for t in page["investment_transactions"]
    ]
    assert len(set(ids)) == 11
    dates = [t["date"] for page in pages for t in page["investment_transactions"]]
    assert dates == sorted(dates, reverse=True)


def test_investment_transactions_filter_by_dates_and_accounts(
    moneykit: httpx.Client, access_token: str
) -> None:
    body = transactions(
        moneykit,
        access_token,
        start_date="2024-02-01",
        end_date="2024-02-29",
        account_ids=["acc_3fTq8NmW2xRbKp9LzVd4Hc"],
    ).json()

    assert [t["date"] for t in body["investment_transactions"]] == [
        "2024-02-20",
        "2024-02-15",
        "2024-02-05",
        "2024-02-01",
    ]
    assert body["total"] == 4
    assert {a["account_id"] for a in body["accounts"]} == {"acc_3fTq8NmW2xRbKp9LzVd4Hc"}


@pytest.mark.parametrize(
    "params",
    [{"size": 0}, {"size": 1001}, {"page": 0}, {"page": "x"}, {"start_date": "2024-02-30"}],
)
def test_investment_transactions_refuse_a_query_outside_the_sdk_s_bounds(
    moneykit: httpx.Client, access_token: str, params: dict[str, Any]
) -> None:
    response = transactions(moneykit, access_token, **params)

    assert response.status_code == 400
    [violation] = response.json()["validation_errors"]
    assert violation["loc"] == ["query", next(iter(params))]
