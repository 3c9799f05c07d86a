"""The Plaid adapter over a mock transport: its error mapping, row by row, and exact amounts."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import grpc
import httpx
import pytest
from google.rpc import error_details_pb2
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from aggregator.v1.aggregator_service_pb2 import GetHoldingsRequest, RefreshConnectionRequest
from aggregator.v1.connection_pb2 import Connection, PlaidItem
from service.core.errors import GatewayError, UpstreamError
from service.observability.redaction import register_secret_fields, request_secrets
from service.providers.plaid import PROVIDER as PLAID
from service.providers.plaid.responses import PRODUCT_NOT_READY_RETRY_SECONDS
from service.providers.plaid.settings import PlaidSettings
from service.providers.registry import ProviderAdapter
from service.rpc.status import code_of, to_rpc_status
from tests.unit.builders import adapter_over

TOKEN = "access-sandbox-7d1f0c22-5b7e-4a0f-9a51-2c0e6f1b9d3e"


class Upstream:
    """A mock Plaid answering every request with one status and body."""

    def __init__(self, status: int, body: object) -> None:
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, content=self.body)

    def adapter(self) -> ProviderAdapter:
        settings = PlaidSettings(
            base_url="https://plaid.test", client_id="cid", secret=SecretStr("plaid-secret")
        )
        return adapter_over(PLAID, settings, httpx.MockTransport(self))


def item(token: str = TOKEN) -> Connection:
    return Connection(plaid=PlaidItem(access_token=token))


def plaid_error(error_type: str, error_code: str, **extra: Any) -> dict[str, Any]:
    return {
        "error_type": error_type,
        "error_code": error_code,
        "error_message": f"{error_code.lower()} happened",
        "display_message": extra.pop("display_message", None),
        "request_id": "Ab3dEf6hIj9kLm2",
        "documentation_url": "https://plaid.com/docs/errors/",
        "suggested_action": None,
        **extra,
    }


async def failure(status: int, body: object) -> GatewayError:
    upstream = Upstream(status, body)
    with pytest.raises(GatewayError) as caught:
        await upstream.adapter().get_holdings(GetHoldingsRequest(connection=item()))
    return caught.value


MAPPING = [
    (400, "INVALID_REQUEST", "MISSING_FIELDS", grpc.StatusCode.INVALID_ARGUMENT, False),
    (400, "INVALID_REQUEST", "UNKNOWN_FIELDS", grpc.StatusCode.INVALID_ARGUMENT, False),
    (400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN", grpc.StatusCode.UNAUTHENTICATED, False),
    (400, "INVALID_INPUT", "INVALID_API_KEYS", grpc.StatusCode.INTERNAL, False),
    (400, "INVALID_INPUT", "UNAUTHORIZED_ENVIRONMENT", grpc.StatusCode.INTERNAL, False),
    (400, "INVALID_INPUT", "INVALID_ACCOUNT_ID", grpc.StatusCode.INVALID_ARGUMENT, False),
    (400, "INVALID_RESULT", "ANYTHING", grpc.StatusCode.FAILED_PRECONDITION, False),
    (400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED", grpc.StatusCode.FAILED_PRECONDITION, False),
    (400, "ITEM_ERROR", "ITEM_NOT_FOUND", grpc.StatusCode.NOT_FOUND, False),
    (400, "ITEM_ERROR", "PRODUCT_NOT_READY", grpc.StatusCode.UNAVAILABLE, False),
    (400, "ITEM_ERROR", "NO_INVESTMENT_ACCOUNTS", grpc.StatusCode.FAILED_PRECONDITION, False),
    (400, "INSTITUTION_ERROR", "INSTITUTION_DOWN", grpc.StatusCode.UNAVAILABLE, True),
    (400, "INSTITUTION_ERROR", "INSTITUTION_NOT_RESPONDING", grpc.StatusCode.UNAVAILABLE, True),
    (
        400,
        "INSTITUTION_ERROR",
        "INSTITUTION_NO_LONGER_SUPPORTED",
        grpc.StatusCode.FAILED_PRECONDITION,
        False,
    ),
    (500, "API_ERROR", "INTERNAL_SERVER_ERROR", grpc.StatusCode.UNAVAILABLE, True),
    (503, "API_ERROR", "PLANNED_MAINTENANCE", grpc.StatusCode.UNAVAILABLE, True),
    (
        429,
        "RATE_LIMIT_EXCEEDED",
        "INVESTMENT_HOLDINGS_GET_LIMIT",
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        False,
    ),
    (400, "OAUTH_ERROR", "SOMETHING_NEW", grpc.StatusCode.INVALID_ARGUMENT, False),
]


@pytest.mark.parametrize(("http", "error_type", "error_code", "code", "retryable"), MAPPING)
async def test_plaids_error_object_is_mapped_by_type_then_code(
    http: int, error_type: str, error_code: str, code: grpc.StatusCode, retryable: bool
) -> None:
    error = await failure(http, plaid_error(error_type, error_code))

    assert isinstance(error, UpstreamError)
    assert code_of(error) == code
    assert error.retryable is retryable
    assert error.context.upstream_request_id == "Ab3dEf6hIj9kLm2"
    assert error.context.envelope.error_type == error_code
    assert error.context.envelope.error_data["error_type"] == error_type


def details(error: GatewayError) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for detail in to_rpc_status(error).details:
        for kind in (
            error_details_pb2.ErrorInfo,
            error_details_pb2.LocalizedMessage,
            error_details_pb2.RetryInfo,
        ):
            if detail.Is(kind.DESCRIPTOR):
                message = kind()
                detail.Unpack(message)
                found[kind.DESCRIPTOR.name] = message
    return found


async def test_the_display_message_is_the_localized_message_and_the_request_id_metadata() -> None:
    error = await failure(
        400, plaid_error("ITEM_ERROR", "ITEM_LOGIN_REQUIRED", display_message="Sign in again.")
    )

    found = details(error)
    assert found["LocalizedMessage"].message == "Sign in again."
    info = found["ErrorInfo"]
    assert (info.reason, info.domain) == ("RECONNECT_REQUIRED", "plaid")
    assert info.metadata["upstream_request_id"] == "Ab3dEf6hIj9kLm2"
    assert info.metadata["user_action"] == "reconnect"


async def test_product_not_ready_carries_a_retry_delay() -> None:
    error = await failure(400, plaid_error("ITEM_ERROR", "PRODUCT_NOT_READY"))

    assert details(error)["RetryInfo"].retry_delay.seconds == PRODUCT_NOT_READY_RETRY_SECONDS


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (401, b"", grpc.StatusCode.INTERNAL),
        (500, b"<html>oops</html>", grpc.StatusCode.UNAVAILABLE),
        (404, b"{}", grpc.StatusCode.NOT_FOUND),
        (200, b'{"accounts": [', grpc.StatusCode.INTERNAL),
    ],
)
async def test_answers_without_an_error_object_fall_back_to_the_http_status(
    status: int, body: bytes, code: grpc.StatusCode
) -> None:
    assert code_of(await failure(status, body)) == code


async def test_an_echoed_access_token_never_reaches_the_error() -> None:
    body = plaid_error("INVALID_INPUT", "INVALID_ACCESS_TOKEN", display_message=f"bad {TOKEN}")
    body["error_message"] = f"token {TOKEN} is invalid"
    request = GetHoldingsRequest(connection=item())
    register_secret_fields(PLAID.secret_fields)

    # As the RPC boundary does for every request: its secret fields are known while it runs.
    with request_secrets(request), pytest.raises(GatewayError) as caught:
        await Upstream(400, body).adapter().get_holdings(request)

    assert "bad" in str(to_rpc_status(caught.value))
    assert TOKEN not in str(to_rpc_status(caught.value))


def holdings_body(quantity: Decimal, price: Decimal, value: Decimal) -> bytes:
    text = (
        '{"accounts": [], "securities": [], "item": {"item_id": "i"}, "request_id": "r", '
        f'"holdings": [{{"account_id": "a", "security_id": "s", "quantity": {quantity}, '
        f'"institution_price": {price}, "institution_value": {value}, "cost_basis": null, '
        '"iso_currency_code": null, "unofficial_currency_code": "BTC"}]}'
    )
    return text.encode()


NUMBERS = st.decimals(
    min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=20, allow_nan=False
)


@settings(max_examples=50, deadline=None)
@given(quantity=NUMBERS, price=NUMBERS, value=NUMBERS)
async def test_json_numbers_come_back_digit_for_digit(
    quantity: Decimal, price: Decimal, value: Decimal
) -> None:
    upstream = Upstream(200, holdings_body(quantity, price, value))

    response = await upstream.adapter().get_holdings(GetHoldingsRequest(connection=item()))

    (holding,) = response.holdings
    assert Decimal(holding.quantity) == quantity
    assert Decimal(holding.price) == price
    assert Decimal(holding.value) == value
    assert holding.quantity == format(quantity, "f")


async def test_a_refresh_sends_only_the_access_token_with_plaids_headers() -> None:
    upstream = Upstream(200, {"request_id": "r"})

    await upstream.adapter().refresh_connection(RefreshConnectionRequest(connection=item()))

    (request,) = upstream.requests
    assert request.url == "https://plaid.test/investments/refresh"
    assert json.loads(request.content) == {"access_token": TOKEN}
    assert request.headers["PLAID-CLIENT-ID"] == "cid"
    assert request.headers["PLAID-SECRET"] == "plaid-secret"
    assert request.headers["Plaid-Version"] == "2020-09-14"


async def test_an_empty_access_token_is_refused_before_any_call() -> None:
    upstream = Upstream(200, {})

    with pytest.raises(GatewayError) as caught:
        await upstream.adapter().get_holdings(GetHoldingsRequest(connection=item("  ")))

    assert code_of(caught.value) == grpc.StatusCode.INVALID_ARGUMENT
    assert upstream.requests == []
