"""The MoneyKit sandbox and the gateway speak MoneyKit as its official SDK (`moneykit` 0.2.3)
types it: every request the gateway sends validates against the SDK method it corresponds to
(path, query and body), and the sandbox's answers validate against the SDK's response models."""

from __future__ import annotations

import inspect
import json
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx
import pytest
from google.protobuf.duration_pb2 import Duration
from moneykit.api.investments_api import InvestmentsApi
from moneykit.api.links_api import LinksApi
from moneykit.api.products_api import ProductsApi
from moneykit.models import (
    GetInvestmentTransactionsResponse,
    LinkCommon,
    RefreshProductsRequest,
)
from pydantic import BaseModel, TypeAdapter

from aggregator.v1.aggregator_service_pb2 import (
    GetHoldingsRequest,
    GetPortfolioRequest,
    ListInvestmentTransactionsRequest,
    RefreshConnectionRequest,
)
from service.sandbox import RecordedRequest, SandboxUpstreams
from service.sandbox.moneykit import triggers
from tests.conftest import Gateway
from tests.e2e import requests

ENDPOINTS: dict[tuple[str, str], Callable[..., Any]] = {
    ("GET", ""): LinksApi.get_link,
    ("POST", "/products"): ProductsApi.refresh_products,
    ("GET", "/investments/holdings"): InvestmentsApi.get_holdings,
    ("GET", "/investments/transactions"): InvestmentsApi.get_investment_transactions,
}
"""Each `/links/{id}...` endpoint the gateway calls, as the SDK method that calls it."""

BODIES: dict[str, type[BaseModel]] = {"refresh_products_request": RefreshProductsRequest}
"""The SDK's body parameters, by name: every other parameter but `id` is in the query."""


def _unwrapped(hint: Any) -> Any:
    """`hint` without its `Annotated` metadata and `Optional`."""
    while True:
        origin = typing.get_origin(hint)
        if origin is typing.Annotated:
            hint = typing.get_args(hint)[0]
        elif origin in (typing.Union, types.UnionType):
            hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
        else:
            return hint


def validate_request(request: RecordedRequest) -> str:
    """Fails unless `request` is one the SDK could send; the SDK method's name."""
    assert request.headers.get("moneykit-version")
    assert request.headers.get("authorization", "").startswith("Bearer ")
    [empty, links, segment, *rest] = request.path.split("/")
    assert (empty, links) == ("", "links")
    assert unquote(segment)
    method = ENDPOINTS[request.method, "".join(f"/{part}" for part in rest)]
    hints = typing.get_type_hints(method, include_extras=True)
    parameters = [
        name
        for name in inspect.signature(method).parameters
        if name not in ("self", "id") and not name.startswith("_")
    ]
    TypeAdapter(hints["id"]).validate_python(unquote(segment))
    query = parse_qs(request.query, keep_blank_values=True, strict_parsing=bool(request.query))
    assert set(query) <= set(parameters) - set(BODIES), query
    for name, values in query.items():
        if typing.get_origin(_unwrapped(hints[name])) is list:
            TypeAdapter(hints[name]).validate_python(values)
        else:
            [value] = values
            TypeAdapter(hints[name]).validate_strings(value)
    body_parameters = [name for name in parameters if name in BODIES]
    if not body_parameters:
        assert request.body == b""
    for name in body_parameters:
        model = BODIES[name]
        assert request.headers["content-type"] == "application/json"
        assert set(json.loads(request.body)) <= set(model.model_fields)
        model.model_validate_json(request.body, strict=True)
    return method.__name__


async def test_every_request_of_the_moneykit_workflows_validates_against_the_sdk(
    gateway: Gateway,
) -> None:
    stub, moneykit = gateway.stub, requests.moneykit
    await stub.RefreshConnection(
        RefreshConnectionRequest(connection=moneykit(triggers.MONEYKIT_BROKERAGE)), timeout=10
    )
    await stub.RefreshConnection(
        RefreshConnectionRequest(connection=moneykit(triggers.MONEYKIT_REFRESH_SLOW), wait=True),
        timeout=10,
    )
    hour = Duration(seconds=3600)
    await stub.GetHoldings(
        GetHoldingsRequest(
            connection=moneykit(triggers.MONEYKIT_CRYPTO),
            account_ids=["acc_8Rt3Hm6XqZ1vWc9NbL4kPs"],
            max_age=hour,
        ),
        timeout=10,
    )
    await stub.GetPortfolio(
        GetPortfolioRequest(connections=[moneykit(triggers.MONEYKIT_FRESH)], max_age=hour),
        timeout=10,
    )
    listing = ListInvestmentTransactionsRequest(
        connection=moneykit("mk/odd id?&"),
        start_date="2024-01-01",
        end_date="2024-03-31",
        account_ids=["acc_3fTq8NmW2xRbKp9LzVd4Hc", "acc_7Yc2Ge5JvQsW1nXoPa8KmT"],
        page_size=5000,
    )
    page = await stub.ListInvestmentTransactions(listing, timeout=10)
    listing.page_token = page.next_page_token
    await stub.ListInvestmentTransactions(listing, timeout=10)

    link_requests = [r for r in gateway.sandbox.moneykit.requests if r.path != "/auth/token"]
    methods = {validate_request(request) for request in link_requests}

    assert methods == {
        "get_link",
        "refresh_products",
        "get_holdings",
        "get_investment_transactions",
    }


@pytest.fixture
def moneykit(sandbox: SandboxUpstreams) -> Iterator[httpx.Client]:
    simulator = sandbox.moneykit
    with httpx.Client(base_url=simulator.url, headers={"moneykit-version": "2023-02-18"}) as client:
        answer = client.post(
            "/auth/token", data={"grant_type": "client_credentials", **simulator.credentials}
        )
        client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        yield client


@pytest.mark.parametrize(
    "link_id",
    [
        triggers.MONEYKIT_BROKERAGE,
        triggers.MONEYKIT_SEED_EXAMPLE,
        triggers.MONEYKIT_FRESH,
        triggers.MONEYKIT_REFRESH_RATE_LIMIT,
        triggers.MONEYKIT_REFRESH_NEVER,
    ],
)
def test_the_link_and_its_refresh_answer_the_sdk_s_link(
    moneykit: httpx.Client, link_id: str
) -> None:
    before = moneykit.get(f"/links/{link_id}")
    accepted = moneykit.post(f"/links/{link_id}/products", json={"products": ["investments"]})
    after = moneykit.get(f"/links/{link_id}")

    assert (before.status_code, accepted.status_code, after.status_code) == (200, 202, 200)
    for answer in (before, accepted, after):
        assert LinkCommon.from_json(answer.text).link_id == link_id


def test_a_refresh_of_unknown_products_is_refused(moneykit: httpx.Client) -> None:
    answer = moneykit.post("/links/mk_any/products", json={"products": ["holdings"]})

    assert answer.status_code == 400
    assert answer.json()["error_code"] == "api_error.request.validation_failed"


@pytest.mark.parametrize("size", [1, 4, 50, 1000])
def test_every_page_of_investment_transactions_is_the_sdk_s_response(
    moneykit: httpx.Client, size: int
) -> None:
    seen = []
    for number in range(1, 12):
        answer = moneykit.get(
            "/links/mk_any/investments/transactions", params={"page": number, "size": size}
        )
        assert answer.status_code == 200
        page = GetInvestmentTransactionsResponse.from_json(answer.text)
        if not page.investment_transactions:
            break
        seen.extend(t.investment_transaction_id for t in page.investment_transactions)
        referred = {t.security_id for t in page.investment_transactions if t.security_id}
        assert {s.security_id for s in page.securities} == referred
        assert page.total == 11

    assert len(seen) == len(set(seen)) == 11
