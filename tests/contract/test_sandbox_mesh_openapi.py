"""Every Mesh sandbox answer fits the schema that the Mesh OpenAPI document gives for it.

The sandbox is written from the documents, so this is where it is held to them: each answer is
validated against the response schema for its path and HTTP status. Where the document gives no
schema for an answer the upstream is known to send (see the cases marked `ENVELOPE`), the answer
is held to the envelope schema instead, and a test pins that the document still says nothing
better.
"""

import enum
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from referencing import Registry

from aggregator.v1.aggregator_service_pb2 import GetBalancesRequest
from aggregator.v1.institution_pb2 import Institution
from service.sandbox import SandboxUpstreams
from service.sandbox._json import dumps
from service.sandbox.mesh import triggers
from service.sandbox.mesh.holdings import holdings as sandbox_holdings
from service.sandbox.mesh.institutions import (
    BALANCE_SUPPORTED,
    HOLDINGS_GET_SUPPORTED,
    INSTITUTIONS,
    ORDERS_SUPPORTED,
)
from tests.conftest import Gateway
from tests.contract import mesh_openapi
from tests.contract.mesh_openapi import pointer
from tests.e2e import requests

HOLDINGS = "/api/v1/holdings/value"
HOLDINGS_GET = "/api/v1/holdings/get"
CANCEL = "/api/v1/transactions/cancel"
BALANCE = "/api/v1/balance/get"
DETAILS = "/api/v1/transactions/details"
LIST = "/api/v1/transactions/list"
BARE_ORDER_SCHEMA = "#/components/schemas/B2BBrokerOrder"
ENVELOPE_SCHEMA = "#/components/schemas/ApiResult"
PROBLEM_DETAILS_SCHEMA = "#/components/schemas/ProblemDetails"


class Expect(enum.Enum):
    DOCUMENTED = "the document's schema for this path and status"
    ENVELOPE = "ApiResult: the document gives none, or problem details, for this envelope"
    BARE_ORDER = "B2BBrokerOrder: the details example is the bare order, not the envelope"


@dataclass(frozen=True)
class Case:
    id: str
    path: str
    body: dict[str, Any]
    status: int
    expect: Expect = Expect.DOCUMENTED


def holdings(token: str = "user-token", **changes: Any) -> dict[str, Any]:
    return {"authToken": token, "type": "robinhood", **changes}


def holdings_get(token: str = "user-token", **changes: Any) -> dict[str, Any]:
    return {"authToken": token, "type": "robinhood", **changes}


def balance(token: str = "user-token", **changes: Any) -> dict[str, Any]:
    return {"authToken": token, "type": "robinhood", **changes}


def order_list(token: str = "user-token", **changes: Any) -> dict[str, Any]:
    return {"authToken": token, "type": "robinhood", **changes}


HISTORY_IDS = {
    "success": "9B5827E4-7D08-4A71-B4C0-B1B4E5562592",
    "in-progress": "3C6A91D2-5B7E-4F08-9A1C-2D4E6F8A0B1C",
    "cancelled": "8D2F4B6A-1C3E-4A5B-8C7D-9E0F1A2B3C4D",
    "partially-filled": "2A4C6E8F-0B1D-4E3F-9A5B-7C9D1E3F5A7B",
    "rejected": "5E7A9C1B-3D5F-4B7A-8E9C-0A2B4C6D8E0F",
    "expired": "7B9D1F3A-5C7E-4D9F-8B1A-3C5E7A9B1D3F",
    "failed": "0C2E4A6B-8D0F-4C2A-9E4B-6D8F0A2C4E6A",
    "option": "17EC1243-D91A-48B6-B0CE-ECFDB134F8A0",
}


def cancel(token: str = "user-token", **changes: Any) -> dict[str, Any]:
    return {
        "authToken": token,
        "type": "robinhood",
        "id": "ord-1",
        "isCryptocurrency": False,
        **changes,
    }


CASES = [
    Case("holdings-ok", HOLDINGS, holdings(), 200),
    Case("holdings-ok-coinbase", HOLDINGS, holdings(type="coinbase"), 200),
    Case("holdings-ok-interactive-brokers", HOLDINGS, holdings(type="interactiveBrokers"), 200),
    Case("holdings-partial", HOLDINGS, holdings(triggers.MESH_PARTIAL), 200),
    Case("holdings-envelope-failure", HOLDINGS, holdings(triggers.MESH_ENVELOPE_FAILURE), 200),
    Case("holdings-extra-property", HOLDINGS, holdings(extra=1), 400),
    Case("holdings-missing-field", HOLDINGS, {"type": "robinhood"}, 400),
    Case("holdings-not-supported", HOLDINGS, holdings(type="tdAmeritrade"), 400),
    Case("holdings-bad-request", HOLDINGS, holdings(triggers.MESH_BAD_REQUEST), 400),
    Case("holdings-not-found", HOLDINGS, holdings(triggers.MESH_NOT_FOUND), 400),
    Case("holdings-conflict", HOLDINGS, holdings(triggers.MESH_CONFLICT), 400),
    Case("holdings-locked", HOLDINGS, holdings(triggers.MESH_LOCKED), 400),
    Case("holdings-legal", HOLDINGS, holdings(triggers.MESH_LEGAL), 400),
    Case(
        "holdings-rate-limited",
        HOLDINGS,
        holdings(triggers.MESH_RATE_LIMITED),
        429,
        Expect.ENVELOPE,
    ),
    Case(
        "holdings-server-failure",
        HOLDINGS,
        holdings(triggers.MESH_SERVER_FAILURE),
        500,
        Expect.ENVELOPE,
    ),
    *[
        Case(f"get-ok-{institution}", HOLDINGS_GET, holdings_get(type=institution), 200)
        for institution in ("robinhood", "coinbase", "deFiWallet", "openSea", "kraken")
    ],
    Case("get-ok-include", HOLDINGS_GET, holdings_get(includeMarketValue=True), 200),
    *[
        Case(
            f"get-{status}-{institution}", HOLDINGS_GET, holdings_get(token, type=institution), 200
        )
        for status, token in (
            ("failed", triggers.MESH_HOLDINGS_FAILED),
            ("not-authorized", triggers.MESH_HOLDINGS_NOT_AUTHORIZED),
        )
        for institution in ("robinhood", "openSea")
    ],
    Case("get-partial", HOLDINGS_GET, holdings_get(triggers.MESH_PARTIAL), 200),
    Case("get-envelope-failure", HOLDINGS_GET, holdings_get(triggers.MESH_ENVELOPE_FAILURE), 200),
    Case("get-extra-property", HOLDINGS_GET, holdings_get(extra=1), 400),
    Case("get-include-not-boolean", HOLDINGS_GET, holdings_get(includeMarketValue="yes"), 400),
    Case("get-missing-field", HOLDINGS_GET, {"type": "robinhood"}, 400),
    Case("get-not-supported", HOLDINGS_GET, holdings_get(type="interactiveBrokers"), 400),
    Case("get-bad-request", HOLDINGS_GET, holdings_get(triggers.MESH_BAD_REQUEST), 400),
    Case("get-not-found", HOLDINGS_GET, holdings_get(triggers.MESH_NOT_FOUND), 400),
    Case("get-conflict", HOLDINGS_GET, holdings_get(triggers.MESH_CONFLICT), 400),
    Case("get-locked", HOLDINGS_GET, holdings_get(triggers.MESH_LOCKED), 400),
    Case("get-legal", HOLDINGS_GET, holdings_get(triggers.MESH_LEGAL), 400),
    Case(
        "get-rate-limited",
        HOLDINGS_GET,
        holdings_get(triggers.MESH_RATE_LIMITED),
        429,
        Expect.ENVELOPE,
    ),
    Case(
        "get-server-failure",
        HOLDINGS_GET,
        holdings_get(triggers.MESH_SERVER_FAILURE),
        500,
        Expect.ENVELOPE,
    ),
    *[
        Case(f"balance-ok-{institution}", BALANCE, balance(type=institution), 200)
        for institution in ("robinhood", "coinbase", "bybitDirectMobile")
    ],
    Case("balance-partial", BALANCE, balance(triggers.MESH_PARTIAL), 200),
    Case("balance-envelope-failure", BALANCE, balance(triggers.MESH_ENVELOPE_FAILURE), 200),
    Case("balance-extra-property", BALANCE, balance(extra=1), 400),
    Case("balance-missing-field", BALANCE, {"type": "robinhood"}, 400),
    Case("balance-not-supported", BALANCE, balance(type="eTrade"), 400),
    Case("balance-bad-request", BALANCE, balance(triggers.MESH_BAD_REQUEST), 400),
    Case("balance-not-found", BALANCE, balance(triggers.MESH_NOT_FOUND), 400),
    Case("balance-conflict", BALANCE, balance(triggers.MESH_CONFLICT), 400),
    Case("balance-locked", BALANCE, balance(triggers.MESH_LOCKED), 400),
    Case("balance-legal", BALANCE, balance(triggers.MESH_LEGAL), 400),
    Case(
        "balance-rate-limited", BALANCE, balance(triggers.MESH_RATE_LIMITED), 429, Expect.ENVELOPE
    ),
    Case(
        "balance-server-failure",
        BALANCE,
        balance(triggers.MESH_SERVER_FAILURE),
        500,
        Expect.ENVELOPE,
    ),
    Case("cancel-ok", CANCEL, cancel(), 200),
    Case("cancel-envelope-failure", CANCEL, cancel(triggers.MESH_ENVELOPE_FAILURE), 200),
    Case("cancel-bad-request", CANCEL, cancel(triggers.MESH_BAD_REQUEST), 400),
    Case("cancel-not-found", CANCEL, cancel(triggers.MESH_NOT_FOUND), 404),
    Case("cancel-conflict", CANCEL, cancel(triggers.MESH_CONFLICT), 400, Expect.ENVELOPE),
    Case("cancel-locked", CANCEL, cancel(triggers.MESH_LOCKED), 400, Expect.ENVELOPE),
    Case("cancel-legal", CANCEL, cancel(triggers.MESH_LEGAL), 400, Expect.ENVELOPE),
    Case("cancel-extra-property", CANCEL, cancel(extra=1), 400, Expect.ENVELOPE),
    Case("cancel-missing-side", CANCEL, cancel(type="coinbase"), 400, Expect.ENVELOPE),
    Case("cancel-not-supported", CANCEL, cancel(type="openSea"), 400, Expect.ENVELOPE),
    Case("cancel-rate-limited", CANCEL, cancel(triggers.MESH_RATE_LIMITED), 429, Expect.ENVELOPE),
    Case(
        "cancel-server-failure", CANCEL, cancel(triggers.MESH_SERVER_FAILURE), 500, Expect.ENVELOPE
    ),
    *[
        Case(f"details-{name}", DETAILS, cancel(id=order_id), 200)
        for name, order_id in HISTORY_IDS.items()
    ],
    Case("details-pending", DETAILS, cancel(id="any-order"), 200),
    Case("details-crypto", DETAILS, cancel(id="any-order", isCryptocurrency=True), 200),
    Case("details-coinbase", DETAILS, cancel(type="coinbase", side="sell"), 200),
    Case("details-order-in-progress", DETAILS, cancel(triggers.MESH_ORDER_IN_PROGRESS), 200),
    Case("details-bare", DETAILS, cancel(triggers.MESH_BARE_ORDER), 200, Expect.BARE_ORDER),
    Case(
        "details-bare-example",
        DETAILS,
        cancel(triggers.MESH_BARE_ORDER, id=HISTORY_IDS["option"]),
        200,
        Expect.BARE_ORDER,
    ),
    Case("details-bad-request", DETAILS, cancel(triggers.MESH_BAD_REQUEST), 400),
    Case("details-not-found", DETAILS, cancel(triggers.MESH_NOT_FOUND), 404),
    Case("details-envelope-failure", DETAILS, cancel(triggers.MESH_ENVELOPE_FAILURE), 200),
    Case("details-conflict", DETAILS, cancel(triggers.MESH_CONFLICT), 400, Expect.ENVELOPE),
    Case("details-missing-side", DETAILS, cancel(type="coinbase"), 400, Expect.ENVELOPE),
    Case("details-not-supported", DETAILS, cancel(type="eTrade"), 400, Expect.ENVELOPE),
    Case("details-extra-property", DETAILS, cancel(extra=1), 400, Expect.ENVELOPE),
    Case("details-rate-limited", DETAILS, cancel(triggers.MESH_RATE_LIMITED), 429, Expect.ENVELOPE),
    Case(
        "details-server-failure",
        DETAILS,
        cancel(triggers.MESH_SERVER_FAILURE),
        500,
        Expect.ENVELOPE,
    ),
    Case("list-ok", LIST, order_list(), 200),
    Case("list-page", LIST, order_list(count=3), 200),
    Case(
        "list-filtered",
        LIST,
        order_list(statuses=["success", "failed"], **{"from": 1651000000}),
        200,
    ),
    Case("list-nothing", LIST, order_list(statuses=["unknown"]), 200),
    Case("list-envelope-failure", LIST, order_list(triggers.MESH_ENVELOPE_FAILURE), 200),
    Case("list-bad-cursor", LIST, order_list(cursor="not-a-cursor"), 400, Expect.ENVELOPE),
    Case("list-bad-request", LIST, order_list(triggers.MESH_BAD_REQUEST), 400, Expect.ENVELOPE),
    Case("list-not-found", LIST, order_list(triggers.MESH_NOT_FOUND), 400, Expect.ENVELOPE),
    Case("list-not-supported", LIST, order_list(type="eTrade"), 400, Expect.ENVELOPE),
    Case("list-extra-property", LIST, order_list(extra=1), 400, Expect.ENVELOPE),
    Case("list-rate-limited", LIST, order_list(triggers.MESH_RATE_LIMITED), 429, Expect.ENVELOPE),
]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return mesh_openapi.document()


@pytest.fixture(scope="module")
def registry() -> Registry[Any]:
    return mesh_openapi.registry()


@pytest.fixture(scope="module")
def mesh() -> Iterator[httpx.Client]:
    with (
        SandboxUpstreams() as sandbox,
        httpx.Client(
            base_url=sandbox.mesh.url,
            headers={
                "X-Client-Id": sandbox.mesh.client_id,
                "X-Client-Secret": sandbox.mesh.client_secret,
            },
        ) as client,
    ):
        yield client


def documented_response_schema(document: dict[str, Any], path: str, status: int) -> str | None:
    """The JSON pointer of the response schema for `path` and `status`, if there is a real one."""
    response = document["paths"][path]["post"]["responses"].get(str(status))
    if response is None or not response["content"]["application/json"]["schema"]:
        return None
    return pointer(
        "paths", path, "post", "responses", str(status), "content", "application/json", "schema"
    )


def validation_errors(registry: Registry[Any], schema: str, instance: object) -> list[str]:
    return mesh_openapi.validation_errors(schema, instance)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_the_answer_fits_the_schema(
    case: Case, document: dict[str, Any], registry: Registry[Any], mesh: httpx.Client
) -> None:
    response = mesh.post(case.path, json=case.body)

    assert response.status_code == case.status
    if case.expect is Expect.DOCUMENTED:
        schema = documented_response_schema(document, case.path, case.status)
        assert schema is not None, f"the document gives no schema for {case.path} {case.status}"
    elif case.expect is Expect.BARE_ORDER:
        schema = BARE_ORDER_SCHEMA
    else:
        schema = ENVELOPE_SCHEMA
    assert validation_errors(registry, schema, json.loads(response.content)) == []


@pytest.mark.parametrize(
    "case", [case for case in CASES if case.expect is Expect.ENVELOPE], ids=lambda case: case.id
)
def test_the_document_still_has_nothing_better_for_the_envelope_cases(
    case: Case, document: dict[str, Any]
) -> None:
    response = document["paths"][case.path]["post"]["responses"].get(str(case.status))

    if response is not None:
        assert response["content"]["application/json"]["schema"] == {"$ref": PROBLEM_DETAILS_SCHEMA}


def test_the_answer_is_the_documented_example(document: dict[str, Any], mesh: httpx.Client) -> None:
    example = document["paths"][HOLDINGS]["post"]["responses"]["200"]["content"][
        "application/json"
    ]["example"]

    response = mesh.post(HOLDINGS, json=holdings())

    assert json.loads(response.content, parse_float=Decimal)["content"] == json.loads(
        json.dumps(example["content"]), parse_float=Decimal
    )


REQUESTS = [
    (HOLDINGS, holdings()),
    (HOLDINGS, holdings(type="binanceInternationalDirect")),
    (HOLDINGS, holdings(extra=1)),
    (HOLDINGS, {"type": "robinhood"}),
    (HOLDINGS, {"authToken": "t"}),
    (HOLDINGS, holdings("")),
    (HOLDINGS, holdings(type="Robinhood")),
    (HOLDINGS, holdings(type=None)),
    (HOLDINGS, {"authToken": 1, "type": "robinhood"}),
    (HOLDINGS_GET, holdings_get()),
    (HOLDINGS_GET, holdings_get(includeMarketValue=True)),
    (HOLDINGS_GET, holdings_get(includeMarketValue=False)),
    (HOLDINGS_GET, holdings_get(type="bybitDirectMobile")),
    (HOLDINGS_GET, holdings_get(type="eTrade")),
    (HOLDINGS_GET, holdings_get(includeMarketValue="true")),
    (HOLDINGS_GET, holdings_get(includeMarketValue=None)),
    (HOLDINGS_GET, holdings_get(includeMarketValue=0)),
    (HOLDINGS_GET, holdings_get(extra=1)),
    (HOLDINGS_GET, holdings_get(accountId="5FUVPB0")),
    (HOLDINGS_GET, {"type": "robinhood"}),
    (HOLDINGS_GET, {"authToken": "t"}),
    (HOLDINGS_GET, holdings_get("")),
    (HOLDINGS_GET, holdings_get(type="Robinhood")),
    (HOLDINGS_GET, holdings_get(type=None)),
    (HOLDINGS_GET, {"authToken": 1, "type": "robinhood"}),
    (BALANCE, balance()),
    (BALANCE, balance(type="binanceTrDirect")),
    (BALANCE, balance(extra=1)),
    (BALANCE, balance(includeMarketValue=True)),
    (BALANCE, {"type": "robinhood"}),
    (BALANCE, {"authToken": "t"}),
    (BALANCE, balance("")),
    (BALANCE, balance(type="Robinhood")),
    (BALANCE, balance(type=None)),
    (BALANCE, {"authToken": 1, "type": "robinhood"}),
    (CANCEL, cancel()),
    (CANCEL, cancel(side=None, symbolPair=None, mfaCode=None)),
    (CANCEL, cancel(side="buy", symbolPair="BTC/USD", mfaCode="123456")),
    (CANCEL, cancel(side="hold")),
    (CANCEL, cancel(id="")),
    (CANCEL, cancel(isCryptocurrency="false")),
    (CANCEL, cancel(symbolPair=5)),
    (CANCEL, cancel(extra=1)),
    (CANCEL, {"authToken": "t", "type": "robinhood", "id": "ord-1"}),
    (DETAILS, cancel()),
    (DETAILS, cancel(side="sell", symbolPair="BTC/USD", mfaCode="123456")),
    (DETAILS, cancel(side=None, symbolPair=None, mfaCode=None)),
    (DETAILS, cancel(side="hold")),
    (DETAILS, cancel(id="")),
    (DETAILS, cancel(isCryptocurrency=1)),
    (DETAILS, cancel(extra=1)),
    (DETAILS, {"authToken": "t", "type": "robinhood", "isCryptocurrency": False}),
    (LIST, order_list()),
    (LIST, order_list(count=20, statuses=["success"])),
    (LIST, order_list(cursor=None, statuses=None, **{"from": None})),
    (LIST, order_list(**{"from": 1651000000})),
    (LIST, order_list(count=None)),
    (LIST, order_list(count="20")),
    (LIST, order_list(count=True)),
    (LIST, order_list(statuses=["done"])),
    (LIST, order_list(statuses="success")),
    (LIST, order_list(**{"from": "1651000000"})),
    (LIST, order_list(cursor=5)),
    (LIST, order_list(extra=1)),
    (LIST, {"type": "robinhood"}),
    (LIST, order_list("")),
]


@pytest.mark.parametrize(("path", "body"), REQUESTS, ids=lambda value: json.dumps(value))
def test_the_sandbox_refuses_exactly_the_bodies_the_document_refuses(
    path: str,
    body: dict[str, Any],
    document: dict[str, Any],
    registry: Registry[Any],
    mesh: httpx.Client,
) -> None:
    schema = pointer("paths", path, "post", "requestBody", "content", "application/json", "schema")
    documented_valid = not validation_errors(registry, schema, body)

    answer = mesh.post(path, json=body).json()
    refused = answer["status"] == "badRequest" and answer["errorType"] in {
        "missingField",
        "invalidField",
    }

    assert refused is not documented_valid


def test_the_institutions_are_the_documented_enum_and_two_newer_ones(
    document: dict[str, Any],
) -> None:
    documented = set(document["components"]["schemas"]["BrokerType"]["enum"])

    assert INSTITUTIONS - documented == {"cryptoComPay", "bybitEuDirect"}
    assert documented <= INSTITUTIONS


# What the sandbox adds to the documented examples: market values for every position.
MARKET_VALUES = {"marketValue", "lastPrice"}


@pytest.mark.parametrize(
    ("example", "institution"),
    [
        ("Trading platform example", "robinhood"),
        ("Self-custody cryptocurrency wallet example", "deFiWallet"),
    ],
)
def test_the_holdings_are_the_documented_example_with_market_values(
    document: dict[str, Any], mesh: httpx.Client, example: str, institution: str
) -> None:
    examples = document["paths"][HOLDINGS_GET]["post"]["responses"]["200"]["content"][
        "application/json"
    ]["examples"]
    expected = json.loads(json.dumps(examples[example]["value"]["content"]), parse_float=Decimal)

    response = mesh.post(HOLDINGS_GET, json=holdings_get(type=institution))

    content = json.loads(response.content, parse_float=Decimal)["content"]
    assert content.keys() == expected.keys()
    for key, value in expected.items():
        if key not in ("equityPositions", "cryptocurrencyPositions"):
            assert content[key] == value, key
            continue
        assert len(content[key]) == len(value), key
        for answered, documented in zip(content[key], value, strict=True):
            assert answered.keys() - documented.keys() <= MARKET_VALUES
            assert answered.keys() >= MARKET_VALUES
            assert {name: answered[name] for name in documented} == documented


def test_the_holdings_get_institutions_are_the_documented_supported_integrations(
    document: dict[str, Any],
) -> None:
    description = document["components"]["schemas"]["PortfolioHoldingsRequest"]["properties"][
        "type"
    ]["description"]
    documented = re.findall(r"```(\w+)```", description.split("Supported integrations")[1])

    assert len(documented) == 37
    assert {
        "binanceUs" if name == "Binance" else name[0].lower() + name[1:] for name in documented
    } == HOLDINGS_GET_SUPPORTED


def test_the_holdings_no_request_reaches_still_fit_the_schema(registry: Registry[Any]) -> None:
    """interactiveBrokers is not in the endpoint's list; its option data must be ready anyway."""
    content = json.loads(dumps(sandbox_holdings("interactiveBrokers")))

    assert content["optionPositions"]
    assert validation_errors(registry, "#/components/schemas/HoldingsModel", content) == []


def test_the_balance_institutions_are_the_documented_supported_integrations(
    document: dict[str, Any],
) -> None:
    description = document["components"]["schemas"]["BalanceBrokerBaseRequest"]["properties"][
        "type"
    ]["description"]
    documented = re.findall(r"```(\w+)```", description.split("Supported integrations")[1])

    assert len(documented) == 34
    assert {
        "binanceUs" if name == "Binance" else name[0].lower() + name[1:] for name in documented
    } == BALANCE_SUPPORTED


async def test_the_gateways_balance_requests_fit_the_request_schema(
    gateway: Gateway, registry: Registry[Any]
) -> None:
    institutions = [
        Institution.INSTITUTION_ROBINHOOD,
        Institution.INSTITUTION_COINBASE,
        Institution.INSTITUTION_BINANCE_TR_DIRECT,
    ]
    for institution in institutions:
        await gateway.stub.GetBalances(
            GetBalancesRequest(connection=requests.mesh("user-token", institution)), timeout=10
        )

    received = [request for request in gateway.sandbox.mesh.requests if request.path == BALANCE]
    schema = pointer(
        "paths", BALANCE, "post", "requestBody", "content", "application/json", "schema"
    )
    assert [json.loads(request.body)["type"] for request in received] == [
        "robinhood",
        "coinbase",
        "binanceTrDirect",
    ]
    for request in received:
        assert validation_errors(registry, schema, json.loads(request.body)) == []


def test_the_details_example_is_the_bare_order_and_the_bare_trigger_answers_it(
    document: dict[str, Any], registry: Registry[Any], mesh: httpx.Client
) -> None:
    example = document["paths"][DETAILS]["post"]["responses"]["200"]["content"]["application/json"][
        "example"
    ]

    response = mesh.post(DETAILS, json=cancel(triggers.MESH_BARE_ORDER, id=HISTORY_IDS["option"]))

    assert validation_errors(registry, BARE_ORDER_SCHEMA, example) == []
    assert validation_errors(registry, ENVELOPE_SCHEMA, example) != []
    assert json.loads(response.content, parse_float=Decimal) == json.loads(
        json.dumps(example), parse_float=Decimal
    )


def test_the_list_example_orders_are_in_the_history(
    document: dict[str, Any], mesh: httpx.Client
) -> None:
    example = document["paths"][LIST]["post"]["responses"]["200"]["content"]["application/json"][
        "example"
    ]["content"]["transactions"]

    listed = json.loads(mesh.post(LIST, json=order_list()).content, parse_float=Decimal)

    by_id = {order["id"]: order for order in listed["content"]["transactions"]}
    for documented in json.loads(json.dumps(example), parse_float=Decimal):
        assert by_id[documented["id"]] == documented


def test_every_page_of_the_history_fits_and_the_last_repeats_its_cursor(
    document: dict[str, Any], registry: Registry[Any], mesh: httpx.Client
) -> None:
    schema = documented_response_schema(document, LIST, 200)
    assert schema is not None
    cursors: list[str | None] = [None]
    pages = []
    for _ in range(4):
        body = order_list(count=3, **({"cursor": cursors[-1]} if cursors[-1] else {}))
        answer = mesh.post(LIST, json=body).json()
        assert validation_errors(registry, schema, answer) == []
        pages.append(answer["content"]["transactions"])
        if answer["content"]["cursor"] == cursors[-1]:
            break
        cursors.append(answer["content"]["cursor"])

    assert [len(page) for page in pages] == [3, 3, 3]
    assert len({order["id"] for page in pages for order in page}) == 9


@pytest.mark.parametrize(
    "schema_name", ["TransactionsB2BBrokerOrderRequest", "TransactionsB2BBrokerOrderListRequest"]
)
def test_the_order_institutions_are_the_documented_supported_integrations(
    document: dict[str, Any], schema_name: str
) -> None:
    description = document["components"]["schemas"][schema_name]["properties"]["type"][
        "description"
    ]
    documented = re.findall(r"```(\w+)```", description.split("Supported integrations")[1])

    assert len(documented) == 22
    assert {
        "binanceUs" if name == "Binance" else name[0].lower() + name[1:] for name in documented
    } == ORDERS_SUPPORTED
