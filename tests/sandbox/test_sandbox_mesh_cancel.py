"""POST /api/v1/transactions/cancel on the Mesh sandbox, over real HTTP."""

import re
from typing import Any

import httpx
import pytest

from service.sandbox import SandboxUpstreams
from service.sandbox.mesh import triggers

PATH = "/api/v1/transactions/cancel"
ENVELOPE_KEYS = {"status", "message", "displayMessage", "errorType", "errorHash", "errorData"}
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "traceId"}


def order(**changes: object) -> dict[str, object]:
    return {
        "authToken": "user-token",
        "type": "robinhood",
        "id": "17EC1243-D91A-48B6-B0CE-ECFDB134F8A0",
        "isCryptocurrency": False,
        **changes,
    }


def assert_bad_request(response: httpx.Response, error_type: str) -> dict[str, Any]:
    assert response.status_code == 400
    body: dict[str, Any] = response.json()
    assert body.keys() == ENVELOPE_KEYS
    assert (body["status"], body["errorType"]) == ("badRequest", error_type)
    return body


def test_a_cancel_answers_ok_without_content(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json=order())

    assert response.status_code == 200
    body = response.json()
    assert body.keys() == ENVELOPE_KEYS
    assert body["status"] == "ok"
    assert "17EC1243-D91A-48B6-B0CE-ECFDB134F8A0" in body["message"]


def test_the_optional_fields_may_be_null(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json=order(side=None, symbolPair=None, mfaCode=None))

    assert response.json()["status"] == "ok"


def test_every_documented_field_is_accepted(mesh: httpx.Client) -> None:
    body = order(type="kraken", isCryptocurrency=True, side="sell", symbolPair="ETH/USD")
    response = mesh.post(PATH, json={**body, "mfaCode": "123456"})

    assert response.json()["status"] == "ok"


def test_wrong_client_credentials_get_401_with_an_empty_body(sandbox: SandboxUpstreams) -> None:
    headers = {"X-Client-Id": sandbox.mesh.client_id, "X-Client-Secret": "wrong"}
    response = httpx.post(sandbox.mesh.url + PATH, json=order(), headers=headers)

    assert response.status_code == 401
    assert response.content == b""


@pytest.mark.parametrize(
    ("changes", "error_type", "field"),
    [
        pytest.param({"quantity": 1}, "invalidField", "quantity", id="extra-property"),
        pytest.param({"id": ""}, "invalidField", "id", id="empty-id"),
        pytest.param({"authToken": ""}, "invalidField", "authToken", id="empty-token"),
        pytest.param({"isCryptocurrency": "false"}, "invalidField", "isCryptocurrency", id="str"),
        pytest.param({"isCryptocurrency": 0}, "invalidField", "isCryptocurrency", id="int"),
        pytest.param({"side": "hold"}, "invalidField", "side", id="bad-side"),
        pytest.param({"type": "etrade"}, "invalidField", "type", id="bad-type"),
        pytest.param({"symbolPair": 5}, "invalidField", "symbolPair", id="number-pair"),
    ],
)
def test_a_body_outside_the_schema_gets_400_bad_request(
    mesh: httpx.Client, changes: dict[str, object], error_type: str, field: str
) -> None:
    response = mesh.post(PATH, json=order(**changes))

    assert field in assert_bad_request(response, error_type)["message"]


@pytest.mark.parametrize("field", ["authToken", "type", "id", "isCryptocurrency"])
def test_a_required_field_missing_gets_missing_field(mesh: httpx.Client, field: str) -> None:
    body = order()
    del body[field]
    response = mesh.post(PATH, json=body)

    assert field in assert_bad_request(response, "missingField")["message"]


@pytest.mark.parametrize("institution", ["openSea", "tdAmeritrade", "bybitDirect", "bitsoDirect"])
def test_an_institution_the_endpoint_does_not_support_gets_not_supported(
    mesh: httpx.Client, institution: str
) -> None:
    response = mesh.post(PATH, json=order(type=institution))

    assert_bad_request(response, "notSupported")


@pytest.mark.parametrize(
    "side",
    [pytest.param({}, id="absent"), {"side": None}, {"side": "unknown"}],
)
def test_coinbase_needs_a_side(mesh: httpx.Client, side: dict[str, object]) -> None:
    response = mesh.post(PATH, json=order(type="coinbase", isCryptocurrency=True, **side))

    assert "side" in assert_bad_request(response, "missingField")["message"]


@pytest.mark.parametrize("side", ["buy", "sell"])
def test_coinbase_with_a_side_cancels(mesh: httpx.Client, side: str) -> None:
    response = mesh.post(PATH, json=order(type="coinbase", isCryptocurrency=True, side=side))

    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("institution", ["binanceUs", "binanceInternational", "okx", "bitFlyer"])
@pytest.mark.parametrize(
    "pair", [pytest.param({}, id="absent"), {"symbolPair": None}, {"symbolPair": ""}]
)
def test_some_exchanges_need_a_symbol_pair(
    mesh: httpx.Client, institution: str, pair: dict[str, object]
) -> None:
    response = mesh.post(PATH, json=order(type=institution, isCryptocurrency=True, **pair))

    assert "symbolPair" in assert_bad_request(response, "missingField")["message"]


def test_an_exchange_with_a_symbol_pair_cancels(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json=order(type="okx", isCryptocurrency=True, symbolPair="BTC-USDT"))

    assert response.json()["status"] == "ok"


@pytest.mark.parametrize(
    ("token", "http_status", "title"),
    [
        (triggers.MESH_BAD_REQUEST, 400, "One or more validation errors occurred."),
        (triggers.MESH_NOT_FOUND, 404, "Not Found"),
    ],
)
def test_problem_details_triggers(
    mesh: httpx.Client, token: str, http_status: int, title: str
) -> None:
    response = mesh.post(PATH, json=order(authToken=token))

    assert response.status_code == http_status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body.keys() == PROBLEM_KEYS
    assert (body["status"], body["title"], body["instance"]) == (http_status, title, PATH)
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-00", body["traceId"])


def test_the_conflict_trigger_says_the_order_was_executed(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json=order(authToken=triggers.MESH_CONFLICT))

    assert response.status_code == 400
    body = response.json()
    assert body.keys() == ENVELOPE_KEYS
    assert (body["status"], body["errorType"]) == ("conflict", "orderNotCancellable")
    assert body["displayMessage"] == "The order was already executed."


@pytest.mark.parametrize(
    ("token", "http_status", "status"),
    [
        (triggers.MESH_LOCKED, 400, "locked"),
        (triggers.MESH_LEGAL, 400, "unavailableForLegalReasons"),
        (triggers.MESH_RATE_LIMITED, 429, "tooManyRequest"),
        (triggers.MESH_SERVER_FAILURE, 500, "serverFailure"),
        (triggers.MESH_ENVELOPE_FAILURE, 200, "serverFailure"),
    ],
)
def test_envelope_triggers(mesh: httpx.Client, token: str, http_status: int, status: str) -> None:
    response = mesh.post(PATH, json=order(authToken=token))

    assert response.status_code == http_status
    body = response.json()
    assert body.keys() == ENVELOPE_KEYS
    assert body["status"] == status


def test_the_rate_limited_trigger_says_when_to_retry(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json=order(authToken=triggers.MESH_RATE_LIMITED))

    assert response.headers["retry-after"] == "30"


@pytest.mark.parametrize(
    ("token", "http_status", "body"),
    [
        (triggers.MESH_UNAUTHORIZED, 401, b""),
        (triggers.MESH_PERMISSION_DENIED, 403, b"Forbidden"),
        (triggers.MESH_UNAVAILABLE, 503, b""),
        (triggers.MESH_MALFORMED, 200, b'{"status": "ok", "content": {'),
    ],
)
def test_non_envelope_triggers(
    mesh: httpx.Client, token: str, http_status: int, body: bytes
) -> None:
    response = mesh.post(PATH, json=order(authToken=token))

    assert response.status_code == http_status
    assert response.content == body


def test_the_partial_trigger_cancels_normally(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json=order(authToken=triggers.MESH_PARTIAL))

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_triggers_are_looked_at_only_after_the_institution_requirements(
    mesh: httpx.Client,
) -> None:
    response = mesh.post(PATH, json=order(authToken=triggers.MESH_CONFLICT, type="coinbase"))

    assert_bad_request(response, "missingField")
