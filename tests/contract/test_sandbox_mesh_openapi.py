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
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

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
)
from tests.conftest import Gateway
from tests.e2e import requests

REPOSITORY = Path(__file__).resolve().parents[2]
DOCUMENT = REPOSITORY / "docs" / "upstreams" / "mesh-openapi.json"
DOCUMENT_URI = "urn:mesh-openapi"
HOLDINGS = "/api/v1/holdings/value"
HOLDINGS_GET = "/api/v1/holdings/get"
CANCEL = "/api/v1/transactions/cancel"
BALANCE = "/api/v1/balance/get"
ENVELOPE_SCHEMA = "#/components/schemas/ApiResult"
PROBLEM_DETAILS_SCHEMA = "#/components/schemas/ProblemDetails"


class Expect(enum.Enum):
    DOCUMENTED = "the document's schema for this path and status"
    ENVELOPE = "ApiResult: the document gives none, or problem details, for this envelope"


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
]


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


def read_nullable_references_as_meant(node: Any) -> Any:
    """The document with `{allOf: [X], nullable: true}` read as "X or null".

    The document's generator (Swashbuckle) writes a nullable reference that way. OpenAPI 3.0.3
    later clarified that `nullable` does not reach into `allOf`, so a strict validator would
    refuse the `content: null` the upstream sends on failure. Reading it as its author meant it
    keeps that answer checked instead of unvalidated.
    """
    if isinstance(node, list):
        return [read_nullable_references_as_meant(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: read_nullable_references_as_meant(value) for key, value in node.items()}
    if converted.get("nullable") is True and "allOf" in converted and "type" not in converted:
        del converted["nullable"]
        return {"anyOf": [converted, {"enum": [None]}]}
    return converted


def pointer(*parts: str) -> str:
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def documented_response_schema(document: dict[str, Any], path: str, status: int) -> str | None:
    """The JSON pointer of the response schema for `path` and `status`, if there is a real one."""
    response = document["paths"][path]["post"]["responses"].get(str(status))
    if response is None or not response["content"]["application/json"]["schema"]:
        return None
    return pointer(
        "paths", path, "post", "responses", str(status), "content", "application/json", "schema"
    )


def validation_errors(registry: Registry[Any], schema: str, instance: object) -> list[str]:
    validator = OAS30Validator({"$ref": DOCUMENT_URI + schema}, registry=registry)
    return sorted(
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(instance)
    )


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_the_answer_fits_the_schema(
    case: Case, document: dict[str, Any], registry: Registry[Any], mesh: httpx.Client
) -> None:
    response = mesh.post(case.path, json=case.body)

    assert response.status_code == case.status
    if case.expect is Expect.DOCUMENTED:
        schema = documented_response_schema(document, case.path, case.status)
        assert schema is not None, f"the document gives no schema for {case.path} {case.status}"
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
