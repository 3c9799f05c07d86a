"""The Plaid simulator on its own: its checks, its Items and the state of a refresh."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx
import pytest

from service.sandbox import SandboxUpstreams
from service.sandbox.plaid import triggers
from tests.sandbox.test_sandbox_held import GUARD_SECONDS, eventually


@pytest.fixture
def plaid(sandbox: SandboxUpstreams) -> Iterator[httpx.Client]:
    headers = {
        "PLAID-CLIENT-ID": sandbox.plaid.credentials["client_id"],
        "PLAID-SECRET": sandbox.plaid.credentials["secret"],
        "Plaid-Version": "2020-09-14",
    }
    with httpx.Client(base_url=sandbox.plaid.url, headers=headers, timeout=GUARD_SECONDS) as c:
        yield c


def post(plaid: httpx.Client, path: str, token: str, **extra: Any) -> httpx.Response:
    return plaid.post(path, json={"access_token": token, **extra})


def test_each_simulator_draws_its_own_credentials() -> None:
    first, second = SandboxUpstreams().plaid, SandboxUpstreams().plaid

    assert first.credentials != second.credentials


def test_amounts_are_json_numbers_with_every_digit(plaid: httpx.Client) -> None:
    response = post(plaid, "/investments/holdings/get", triggers.PLAID_BROKERAGE)

    holdings = response.json(parse_float=Decimal)["holdings"]
    assert Decimal("0.123456789012345678") in {h["quantity"] for h in holdings}
    assert b'"quantity":0.123456789012345678' in response.content


def test_each_token_is_its_own_item(plaid: httpx.Client) -> None:
    ids = {
        post(plaid, "/item/get", token).json()["item"]["item_id"]
        for token in ("access-sandbox-a", "access-sandbox-b", triggers.PLAID_BROKERAGE)
    }

    assert len(ids) == 3


def test_the_invalid_access_token_trigger_is_plaids_error(plaid: httpx.Client) -> None:
    response = post(plaid, "/accounts/get", triggers.PLAID_INVALID_ACCESS_TOKEN)

    assert response.status_code == 400
    answer = response.json()
    assert (answer["error_type"], answer["error_code"]) == ("INVALID_INPUT", "INVALID_ACCESS_TOKEN")


def test_an_unknown_endpoint_is_a_plaid_not_found(plaid: httpx.Client) -> None:
    response = post(plaid, "/investments/holdings", triggers.PLAID_BROKERAGE)

    assert response.status_code == 404
    assert response.json()["error_code"] == "NOT_FOUND"


def test_a_refresh_completes_on_the_second_status_read_and_reset_forgets_it(
    sandbox: SandboxUpstreams, plaid: httpx.Client
) -> None:
    def last_update() -> str:
        status = post(plaid, "/item/get", triggers.PLAID_BROKERAGE).json()["status"]
        return str(status["investments"]["last_successful_update"])

    before = last_update()
    post(plaid, "/investments/refresh", triggers.PLAID_BROKERAGE)

    assert last_update() == before
    assert last_update() > before
    sandbox.reset()
    assert last_update() == before


def test_a_stalled_refresh_never_moves(plaid: httpx.Client) -> None:
    token = triggers.PLAID_REFRESH_STALLS
    post(plaid, "/investments/refresh", token)

    updates = {
        post(plaid, "/item/get", token).json()["status"]["investments"]["last_successful_update"]
        for _ in range(5)
    }

    assert len(updates) == 1


def test_transactions_page_by_offset_and_count_newest_first(plaid: httpx.Client) -> None:
    dates = {"start_date": "2024-01-01", "end_date": "2024-12-31"}
    pages = [
        post(
            plaid,
            "/investments/transactions/get",
            triggers.PLAID_BROKERAGE,
            **dates,
            options={"count": 4, "offset": offset},
        ).json()
        for offset in (0, 4)
    ]

    days = [t["date"] for page in pages for t in page["investment_transactions"]]
    assert len(days) == 7
    assert days == sorted(days, reverse=True)
    assert {page["total_investment_transactions"] for page in pages} == {7}


def test_a_held_request_waits_until_released(
    sandbox: SandboxUpstreams, plaid: httpx.Client
) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(post, plaid, "/investments/holdings/get", triggers.PLAID_HELD)
        eventually(lambda: sandbox.plaid.held_count == 1)
        assert not future.done()
        sandbox.release_held()

        assert future.result(timeout=GUARD_SECONDS).status_code == 200
