"""POST /api/v1/holdings/value on the Mesh sandbox, over real HTTP."""

import json
import re
from decimal import Decimal
from typing import Any

import httpx
import pytest

from service.sandbox import SandboxUpstreams
from service.sandbox.mesh import triggers

PATH = "/api/v1/holdings/value"
ENVELOPE_KEYS = {"status", "message", "displayMessage", "errorType", "errorHash", "errorData"}
DOCUMENTED_EXAMPLE = {
    "totalValue": Decimal("186.03"),
    "totalPerformance": Decimal("6.23"),
    "equitiesValue": Decimal("100.12"),
    "equitiesPerformance": Decimal("5.3457"),
    "cryptocurrenciesValue": Decimal("50.37"),
    "cryptocurrenciesPerformance": Decimal("7.23"),
    "nftsValue": Decimal("15.34"),
    "fiatValue": Decimal("20.2"),
}


def exact(response: httpx.Response) -> Any:
    return json.loads(response.content, parse_float=Decimal)


def assert_bad_request(response: httpx.Response, error_type: str) -> dict[str, Any]:
    assert response.status_code == 400
    body: dict[str, Any] = response.json()
    assert body.keys() == ENVELOPE_KEYS
    assert body["status"] == "badRequest"
    assert body["errorType"] == error_type
    assert re.fullmatch(r"[0-9a-f]{40}", body["errorHash"])
    return body


def test_robinhood_gets_the_documented_example(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json={"authToken": "user-token", "type": "robinhood"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = exact(response)
    assert body.keys() == {*ENVELOPE_KEYS, "content"}
    assert body["status"] == "ok"
    assert body["errorType"] == ""
    assert body["content"] == DOCUMENTED_EXAMPLE


def test_amounts_are_written_exactly(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json={"authToken": "user-token", "type": "robinhood"})

    assert b'"totalValue":186.03' in response.content
    assert b'"equitiesPerformance":5.3457' in response.content
    assert b'"fiatValue":20.2' in response.content


def test_an_institution_without_data_of_its_own_gets_the_documented_example(
    mesh: httpx.Client,
) -> None:
    response = mesh.post(PATH, json={"authToken": "user-token", "type": "kraken"})

    assert exact(response)["content"] == DOCUMENTED_EXAMPLE


def test_coinbase_holds_crypto_only(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json={"authToken": "user-token", "type": "coinbase"})

    content = exact(response)["content"]
    assert content["equitiesValue"] == 0
    assert "equitiesPerformance" not in content
    assert content["totalValue"] == content["cryptocurrenciesValue"] + content["fiatValue"]
    assert b'"cryptocurrenciesPerformance":18.55103917' in response.content


def test_interactive_brokers_holds_equities_and_cash_at_a_loss(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json={"authToken": "user-token", "type": "interactiveBrokers"})

    content = exact(response)["content"]
    assert content["totalValue"] == content["equitiesValue"] + content["fiatValue"]
    assert content["totalPerformance"] < 0
    assert content["cryptocurrenciesValue"] == 0


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="none"),
        pytest.param({"X-Client-Id": "{id}"}, id="id-only"),
        pytest.param({"X-Client-Id": "{id}", "X-Client-Secret": "wrong"}, id="wrong-secret"),
        pytest.param({"X-Client-Id": "wrong", "X-Client-Secret": "{secret}"}, id="wrong-id"),
    ],
)
def test_wrong_client_credentials_get_401_with_an_empty_body(
    sandbox: SandboxUpstreams, headers: dict[str, str]
) -> None:
    filled = {
        name: value.format(id=sandbox.mesh.client_id, secret=sandbox.mesh.client_secret)
        for name, value in headers.items()
    }
    response = httpx.post(
        sandbox.mesh.url + PATH, json={"authToken": "t", "type": "robinhood"}, headers=filled
    )

    assert response.status_code == 401
    assert response.content == b""


@pytest.mark.parametrize(
    ("body", "error_type", "field"),
    [
        pytest.param(
            {"authToken": "t", "type": "robinhood", "accountId": "a"},
            "invalidField",
            "accountId",
            id="extra-property",
        ),
        pytest.param({"type": "robinhood"}, "missingField", "authToken", id="missing-token"),
        pytest.param({"authToken": "t"}, "missingField", "type", id="missing-type"),
        pytest.param(
            {"authToken": "", "type": "robinhood"}, "invalidField", "authToken", id="empty"
        ),
        pytest.param(
            {"authToken": "t", "type": "Robinhood"}, "invalidField", "type", id="bad-enum"
        ),
        pytest.param(
            {"authToken": 7, "type": "robinhood"}, "invalidField", "authToken", id="number"
        ),
        pytest.param(
            {"authToken": None, "type": "robinhood"}, "invalidField", "authToken", id="null"
        ),
        pytest.param(["robinhood"], "invalidField", "", id="array"),
    ],
)
def test_a_body_outside_the_schema_gets_400_bad_request(
    mesh: httpx.Client, body: object, error_type: str, field: str
) -> None:
    response = mesh.post(PATH, json=body)

    assert field in assert_bad_request(response, error_type)["message"]


def test_a_body_that_is_not_json_gets_400_bad_request(mesh: httpx.Client) -> None:
    response = mesh.post(
        PATH, content=b'{"authToken": ', headers={"content-type": "application/json"}
    )

    assert_bad_request(response, "invalidField")


@pytest.mark.parametrize(
    "institution", ["tdAmeritrade", "binanceConnect", "sandbox", "cryptoComPay"]
)
def test_an_institution_the_endpoint_does_not_support_gets_not_supported(
    mesh: httpx.Client, institution: str
) -> None:
    response = mesh.post(PATH, json={"authToken": "t", "type": institution})

    assert institution in assert_bad_request(response, "notSupported")["message"]


def test_the_error_hash_is_deterministic(mesh: httpx.Client) -> None:
    first = mesh.post(PATH, json={"type": "robinhood"}).json()
    second = mesh.post(PATH, json={"type": "robinhood"}).json()

    assert first["errorHash"] == second["errorHash"]


@pytest.mark.parametrize(
    ("token", "http_status", "status", "error_type"),
    [
        (triggers.MESH_BAD_REQUEST, 400, "badRequest", "invalidField"),
        (triggers.MESH_NOT_FOUND, 400, "notFound", "accountNotFound"),
        (triggers.MESH_CONFLICT, 400, "conflict", "requestConflict"),
        (triggers.MESH_LOCKED, 400, "locked", "accountLocked"),
        (triggers.MESH_LEGAL, 400, "unavailableForLegalReasons", "unavailableForLegalReasons"),
        (triggers.MESH_RATE_LIMITED, 429, "tooManyRequest", "tooManyRequests"),
        (triggers.MESH_SERVER_FAILURE, 500, "serverFailure", "brokerError"),
    ],
)
def test_envelope_triggers(
    mesh: httpx.Client, token: str, http_status: int, status: str, error_type: str
) -> None:
    response = mesh.post(PATH, json={"authToken": token, "type": "robinhood"})

    assert response.status_code == http_status
    body = response.json()
    assert body.keys() == ENVELOPE_KEYS
    assert (body["status"], body["errorType"]) == (status, error_type)


def test_the_bad_request_trigger_has_a_display_message(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json={"authToken": triggers.MESH_BAD_REQUEST, "type": "robinhood"})

    assert response.json()["displayMessage"]


def test_the_rate_limited_trigger_says_when_to_retry(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json={"authToken": triggers.MESH_RATE_LIMITED, "type": "robinhood"})

    assert response.headers["retry-after"] == "30"


@pytest.mark.parametrize(
    ("token", "http_status"),
    [(triggers.MESH_UNAUTHORIZED, 401), (triggers.MESH_UNAVAILABLE, 503)],
)
def test_empty_body_triggers(mesh: httpx.Client, token: str, http_status: int) -> None:
    response = mesh.post(PATH, json={"authToken": token, "type": "robinhood"})

    assert response.status_code == http_status
    assert response.content == b""


def test_the_permission_denied_trigger_answers_403_in_plain_text(mesh: httpx.Client) -> None:
    response = mesh.post(
        PATH, json={"authToken": triggers.MESH_PERMISSION_DENIED, "type": "robinhood"}
    )

    assert response.status_code == 403
    assert response.headers["content-type"] == "text/plain"
    assert response.content == b"Forbidden"


def test_the_envelope_failure_trigger_answers_200_with_a_failed_envelope(
    mesh: httpx.Client,
) -> None:
    response = mesh.post(
        PATH, json={"authToken": triggers.MESH_ENVELOPE_FAILURE, "type": "robinhood"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "serverFailure"
    assert body["content"] is None


def test_the_malformed_trigger_answers_truncated_json(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json={"authToken": triggers.MESH_MALFORMED, "type": "robinhood"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == b'{"status": "ok", "content": {'
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_the_partial_trigger_leaves_out_most_numbers(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json={"authToken": triggers.MESH_PARTIAL, "type": "robinhood"})

    assert response.status_code == 200
    assert exact(response)["content"] == {
        "totalValue": Decimal("186.03"),
        "fiatValue": Decimal("20.2"),
    }


def test_triggers_are_looked_at_only_after_the_schema(mesh: httpx.Client) -> None:
    response = mesh.post(PATH, json={"authToken": triggers.MESH_UNAUTHORIZED, "type": "nope"})

    assert_bad_request(response, "invalidField")


def test_triggers_are_looked_at_only_after_the_institution_is_supported(
    mesh: httpx.Client,
) -> None:
    response = mesh.post(PATH, json={"authToken": triggers.MESH_UNAVAILABLE, "type": "sandbox"})

    assert_bad_request(response, "notSupported")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", PATH), ("POST", "/api/v1/holdings"), ("POST", PATH + "/"), ("POST", "/")],
)
def test_anything_but_the_endpoints_is_not_found(
    mesh: httpx.Client, method: str, path: str
) -> None:
    response = mesh.request(method, path, json={"authToken": "t", "type": "robinhood"})

    assert response.status_code == 404
