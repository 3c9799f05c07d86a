"""The Plaid simulator and the gateway's Plaid requests, held to Plaid's OpenAPI document.

Every answer of the simulator fits the response schema the document gives for its path and
status (an error answer: `PlaidError`); every request the gateway sends fits the path's request
schema and the document's security requirement (the client id, secret and version headers); and
the simulator refuses the bodies the document refuses. The document is the trimmed copy in
`docs/upstreams/plaid-openapi.json`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from aggregator.v1.aggregator_service_pb2 import (
    GetBalancesRequest,
    GetHoldingsRequest,
    GetHoldingsValueRequest,
    GetPortfolioRequest,
    ListInvestmentTransactionsRequest,
    RefreshConnectionRequest,
)
from aggregator.v1.connection_pb2 import Connection, PlaidItem
from service.sandbox import SandboxUpstreams
from service.sandbox.plaid import triggers
from tests.conftest import Gateway
from tests.contract.mesh_openapi import pointer, read_nullable_references_as_meant
from tests.contract.test_upstream_documents import UPSTREAMS

DOCUMENT = UPSTREAMS / "plaid-openapi.json"
DOCUMENT_URI = "urn:plaid-openapi"
PATHS = (
    "/investments/holdings/get",
    "/investments/transactions/get",
    "/investments/refresh",
    "/item/get",
    "/accounts/get",
    "/accounts/balance/get",
)
IRA = "dVzbVMLjrxTnLjX4G66XUp5GLklm4oiZy88yK"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DOCUMENT.read_text())
    return loaded


@pytest.fixture(scope="module")
def registry(document: dict[str, Any]) -> Registry[Any]:
    contents = read_nullable_references_as_meant(document)
    return Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(contents, default_specification=DRAFT4)
    )


@pytest.fixture(scope="module")
def plaid() -> Iterator[httpx.Client]:
    with SandboxUpstreams() as sandbox:
        credentials = sandbox.plaid.credentials
        headers = {
            "PLAID-CLIENT-ID": credentials["client_id"],
            "PLAID-SECRET": credentials["secret"],
            "Plaid-Version": "2020-09-14",
        }
        with httpx.Client(base_url=sandbox.plaid.url, headers=headers) as client:
            yield client


def errors(registry: Registry[Any], schema: str, instance: object) -> list[str]:
    validator = OAS30Validator({"$ref": DOCUMENT_URI + schema}, registry=registry)
    return sorted(
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(instance)
    )


def response_schema(document: dict[str, Any], path: str, status: int) -> str:
    responses = document["paths"][path]["post"]["responses"]
    key = str(status) if str(status) in responses else "default"
    return pointer("paths", path, "post", "responses", key, "content", "application/json", "schema")


def request_schema(path: str) -> str:
    return pointer("paths", path, "post", "requestBody", "content", "application/json", "schema")


def body_for(path: str, token: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"access_token": token, **extra}
    if path == "/investments/transactions/get":
        body.setdefault("start_date", "2024-01-01")
        body.setdefault("end_date", "2024-12-31")
    return body


ANSWERED_TOKENS = [
    triggers.PLAID_BROKERAGE,
    triggers.PLAID_RETIREMENT,
    "access-sandbox-any-other-item",
    "access-production-0f0e",
    triggers.PLAID_INVALID_ACCESS_TOKEN,
    triggers.PLAID_ITEM_LOGIN_REQUIRED,
    triggers.PLAID_ITEM_NOT_FOUND,
    triggers.PLAID_PRODUCT_NOT_READY,
    triggers.PLAID_INVALID_FIELD,
    triggers.PLAID_RATE_LIMIT_EXCEEDED,
    triggers.PLAID_INSTITUTION_DOWN,
    triggers.PLAID_INTERNAL_SERVER_ERROR,
    triggers.PLAID_REFRESH_STALLS,
]


@pytest.mark.parametrize("token", ANSWERED_TOKENS)
@pytest.mark.parametrize("path", PATHS)
def test_every_answer_fits_the_documented_schema(
    path: str, token: str, document: dict[str, Any], registry: Registry[Any], plaid: httpx.Client
) -> None:
    response = plaid.post(path, json=body_for(path, token))

    answer = json.loads(response.content)
    assert errors(registry, response_schema(document, path, response.status_code), answer) == []
    assert answer["request_id"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/investments/holdings/get", {"options": {"account_ids": [IRA]}}),
        ("/investments/transactions/get", {"options": {"count": 2, "offset": 5}}),
        ("/investments/transactions/get", {"options": {"account_ids": [IRA], "count": 500}}),
        ("/accounts/balance/get", {"options": {"account_ids": [IRA]}}),
    ],
)
def test_answers_with_options_fit_the_documented_schema(
    path: str,
    body: dict[str, Any],
    document: dict[str, Any],
    registry: Registry[Any],
    plaid: httpx.Client,
) -> None:
    response = plaid.post(path, json=body_for(path, triggers.PLAID_BROKERAGE, **body))

    assert response.status_code == 200
    assert errors(registry, response_schema(document, path, 200), response.json()) == []


def test_a_refreshed_item_status_fits_the_documented_schema(
    document: dict[str, Any], registry: Registry[Any], plaid: httpx.Client
) -> None:
    token = triggers.PLAID_REFRESH_FAILS
    plaid.post("/investments/refresh", json={"access_token": token})
    answers = [plaid.post("/item/get", json={"access_token": token}).json() for _ in range(3)]

    for answer in answers:
        assert errors(registry, response_schema(document, "/item/get", 200), answer) == []
    assert answers[-1]["status"]["investments"]["last_failed_update"]


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"PLAID-SECRET": "wrong"}, "INVALID_API_KEYS"),
        ({"PLAID-CLIENT-ID": "wrong"}, "INVALID_API_KEYS"),
        ({"Plaid-Version": "2018-05-22"}, "INCOMPATIBLE_API_VERSION"),
    ],
)
def test_refused_credentials_are_documented_errors(
    headers: dict[str, str],
    code: str,
    document: dict[str, Any],
    registry: Registry[Any],
    plaid: httpx.Client,
) -> None:
    path = "/investments/holdings/get"
    response = plaid.post(path, json=body_for(path, triggers.PLAID_BROKERAGE), headers=headers)

    assert response.status_code == 400
    assert response.json()["error_code"] == code
    assert errors(registry, response_schema(document, path, 400), response.json()) == []


def test_credentials_may_come_in_the_body_as_the_document_allows(plaid: httpx.Client) -> None:
    headers = dict(plaid.headers)
    body = {
        "client_id": headers.pop("plaid-client-id"),
        "secret": headers.pop("plaid-secret"),
        "access_token": triggers.PLAID_BROKERAGE,
    }

    response = httpx.post(f"{plaid.base_url}/item/get", json=body, headers=headers)

    assert response.status_code == 200


REQUESTS = [
    ("/investments/holdings/get", {"access_token": "access-sandbox-x"}),
    ("/investments/holdings/get", {"access_token": "access-sandbox-x", "options": {}}),
    ("/investments/holdings/get", {"access_token": 5}),
    ("/investments/holdings/get", {}),
    ("/investments/holdings/get", {"access_token": "access-sandbox-x", "options": []}),
    ("/investments/holdings/get", {"access_token": "t", "options": {"account_ids": "a"}}),
    ("/investments/holdings/get", {"access_token": "t", "options": {"account_ids": [1]}}),
    ("/investments/transactions/get", body_for("/investments/transactions/get", "t")),
    ("/investments/transactions/get", {"access_token": "t", "start_date": "2024-01-01"}),
    ("/investments/transactions/get", {"access_token": "t", "end_date": "2024-01-01"}),
    (
        "/investments/transactions/get",
        body_for("/investments/transactions/get", "t", options={"count": 0}),
    ),
    (
        "/investments/transactions/get",
        body_for("/investments/transactions/get", "t", options={"count": 501}),
    ),
    (
        "/investments/transactions/get",
        body_for("/investments/transactions/get", "t", options={"count": 500, "offset": 0}),
    ),
    (
        "/investments/transactions/get",
        body_for("/investments/transactions/get", "t", options={"offset": -1}),
    ),
    (
        "/investments/transactions/get",
        body_for("/investments/transactions/get", "t", options={"count": "5"}),
    ),
    ("/investments/transactions/get", body_for("/investments/transactions/get", "t", end_date=5)),
    ("/investments/refresh", {"access_token": "t"}),
    ("/investments/refresh", {"access_token": None}),
    ("/item/get", {"access_token": "t", "secret": 5}),
    ("/accounts/get", {"access_token": "t", "options": {"account_ids": []}}),
    ("/accounts/balance/get", {"access_token": "t", "options": {"account_ids": ["a"]}}),
    ("/accounts/balance/get", {"options": {"account_ids": ["a"]}}),
]


@pytest.mark.parametrize(("path", "body"), REQUESTS, ids=lambda value: json.dumps(value))
def test_the_sandbox_refuses_exactly_the_bodies_the_document_refuses(
    path: str, body: dict[str, Any], registry: Registry[Any], plaid: httpx.Client
) -> None:
    documented_valid = not errors(registry, request_schema(path), body)

    answer = plaid.post(path, json=body).json()
    refused = answer.get("error_type") == "INVALID_REQUEST"

    assert refused is not documented_valid


def test_unknown_fields_are_refused_as_plaid_does_though_the_document_allows_them(
    registry: Registry[Any], plaid: httpx.Client
) -> None:
    body = {"access_token": triggers.PLAID_BROKERAGE, "include_everything": True}
    assert errors(registry, request_schema("/item/get"), body) == []

    answer = plaid.post("/item/get", json=body).json()

    assert (answer["error_type"], answer["error_code"]) == ("INVALID_REQUEST", "UNKNOWN_FIELDS")


def item(access_token: str) -> Connection:
    return Connection(plaid=PlaidItem(access_token=access_token))


async def test_every_request_the_gateway_sends_fits_the_documented_request(
    gateway: Gateway, document: dict[str, Any], registry: Registry[Any]
) -> None:
    ok, other = item(triggers.PLAID_BROKERAGE), item(triggers.PLAID_RETIREMENT)
    stub = gateway.stub
    await stub.GetHoldings(GetHoldingsRequest(connection=ok), timeout=10)
    await stub.GetHoldings(GetHoldingsRequest(connection=ok, account_ids=[IRA]), timeout=10)
    await stub.GetHoldingsValue(GetHoldingsValueRequest(connection=other), timeout=10)
    await stub.GetPortfolio(GetPortfolioRequest(connections=[ok, other]), timeout=10)
    for real_time in (False, True):
        await stub.GetBalances(
            GetBalancesRequest(connection=ok, real_time=real_time, account_ids=[IRA]), timeout=10
        )
    page = await stub.ListInvestmentTransactions(
        ListInvestmentTransactionsRequest(
            connection=ok, start_date="2024-01-01", end_date="2024-12-31", page_size=2
        ),
        timeout=10,
    )
    await stub.ListInvestmentTransactions(
        ListInvestmentTransactionsRequest(
            connection=ok,
            start_date="2024-01-01",
            end_date="2024-12-31",
            page_size=2,
            page_token=page.next_page_token,
        ),
        timeout=10,
    )
    await stub.ListInvestmentTransactions(
        ListInvestmentTransactionsRequest(
            connection=other, start_date="2024-06-01", end_date="2024-06-01", account_ids=[IRA]
        ),
        timeout=10,
    )
    await stub.RefreshConnection(RefreshConnectionRequest(connection=ok), timeout=10)
    await stub.RefreshConnection(RefreshConnectionRequest(connection=other, wait=True), timeout=10)

    sent = gateway.sandbox.plaid.requests
    assert {request.path for request in sent} == set(PATHS)
    security = document["components"]["securitySchemes"]
    required_headers = {security[name]["name"].lower() for name in document["security"][0]}
    for request in sent:
        assert request.method == "POST"
        assert required_headers <= request.headers.keys(), request.path
        body = json.loads(request.body)
        assert errors(registry, request_schema(request.path), body) == [], body
