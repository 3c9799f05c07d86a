"""POST /api/v1/transactions/details and /list on the Mesh sandbox, over real HTTP: the order
history, cancels that settle (at once, after a delay, or never) and answers that are lost."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from service.sandbox import SandboxUpstreams
from service.sandbox.mesh import triggers
from service.sandbox.mesh.simulator import MeshSimulator

CANCEL = "/api/v1/transactions/cancel"
DETAILS = "/api/v1/transactions/details"
LIST = "/api/v1/transactions/list"
PENDING_IN_HISTORY = "3C6A91D2-5B7E-4F08-9A1C-2D4E6F8A0B1C"


def order(token: str = "user-token", order_id: str = "order-1", **changes: Any) -> dict[str, Any]:
    return {
        "authToken": token,
        "type": "robinhood",
        "id": order_id,
        "isCryptocurrency": False,
        **changes,
    }


def status_of(mesh: httpx.Client, body: dict[str, Any]) -> str:
    answer = mesh.post(DETAILS, json=body)
    assert answer.status_code == 200
    status: str = answer.json()["content"]["status"]
    return status


@pytest.fixture
def settles_never() -> Iterator[httpx.Client]:
    """A sandbox whose lost cancels take an hour to settle: within a test, never."""
    with (
        SandboxUpstreams(mesh=MeshSimulator(cancel_settle_seconds=3600)) as sandbox,
        httpx.Client(base_url=sandbox.mesh.url, headers=_credentials(sandbox)) as client,
    ):
        yield client


@pytest.fixture
def settles_at_once() -> Iterator[httpx.Client]:
    with (
        SandboxUpstreams(mesh=MeshSimulator(cancel_settle_seconds=0)) as sandbox,
        httpx.Client(base_url=sandbox.mesh.url, headers=_credentials(sandbox)) as client,
    ):
        yield client


def _credentials(sandbox: SandboxUpstreams) -> dict[str, str]:
    return {"X-Client-Id": sandbox.mesh.client_id, "X-Client-Secret": sandbox.mesh.client_secret}


def test_an_order_outside_the_history_is_pending_until_cancelled(mesh: httpx.Client) -> None:
    assert status_of(mesh, order()) == "inProgress"

    assert mesh.post(CANCEL, json=order()).json()["status"] == "ok"

    answer = mesh.post(DETAILS, json=order()).json()["content"]
    assert answer["status"] == "cancelled"
    assert answer["updatedTimestamp"] >= answer["createdTimestamp"]


def test_a_cancel_is_the_users_own(mesh: httpx.Client) -> None:
    mesh.post(CANCEL, json=order())

    assert status_of(mesh, order("another-user")) == "inProgress"
    assert status_of(mesh, order(type="coinbase", side="buy")) == "inProgress"


def test_reset_forgets_the_cancels(sandbox: SandboxUpstreams, mesh: httpx.Client) -> None:
    mesh.post(CANCEL, json=order())

    sandbox.reset()

    assert status_of(mesh, order()) == "inProgress"


def test_a_cancel_of_an_executed_order_leaves_it_executed(mesh: httpx.Client) -> None:
    executed = "9B5827E4-7D08-4A71-B4C0-B1B4E5562592"
    mesh.post(CANCEL, json=order(order_id=executed))

    assert status_of(mesh, order(order_id=executed)) == "success"


def test_a_lost_cancel_answers_nothing_but_is_recorded_and_settles_later(
    settles_never: httpx.Client, settles_at_once: httpx.Client
) -> None:
    lost = order(triggers.MESH_CANCEL_LOST, PENDING_IN_HISTORY)
    for client in (settles_never, settles_at_once):
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(CANCEL, json=lost)

    assert status_of(settles_never, lost) == "inProgress"
    assert status_of(settles_at_once, lost) == "cancelled"


@pytest.mark.parametrize(
    ("token", "cancel_answered"),
    [(triggers.MESH_CANCEL_LOST_IN_PROGRESS, False), (triggers.MESH_ORDER_IN_PROGRESS, True)],
)
def test_a_stuck_order_stays_in_progress(
    settles_at_once: httpx.Client, token: str, cancel_answered: bool
) -> None:
    try:
        answered = settles_at_once.post(CANCEL, json=order(token)).json()["status"] == "ok"
    except httpx.RemoteProtocolError:
        answered = False

    assert answered is cancel_answered
    assert status_of(settles_at_once, order(token)) == "inProgress"


def test_the_bare_order_trigger_answers_the_order_without_the_envelope(
    mesh: httpx.Client,
) -> None:
    answer = mesh.post(DETAILS, json=order(triggers.MESH_BARE_ORDER, PENDING_IN_HISTORY)).json()

    assert answer["id"] == PENDING_IN_HISTORY
    assert answer["status"] == "inProgress"
    assert "content" not in answer


def test_details_are_refused_as_the_cancel_would_be(mesh: httpx.Client) -> None:
    missing_side = mesh.post(DETAILS, json=order(type="coinbase")).json()
    not_supported = mesh.post(DETAILS, json=order(type="eTrade")).json()

    assert (missing_side["status"], missing_side["errorType"]) == ("badRequest", "missingField")
    assert not_supported["errorType"] == "notSupported"


def test_a_missing_order_is_404_problem_details(mesh: httpx.Client) -> None:
    answer = mesh.post(DETAILS, json=order(triggers.MESH_NOT_FOUND))

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert "Transaction is not found" in answer.json()["detail"]


def pages(mesh: httpx.Client, **body: Any) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = []
    cursor = None
    for _ in range(5):
        request = {"authToken": "user-token", "type": "robinhood", **body}
        if cursor is not None:
            request["cursor"] = cursor
        content = mesh.post(LIST, json=request).json()["content"]
        answers.append(content)
        if content["cursor"] == cursor:
            break
        cursor = content["cursor"]
    return answers


def test_the_history_comes_in_pages_and_the_last_repeats_its_cursor(mesh: httpx.Client) -> None:
    answered = pages(mesh, count=4)

    assert [len(page["transactions"]) for page in answered] == [4, 4, 1]
    assert answered[-1]["cursor"] == answered[-2]["cursor"]
    assert {page["total"] for page in answered} == {9}
    created = [o["createdTimestamp"] for page in answered for o in page["transactions"]]
    assert created == sorted(created, reverse=True)


def test_a_one_page_history_ends_with_an_empty_page(mesh: httpx.Client) -> None:
    answered = pages(mesh)

    assert [len(page["transactions"]) for page in answered] == [9, 0]


def test_the_list_filters_by_status_and_creation_time(mesh: httpx.Client) -> None:
    [page, _] = pages(mesh, statuses=["success", "failed"], **{"from": 1651739676})

    assert [o["id"] for o in page["transactions"]] == ["17EC1243-D91A-48B6-B0CE-ECFDB134F8A0"]


def test_a_cancelled_order_is_listed_cancelled(mesh: httpx.Client) -> None:
    mesh.post(CANCEL, json=order(order_id=PENDING_IN_HISTORY))

    [page, _] = pages(mesh, statuses=["inProgress"])

    assert page["transactions"] == []


def test_another_users_cursor_is_refused(mesh: httpx.Client) -> None:
    [first, *_] = pages(mesh, count=3)

    answer = mesh.post(
        LIST, json={"authToken": "intruder", "type": "robinhood", "cursor": first["cursor"]}
    )

    assert answer.status_code == 400
    assert answer.json()["errorType"] == "invalidCursor"
