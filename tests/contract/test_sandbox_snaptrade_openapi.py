"""The SnapTrade sandbox against SnapTrade's OpenAPI document: every request it received from a
gateway serving every RPC and error class fits the document's parameters and request body, and
every answer fits the response schema of its path and status.

Where the document lists no response for a status an endpoint is known to send (its errors are
documented per status on some endpoints only: `default: Unexpected error` elsewhere), the answer
is held to the document's schema of that status's error body (`400FailedRequestResponse`, ...).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import grpc
import httpx
import pytest
import yaml
from google.protobuf import timestamp_pb2
from jsonschema import FormatChecker
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    GetBalancesRequest,
    GetHoldingsRequest,
    GetHoldingsValueRequest,
    GetOrderRequest,
    ListOrdersRequest,
    RefreshConnectionRequest,
)
from aggregator.v1.connection_pb2 import Connection, SnapTradeAccount
from aggregator.v1.order_pb2 import OrderStatus
from service.sandbox import RecordedRequest, SandboxUpstreams
from service.sandbox.snaptrade import triggers
from tests.conftest import Gateway, gateway_settings, start_gateway
from tests.contract.mesh_openapi import read_nullable_references_as_meant

REPOSITORY = Path(__file__).resolve().parents[2]
DOCUMENT = REPOSITORY / "docs" / "upstreams" / "snaptrade-openapi.yaml"
DOCUMENT_URI = "urn:snaptrade-openapi"
ERROR_SCHEMAS = {
    400: "400FailedRequestResponse",
    401: "401FailedRequestResponse",
    402: "402BrokerageAuthDisabledResponse",
    403: "403FeatureNotEnabledResponse",
    404: "404FailedRequestResponse",
    429: "429TooManyRequestsResponse",
    500: "500UnexpectedExceptionResponse",
    503: "503BrokerageRequestResponse",
}
SECURITY = ("clientId", "timestamp")
MALFORMED = object()
"""The answer of the malformed trigger, which is meant not to be JSON."""


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text())
    return loaded


DOC = document()
REGISTRY: Registry[Any] = Registry().with_resource(
    DOCUMENT_URI,
    Resource.from_contents(read_nullable_references_as_meant(DOC), default_specification=DRAFT4),
)


def errors(schema: dict[str, Any], instance: object) -> list[str]:
    validator = OAS30Validator(schema, registry=REGISTRY, format_checker=FormatChecker())
    return sorted(f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance))


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"{DOCUMENT_URI}#/components/schemas/{name}"}


def resolved(node: dict[str, Any]) -> dict[str, Any]:
    """A parameter or request body, with a `#/components/...` reference followed."""
    while "$ref" in node:
        target: Any = DOC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def absolute(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its references pointing into the registered document."""
    text = json.dumps(schema, default=str).replace(
        '"#/components/', f'"{DOCUMENT_URI}#/components/'
    )
    converted: dict[str, Any] = read_nullable_references_as_meant(json.loads(text))
    return converted


@dataclass(frozen=True)
class Operation:
    template: str
    method: str
    spec: dict[str, Any]
    path_parameters: dict[str, str]


def operation_of(request: RecordedRequest) -> Operation:
    segments = request.path.split("/")[1:]
    for template, item in DOC["paths"].items():
        parts = template.split("/")[1:]
        method = request.method.lower()
        if len(parts) != len(segments) or method not in item:
            continue
        names: dict[str, str] = {}
        for part, segment in zip(parts, segments, strict=True):
            if part.startswith("{"):
                names[part.strip("{}")] = unquote(segment)
            elif part != segment:
                break
        else:
            return Operation(template, method, item[method], names)
    raise AssertionError(f"{request.method} {request.path} is not a documented operation")


def request_violations(request: RecordedRequest) -> list[str]:
    operation = operation_of(request)
    found: list[str] = []
    sent = dict(parse_qsl(request.query, keep_blank_values=True))
    documented = {
        (parameter["in"], parameter["name"]): parameter
        for parameter in map(resolved, operation.spec.get("parameters", []))
    }
    for (place, name), parameter in documented.items():
        given = sent.get(name) if place == "query" else operation.path_parameters.get(name)
        if given is None:
            if parameter.get("required"):
                found.append(f"{place} {name} is required")
            continue
        # A query or path value is text: read as the type its schema says, where it can be.
        kind = resolved(parameter["schema"]).get("type")
        value: object = given
        if kind == "integer" and given.lstrip("-").isdigit():
            value = int(given)
        if kind == "boolean" and given in ("true", "false"):
            value = given == "true"
        found += [f"{place} {name}: {e}" for e in errors(absolute(parameter["schema"]), value)]
    for name in sent:
        if ("query", name) not in documented and name not in SECURITY:
            found.append(f"query {name} is not documented")
    found += [f"query {name} is required" for name in SECURITY if name not in sent]
    if not request.headers.get("signature"):
        found.append("the Signature header is required")
    body = operation.spec.get("requestBody")
    if body is not None:
        schema = absolute(resolved(body)["content"]["application/json"]["schema"])
        found += [f"body: {e}" for e in errors(schema, json.loads(request.body))]
    elif request.body:
        found.append("a body the operation does not take")
    return found


def response_schema(request: RecordedRequest, status: int) -> dict[str, Any]:
    responses = operation_of(request).spec["responses"]
    documented = responses.get(str(status), {}).get("content", {}).get("application/json")
    if documented is not None:
        return absolute(documented["schema"])
    assert status in ERROR_SCHEMAS, f"{request.path} answered {status}, which nothing documents"
    return ref(ERROR_SCHEMAS[status])


def snaptrade(
    user_id: str = "alice", account_id: str = triggers.SNAPTRADE_BROKERAGE_ACCOUNT
) -> Connection:
    return Connection(
        snaptrade=SnapTradeAccount(user_id=user_id, user_secret="secret", account_id=account_id)
    )


async def every_rpc(gateway: Gateway) -> None:
    """Every RPC SnapTrade serves, for every trigger and order, whatever the outcome."""
    stub = gateway.stub
    since = timestamp_pb2.Timestamp()
    since.FromDatetime(datetime.now(UTC) - timedelta(days=5))
    users = [
        "alice",
        *(
            value
            for name, value in vars(triggers).items()
            if name.startswith("SNAPTRADE_")
            and isinstance(value, str)
            and not value[0].isdigit()
            and value != triggers.SNAPTRADE_HELD
        ),
    ]
    orders = [value for name, value in vars(triggers).items() if name.startswith("ORDER_")]
    calls: list[Any] = []
    for user in users:
        for account_id in (
            triggers.SNAPTRADE_BROKERAGE_ACCOUNT,
            triggers.SNAPTRADE_TWO_CURRENCY_ACCOUNT,
        ):
            connection = snaptrade(user, account_id)
            calls += [
                stub.GetHoldings(GetHoldingsRequest(connection=connection), timeout=10),
                stub.GetHoldingsValue(GetHoldingsValueRequest(connection=connection), timeout=10),
                stub.GetBalances(GetBalancesRequest(connection=connection), timeout=10),
            ]
        connection = snaptrade(user)
        calls += [
            stub.ListOrders(ListOrdersRequest(connection=connection), timeout=10),
            stub.ListOrders(
                ListOrdersRequest(
                    connection=connection,
                    statuses=[OrderStatus.ORDER_STATUS_IN_PROGRESS],
                    created_after=since,
                ),
                timeout=10,
            ),
            stub.ListOrders(
                ListOrdersRequest(
                    connection=connection, statuses=[OrderStatus.ORDER_STATUS_FILLED]
                ),
                timeout=10,
            ),
            stub.RefreshConnection(RefreshConnectionRequest(connection=connection), timeout=10),
            stub.GetOrder(GetOrderRequest(connection=connection, order_id="unknown"), timeout=10),
        ]
    for order_id in orders:
        calls += [
            stub.GetOrder(GetOrderRequest(connection=snaptrade(), order_id=order_id), timeout=10),
            stub.CancelOrder(
                CancelOrderRequest(connection=snaptrade("carol"), order_id=order_id, confirm=True),
                timeout=10,
            ),
        ]
    for call in calls:
        with contextlib.suppress(grpc.aio.AioRpcError):
            await call


@dataclass(frozen=True)
class Exchange:
    request: RecordedRequest
    status: int
    body: object


async def _drive(sandbox: SandboxUpstreams) -> None:
    # No circuit breaker: the trigger connections' 5xx answers would open it after a number of
    # failures that depends on how many retries the (time-windowed) retry budget allowed, and
    # the calls after it, the refresh among them, would then never reach the sandbox.
    settings = gateway_settings(sandbox, aggregator_breaker_failure_threshold=0)
    async for gateway in start_gateway(settings, sandbox):
        await every_rpc(gateway)


@pytest.fixture(scope="module")
def exchanges() -> Iterator[list[Exchange]]:
    """What the sandbox received from the gateway, and its answer to each, replayed in order
    on a fresh order book (the signatures stay valid: same path, query and body)."""
    with SandboxUpstreams() as sandbox:
        asyncio.run(_drive(sandbox))
        received = sandbox.snaptrade.requests
        sandbox.reset()
        with httpx.Client(base_url=sandbox.snaptrade.url) as client:
            yield [
                _replayed(client, request)
                for request in received
                if request.query.count("userId=snaptrade-sandbox-held") == 0
            ]


def _replayed(client: httpx.Client, request: RecordedRequest) -> Exchange:
    response = client.request(
        request.method,
        f"{request.path}?{request.query}",
        content=request.body or None,
        headers={"Signature": request.headers["signature"], "Content-Type": "application/json"},
    )
    try:
        body = response.json()
    except ValueError:
        body = MALFORMED
    return Exchange(request, response.status_code, body)


def test_the_gateway_reached_every_documented_operation_it_uses(
    exchanges: list[Exchange],
) -> None:
    templates = {operation_of(e.request).template for e in exchanges}

    assert templates == {
        "/accounts/{accountId}",
        "/accounts/{accountId}/positions/all",
        "/accounts/{accountId}/balances",
        "/accounts/{accountId}/orders",
        "/accounts/{accountId}/recentOrders",
        "/accounts/{accountId}/orders/details/v2/{brokerageOrderId}",
        "/accounts/{accountId}/trading/cancel",
        "/authorizations/{authorizationId}/refresh",
    }
    assert {e.status for e in exchanges} >= {200, 400, 401, 402, 403, 404, 429, 500, 503}


def test_every_request_fits_the_document(exchanges: list[Exchange]) -> None:
    violations = {
        f"{e.request.method} {e.request.path}": request_violations(e.request)
        for e in exchanges
        if request_violations(e.request)
    }

    assert violations == {}


def test_every_answer_fits_the_schema_of_its_path_and_status(
    exchanges: list[Exchange],
) -> None:
    violations = {
        f"{e.request.method} {e.request.path} {e.status}": found
        for e in exchanges
        if e.body is not MALFORMED
        if (found := errors(response_schema(e.request, e.status), e.body))
    }
    malformed = {
        dict(parse_qsl(e.request.query))["userId"] for e in exchanges if e.body is MALFORMED
    }

    assert violations == {}
    assert malformed == {triggers.SNAPTRADE_MALFORMED}


REQUESTS = [
    ("GET", "/accounts/not-a-uuid/positions/all", {}, None),
    ("GET", "/accounts/917c8734-8470-4a3e-a18f-57c3f2ee6631/orders", {"days": "91"}, None),
    ("GET", "/accounts/917c8734-8470-4a3e-a18f-57c3f2ee6631/orders", {"days": "0"}, None),
    ("GET", "/accounts/917c8734-8470-4a3e-a18f-57c3f2ee6631/orders", {"state": "closed"}, None),
    (
        "GET",
        "/accounts/917c8734-8470-4a3e-a18f-57c3f2ee6631/orders",
        {"state": "open", "days": "7"},
        None,
    ),
    (
        "GET",
        "/accounts/917c8734-8470-4a3e-a18f-57c3f2ee6631/recentOrders",
        {"only_executed": "yes"},
        None,
    ),
    (
        "GET",
        "/accounts/917c8734-8470-4a3e-a18f-57c3f2ee6631/recentOrders",
        {"only_executed": "false"},
        None,
    ),
    ("POST", "/accounts/917c8734-8470-4a3e-a18f-57c3f2ee6631/trading/cancel", {}, {}),
    (
        "POST",
        "/accounts/917c8734-8470-4a3e-a18f-57c3f2ee6631/trading/cancel",
        {},
        {"brokerage_order_id": 5},
    ),
    (
        "POST",
        "/accounts/917c8734-8470-4a3e-a18f-57c3f2ee6631/trading/cancel",
        {},
        {"brokerage_order_id": "x"},
    ),
]


@pytest.mark.parametrize(("method", "path", "parameters", "body"), REQUESTS, ids=str)
def test_the_sandbox_refuses_exactly_the_requests_the_document_refuses(
    method: str, path: str, parameters: dict[str, str], body: object
) -> None:
    with SandboxUpstreams() as sandbox:
        simulator = sandbox.snaptrade
        credentials = simulator.credentials
        query = httpx.QueryParams(
            {
                "userId": "alice",
                "userSecret": "secret",
                **parameters,
                "clientId": credentials["client_id"],
                "timestamp": str(int(datetime.now(UTC).timestamp())),
            }
        )
        content = None if body is None else json.dumps(body).encode()
        signature = signed(credentials["consumer_key"], path, str(query), content)
        with httpx.Client(base_url=simulator.url) as client:
            response = client.request(
                method, f"{path}?{query}", content=content, headers={"Signature": signature}
            )
        recorded = simulator.requests[0]

    documented_valid = not request_violations(recorded)
    assert (response.status_code == 400) is not documented_valid, response.text


def signed(consumer_key: str, path: str, query: str, body: bytes | None) -> str:
    """The signature as SnapTrade's documentation computes it, written out here so that the
    sandbox is checked against the documentation rather than against itself."""
    text = json.dumps(
        {"content": json.loads(body) if body else None, "path": path, "query": query},
        separators=(",", ":"),
        sort_keys=True,
    )
    return base64.b64encode(
        hmac.new(consumer_key.encode(), text.encode(), hashlib.sha256).digest()
    ).decode()


def test_a_wrong_signature_gets_the_documented_rejection() -> None:
    with SandboxUpstreams() as sandbox, httpx.Client(base_url=sandbox.snaptrade.url) as client:
        credentials = sandbox.snaptrade.credentials
        query = httpx.QueryParams(
            {
                "userId": "alice",
                "userSecret": "secret",
                "clientId": credentials["client_id"],
                "timestamp": str(int(datetime.now(UTC).timestamp())),
            }
        )
        path = f"/accounts/{triggers.SNAPTRADE_BROKERAGE_ACCOUNT}/balances"
        good = signed(credentials["consumer_key"], path, str(query), None)
        tampered = signed(credentials["consumer_key"], path, str(query) + "&x=1", None)
        ok = client.get(f"{path}?{query}", headers={"Signature": good})
        wrong = client.get(f"{path}?{query}", headers={"Signature": tampered})
        other_key = client.get(
            f"{path}?{query}", headers={"Signature": signed("another-key", path, str(query), None)}
        )

    assert ok.status_code == 200
    for rejected in (wrong, other_key):
        assert rejected.status_code == 401
        assert rejected.json() == {
            "default_detail": "Unable to verify signature sent",
            "default_code": 1076,
        }
        assert errors(ref("401FailedRequestResponse"), rejected.json()) == []
