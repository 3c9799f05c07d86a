"""The Mesh adapter over a mock transport: the requests it sends and how it reads every answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    CancelOrderResponse,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
)
from aggregator.v1.connection_pb2 import Connection, MeshConnection
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.order_pb2 import OrderSide
from aggregator.v1.result_pb2 import ResultStatus
from service.core.envelope import Envelope, EnvelopeStatus
from service.core.errors import (
    CredentialsRejected,
    GatewayCredentialsRejected,
    InvalidRequest,
    ProviderNotConfigured,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamFailedPrecondition,
    UpstreamNotFound,
    UpstreamOutcomeUnknown,
    UpstreamPermissionDenied,
    UpstreamRateLimited,
    UpstreamRejectedRequest,
    UpstreamUnavailable,
)
from service.providers.mesh import PROVIDER as MESH
from service.providers.mesh.settings import MeshSettings
from service.providers.registry import ProviderAdapter
from tests.unit.builders import adapter_over

BASE_URL = "https://mesh.test"
HOLDINGS_VALUE_URL = f"{BASE_URL}/api/v1/holdings/value"
CANCEL_URL = f"{BASE_URL}/api/v1/transactions/cancel"
SETTINGS = MeshSettings(base_url=BASE_URL, client_id="cid", client_secret=SecretStr("csecret"))

DOCUMENTED_EXAMPLE = b"""{
  "status": "ok",
  "message": "",
  "content": {
    "totalValue": 186.03,
    "totalPerformance": 6.23,
    "equitiesValue": 100.12,
    "equitiesPerformance": 5.3457,
    "cryptocurrenciesValue": 50.37,
    "cryptocurrenciesPerformance": 7.23,
    "nftsValue": 15.34,
    "fiatValue": 20.2
  }
}"""

VALUE_FIELDS = (
    "total_value",
    "total_performance",
    "equities_value",
    "equities_performance",
    "cryptocurrencies_value",
    "cryptocurrencies_performance",
    "nfts_value",
    "fiat_value",
)

Handler = Callable[[httpx.Request], httpx.Response]


class Upstream:
    """A mock Mesh: records every request and answers with `handler`."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def adapter(self, settings: MeshSettings = SETTINGS) -> ProviderAdapter:
        return adapter_over(MESH, settings, httpx.MockTransport(self))


def answer(status_code: int, body: bytes = b"", **headers: str) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status_code, content=body, headers=headers)

    return handle


def raising(exc: type[httpx.HTTPError]) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        raise exc("simulated", request=request)

    return handle


def envelope_json(status: str, content: Any = None, **fields: Any) -> bytes:
    return json.dumps({"status": status, "content": content, **fields}).encode()


def ok_content(content_json: str) -> bytes:
    return b'{"status": "ok", "content": ' + content_json.encode() + b"}"


def connection(
    institution: int = Institution.INSTITUTION_ROBINHOOD, auth_token: str = "tok"
) -> Connection:
    return Connection(mesh=MeshConnection(institution=institution, auth_token=auth_token))  # type: ignore[arg-type]


def holdings_value_request(**kwargs: Any) -> GetHoldingsValueRequest:
    return GetHoldingsValueRequest(connection=connection(**kwargs))


def cancel_request(
    institution: int = Institution.INSTITUTION_ROBINHOOD,
    auth_token: str = "tok",
    order_id: str = "order-1",
    side: int = OrderSide.ORDER_SIDE_UNSPECIFIED,
    symbol_pair: str = "",
    mfa_code: str = "",
    is_cryptocurrency: bool = False,
) -> CancelOrderRequest:
    return CancelOrderRequest(
        connection=connection(institution, auth_token),
        order_id=order_id,
        side=side,  # type: ignore[arg-type]
        symbol_pair=symbol_pair,
        mfa_code=mfa_code,
        is_cryptocurrency=is_cryptocurrency,
    )


async def holdings_value(handler: Handler) -> tuple[GetHoldingsValueResponse, Upstream]:
    upstream = Upstream(handler)
    response = await upstream.adapter().get_holdings_value(holdings_value_request())
    return response, upstream


async def call(adapter: ProviderAdapter, operation: str, request: Any = None) -> Any:
    """Run `operation` (with a valid default request unless one is given)."""
    if operation == "holdings_value":
        return await adapter.get_holdings_value(request or holdings_value_request())
    return await adapter.cancel_order(request or cancel_request())


async def fail(operation: str, handler: Handler) -> tuple[UpstreamError, Upstream]:
    """Run `operation` against `handler`, expecting a gateway error."""
    upstream = Upstream(handler)
    with pytest.raises(UpstreamError) as caught:
        await call(upstream.adapter(), operation)
    return caught.value, upstream


OPERATIONS = ("holdings_value", "cancel_order")


# The requests --------------------------------------------------------------------------------


async def test_holdings_value_posts_the_documented_request() -> None:
    _, upstream = await holdings_value(answer(200, DOCUMENTED_EXAMPLE))

    [sent] = upstream.requests
    assert sent.method == "POST"
    assert str(sent.url) == HOLDINGS_VALUE_URL
    assert sent.headers["X-Client-Id"] == "cid"
    assert sent.headers["X-Client-Secret"] == "csecret"
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.content) == {"authToken": "tok", "type": "robinhood"}


async def test_a_base_url_with_a_trailing_slash_gives_the_same_path() -> None:
    upstream = Upstream(answer(200, DOCUMENTED_EXAMPLE))
    settings = SETTINGS.model_copy(update={"base_url": f"{BASE_URL}/"})
    adapter = upstream.adapter(settings)

    await adapter.get_holdings_value(holdings_value_request())

    assert [str(sent.url) for sent in upstream.requests] == [HOLDINGS_VALUE_URL]


@pytest.mark.parametrize(
    ("institution", "wire_name"),
    [
        (Institution.INSTITUTION_ROBINHOOD, "robinhood"),
        (Institution.INSTITUTION_E_TRADE, "eTrade"),
        (Institution.INSTITUTION_BINANCE_US, "binanceUs"),
        (Institution.INSTITUTION_OKX_OAUTH, "okxOAuth"),
        (Institution.INSTITUTION_DE_FI_WALLET, "deFiWallet"),
        (Institution.INSTITUTION_INTERACTIVE_BROKERS, "interactiveBrokers"),
        (Institution.INSTITUTION_BYBIT_EU_DIRECT, "bybitEuDirect"),
    ],
)
async def test_holdings_value_sends_the_wire_name_of_the_institution(
    institution: int, wire_name: str
) -> None:
    upstream = Upstream(answer(200, DOCUMENTED_EXAMPLE))

    await upstream.adapter().get_holdings_value(holdings_value_request(institution=institution))

    [sent] = upstream.requests
    assert json.loads(sent.content) == {"authToken": "tok", "type": wire_name}


async def test_cancel_posts_only_the_required_properties_when_nothing_optional_is_given() -> None:
    upstream = Upstream(answer(200, envelope_json("ok")))

    response = await upstream.adapter().cancel_order(
        cancel_request(institution=Institution.INSTITUTION_E_TRADE, order_id="A-1")
    )

    [sent] = upstream.requests
    assert sent.method == "POST"
    assert str(sent.url) == CANCEL_URL
    assert sent.headers["X-Client-Id"] == "cid"
    assert sent.headers["X-Client-Secret"] == "csecret"
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.content) == {
        "authToken": "tok",
        "type": "eTrade",
        "id": "A-1",
        "isCryptocurrency": False,
    }
    assert b"null" not in sent.content
    assert response.result.status == ResultStatus.RESULT_STATUS_OK


async def test_cancel_posts_side_symbol_pair_and_mfa_code_when_given() -> None:
    upstream = Upstream(answer(200, envelope_json("ok")))

    await upstream.adapter().cancel_order(
        cancel_request(
            institution=Institution.INSTITUTION_BINANCE_US,
            order_id="B-2",
            side=OrderSide.ORDER_SIDE_SELL,
            symbol_pair="BTC/USD",
            mfa_code="123456",
            is_cryptocurrency=True,
        )
    )

    [sent] = upstream.requests
    assert json.loads(sent.content) == {
        "authToken": "tok",
        "type": "binanceUs",
        "id": "B-2",
        "isCryptocurrency": True,
        "side": "sell",
        "symbolPair": "BTC/USD",
        "mfaCode": "123456",
    }


@pytest.mark.parametrize(
    ("side", "wire_side"), [(OrderSide.ORDER_SIDE_BUY, "buy"), (OrderSide.ORDER_SIDE_SELL, "sell")]
)
async def test_cancel_at_coinbase_sends_the_side(side: int, wire_side: str) -> None:
    upstream = Upstream(answer(200, envelope_json("ok")))

    await upstream.adapter().cancel_order(
        cancel_request(institution=Institution.INSTITUTION_COINBASE, side=side)
    )

    [sent] = upstream.requests
    body = json.loads(sent.content)
    assert body["type"] == "coinbase"
    assert body["side"] == wire_side
    assert "symbolPair" not in body
    assert "mfaCode" not in body


async def test_cancel_at_kraken_sends_the_mfa_code_without_a_side() -> None:
    upstream = Upstream(answer(200, envelope_json("ok")))

    await upstream.adapter().cancel_order(
        cancel_request(institution=Institution.INSTITUTION_KRAKEN, mfa_code="999000")
    )

    [sent] = upstream.requests
    assert json.loads(sent.content) == {
        "authToken": "tok",
        "type": "kraken",
        "id": "order-1",
        "isCryptocurrency": False,
        "mfaCode": "999000",
    }


async def test_cancel_returns_the_ok_envelope() -> None:
    upstream = Upstream(
        answer(200, envelope_json("ok", message="Order cancelled", displayMessage="Done"))
    )

    response = await upstream.adapter().cancel_order(cancel_request())

    assert isinstance(response, CancelOrderResponse)
    assert response.result.status == ResultStatus.RESULT_STATUS_OK
    assert response.result.message == "Order cancelled"
    assert response.result.display_message == "Done"


# Parsing holdings value -----------------------------------------------------------------------


async def test_the_documented_example_comes_out_as_exact_strings() -> None:
    response, _ = await holdings_value(answer(200, DOCUMENTED_EXAMPLE))

    assert response.total_value == "186.03"
    assert response.total_performance == "6.23"
    assert response.equities_value == "100.12"
    assert response.equities_performance == "5.3457"
    assert response.cryptocurrencies_value == "50.37"
    assert response.cryptocurrencies_performance == "7.23"
    assert response.nfts_value == "15.34"
    assert response.fiat_value == "20.2"
    assert response.result.status == ResultStatus.RESULT_STATUS_OK


async def test_values_absent_upstream_are_unset() -> None:
    response, _ = await holdings_value(answer(200, ok_content('{"totalValue": 1.5}')))

    assert response.total_value == "1.5"
    for name in VALUE_FIELDS[1:]:
        assert not response.HasField(name), name


async def test_null_values_are_unset_and_zero_is_zero() -> None:
    response, _ = await holdings_value(
        answer(200, ok_content('{"totalValue": null, "fiatValue": 0, "nftsValue": null}'))
    )

    assert not response.HasField("total_value")
    assert not response.HasField("nfts_value")
    assert response.HasField("fiat_value")
    assert response.fiat_value == "0"


async def test_null_content_leaves_every_value_unset() -> None:
    response, _ = await holdings_value(answer(200, b'{"status": "ok", "content": null}'))

    for name in VALUE_FIELDS:
        assert not response.HasField(name), name
    assert response.result.status == ResultStatus.RESULT_STATUS_OK


async def test_unknown_properties_are_ignored() -> None:
    body = (
        b'{"status": "ok", "newTopLevel": {"x": [1, 2]}, "errorHash": null,'
        b' "content": {"totalValue": 3.25, "stakedValue": 99, "futureThing": "yes"}}'
    )
    response, _ = await holdings_value(answer(200, body))

    assert response.total_value == "3.25"
    assert not response.HasField("fiat_value")


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("12345678901234567890.123456789", "12345678901234567890.123456789"),
        ("0.000000000000000001", "0.000000000000000001"),
        ("1E+2", "100"),
        ("1e2", "100"),
        ("2.5E-3", "0.0025"),
        ("-7.10", "-7.10"),
        ("0.1", "0.1"),
        ("100", "100"),
    ],
)
async def test_numbers_stay_exact(number: str, expected: str) -> None:
    response, _ = await holdings_value(answer(200, ok_content(f'{{"totalValue": {number}}}')))

    assert response.total_value == expected
    assert Decimal(response.total_value) == Decimal(number)


async def test_decimal_strings_are_accepted() -> None:
    response, _ = await holdings_value(
        answer(
            200,
            ok_content(
                '{"totalValue": "186.03", "fiatValue": "20.2", '
                '"equitiesPerformance": "5.3457", "nftsValue": "12345678901234567890.123456789"}'
            ),
        )
    )

    assert response.total_value == "186.03"
    assert response.fiat_value == "20.2"
    assert response.equities_performance == "5.3457"
    assert response.nfts_value == "12345678901234567890.123456789"


@pytest.mark.parametrize(
    "content", ['{"totalValue": "lots"}', '{"totalValue": true}', '{"totalValue": [1]}']
)
async def test_values_that_are_not_numbers_are_a_bad_response(content: str) -> None:
    error, _ = await fail("holdings_value", answer(200, ok_content(content)))

    assert type(error) is UpstreamBadResponse


# Errors ---------------------------------------------------------------------------------------

ENVELOPE_ERRORS: list[tuple[str, type[UpstreamError], type[UpstreamError]]] = [
    # (status, error of holdings value, error of cancel)
    ("badRequest", UpstreamRejectedRequest, UpstreamRejectedRequest),
    ("notFound", UpstreamNotFound, UpstreamNotFound),
    ("conflict", UpstreamFailedPrecondition, UpstreamFailedPrecondition),
    ("locked", UpstreamFailedPrecondition, UpstreamFailedPrecondition),
    ("unavailableForLegalReasons", UpstreamFailedPrecondition, UpstreamFailedPrecondition),
    ("permissionDenied", UpstreamPermissionDenied, UpstreamPermissionDenied),
    ("tooManyRequest", UpstreamRateLimited, UpstreamRateLimited),
    ("serverFailure", UpstreamUnavailable, UpstreamOutcomeUnknown),
]


@pytest.mark.parametrize(("status", "read_kind", "cancel_kind"), ENVELOPE_ERRORS)
@pytest.mark.parametrize("operation", OPERATIONS)
async def test_a_400_envelope_becomes_the_error_of_its_status(
    operation: str,
    status: str,
    read_kind: type[UpstreamError],
    cancel_kind: type[UpstreamError],
) -> None:
    body = envelope_json(
        status,
        message="Something is wrong",
        displayMessage="Please reconnect",
        errorType="missingField",
        errorHash="abc123",
        errorData={"field": "authToken", "limit": 5},
    )

    error, upstream = await fail(operation, answer(400, body))

    expected = read_kind if operation == "holdings_value" else cancel_kind
    assert type(error) is expected
    assert len(upstream.requests) == 1
    assert error.context.provider == "mesh"
    assert error.context.operation == operation
    assert error.context.http_status == 400
    assert error.context.envelope == Envelope(
        status=EnvelopeStatus(status),
        message="Something is wrong",
        display_message="Please reconnect",
        error_type="missingField",
        error_hash="abc123",
        error_data={"field": "authToken", "limit": Decimal(5)},
    )
    assert "Something is wrong" in error.message


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_too_many_request_carries_the_retry_after_seconds(operation: str) -> None:
    error, _ = await fail(
        operation, answer(400, envelope_json("tooManyRequest"), **{"Retry-After": "30"})
    )

    assert isinstance(error, UpstreamRateLimited)
    assert error.retry_after_seconds == 30.0


async def test_too_many_request_without_retry_after_has_no_delay() -> None:
    error, _ = await fail("holdings_value", answer(400, envelope_json("tooManyRequest")))

    assert isinstance(error, UpstreamRateLimited)
    assert error.retry_after_seconds is None


@pytest.mark.parametrize(
    ("status_code", "kind", "envelope_status"),
    [
        (400, UpstreamRejectedRequest, EnvelopeStatus.BAD_REQUEST),
        (404, UpstreamNotFound, EnvelopeStatus.NOT_FOUND),
    ],
)
async def test_cancel_reads_problem_details(
    status_code: int, kind: type[UpstreamError], envelope_status: EnvelopeStatus
) -> None:
    body = json.dumps(
        {
            "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
            "title": "One or more validation errors occurred.",
            "status": status_code,
            "detail": "The order was not found.",
            "instance": "/api/v1/transactions/cancel",
            "traceId": "00-abc-01",
            "errors": {"Id": ["The Id field is required."]},
        }
    ).encode()

    error, upstream = await fail(
        "cancel_order",
        answer(status_code, body, **{"Content-Type": "application/problem+json"}),
    )

    assert type(error) is kind
    assert len(upstream.requests) == 1
    envelope = error.context.envelope
    assert envelope.status is envelope_status
    assert envelope.message == "One or more validation errors occurred. The order was not found."
    assert envelope.error_type == "https://tools.ietf.org/html/rfc7231#section-6.5.1"
    assert envelope.error_data["status"] == status_code
    assert envelope.error_data["errors"] == {"Id": ["The Id field is required."]}
    assert error.context.http_status == status_code


async def test_malformed_problem_details_still_become_a_gateway_error() -> None:
    body = b'{"title": "Bad Request", "status": "four hundred", "detail": ["not", "text"]}'
    upstream = Upstream(answer(400, body))

    with pytest.raises(UpstreamRejectedRequest):
        await upstream.adapter().cancel_order(cancel_request())


@pytest.mark.parametrize(
    ("operation", "kind"),
    [("holdings_value", GatewayCredentialsRejected), ("cancel_order", CredentialsRejected)],
)
async def test_401_with_an_empty_body_rejects_the_credentials(
    operation: str, kind: type[UpstreamError]
) -> None:
    error, upstream = await fail(operation, answer(401))

    assert type(error) is kind
    assert len(upstream.requests) == 1
    assert error.context.http_status == 401


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_403_with_a_non_json_body_is_permission_denied(operation: str) -> None:
    error, upstream = await fail(
        operation, answer(403, b"<html>Forbidden</html>", **{"Content-Type": "text/html"})
    )

    assert type(error) is UpstreamPermissionDenied
    assert len(upstream.requests) == 1
    assert error.context.http_status == 403
    assert error.context.envelope.status is EnvelopeStatus.PERMISSION_DENIED


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_429_is_rate_limited_with_the_retry_after(operation: str) -> None:
    error, upstream = await fail(operation, answer(429, b"", **{"Retry-After": "7"}))

    assert isinstance(error, UpstreamRateLimited)
    assert error.retry_after_seconds == 7.0
    assert len(upstream.requests) == 1


@pytest.mark.parametrize("status_code", [500, 502, 503])
@pytest.mark.parametrize("body", [b"", b"<html><body>Bad Gateway</body></html>"])
@pytest.mark.parametrize(
    ("operation", "kind"),
    [("holdings_value", UpstreamUnavailable), ("cancel_order", UpstreamOutcomeUnknown)],
)
async def test_5xx_is_unavailable_for_reads_and_unknown_outcome_for_cancel(
    operation: str, kind: type[UpstreamError], status_code: int, body: bytes
) -> None:
    error, upstream = await fail(operation, answer(status_code, body))

    assert type(error) is kind
    assert len(upstream.requests) == 1
    assert error.context.http_status == status_code


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    "body", [b"", b"{not json", b"<html></html>", b"[]", b"null", b'"ok"', b"\xff\xfe"]
)
async def test_200_with_a_malformed_body_is_a_bad_response(operation: str, body: bytes) -> None:
    error, upstream = await fail(operation, answer(200, body))

    assert type(error) is UpstreamBadResponse
    assert error.context.http_status == 200
    assert len(upstream.requests) == 1


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_200_with_a_failure_status_is_an_error_not_a_response(operation: str) -> None:
    body = envelope_json("notFound", message="No such order", errorType="orderNotFound")

    error, _ = await fail(operation, answer(200, body))

    assert type(error) is UpstreamNotFound
    assert error.context.http_status == 200
    assert error.context.envelope.error_type == "orderNotFound"


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    "body", [envelope_json("partiallyOk"), b'{"content": null}', b'{"status": null}']
)
async def test_200_without_a_known_status_is_a_bad_response(operation: str, body: bytes) -> None:
    error, _ = await fail(operation, answer(200, body))

    assert type(error) is UpstreamBadResponse


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_a_redirect_is_not_followed(operation: str) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == "elsewhere.test":
            return httpx.Response(200, content=DOCUMENTED_EXAMPLE)
        return httpx.Response(302, headers={"Location": "https://elsewhere.test/steal"})

    error, upstream = await fail(operation, handle)

    assert [request.url.host for request in upstream.requests] == ["mesh.test"]
    assert error.context.http_status == 302


# Transport failures ---------------------------------------------------------------------------


async def test_a_connect_error_on_cancel_is_unavailable_after_exactly_one_attempt() -> None:
    error, upstream = await fail("cancel_order", raising(httpx.ConnectError))

    assert type(error) is UpstreamUnavailable
    assert len(upstream.requests) == 1
    assert isinstance(error.__cause__, httpx.ConnectError)


@pytest.mark.parametrize("exc", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError])
async def test_a_failure_after_sending_a_cancel_is_an_unknown_outcome(
    exc: type[httpx.HTTPError],
) -> None:
    error, upstream = await fail("cancel_order", raising(exc))

    assert type(error) is UpstreamOutcomeUnknown
    assert len(upstream.requests) == 1
    assert error.context.operation == "cancel_order"


@pytest.mark.parametrize(
    "exc", [httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError]
)
async def test_a_transport_failure_on_holdings_value_is_unavailable(
    exc: type[httpx.HTTPError],
) -> None:
    error, upstream = await fail("holdings_value", raising(exc))

    assert type(error) is UpstreamUnavailable
    assert len(upstream.requests) == 1


# Validation -----------------------------------------------------------------------------------


async def invalid(operation: str, request: Any) -> tuple[InvalidRequest, Upstream]:
    upstream = Upstream(answer(200, DOCUMENTED_EXAMPLE))
    with pytest.raises(InvalidRequest) as caught:
        await call(upstream.adapter(), operation, request)
    assert upstream.requests == []
    return caught.value, upstream


def fields(error: InvalidRequest) -> list[str]:
    return [violation.field for violation in error.violations]


@pytest.mark.parametrize(
    ("institution", "auth_token", "field"),
    [
        (Institution.INSTITUTION_UNSPECIFIED, "tok", "connection.mesh.institution"),
        (9999, "tok", "connection.mesh.institution"),
        (Institution.INSTITUTION_ROBINHOOD, "", "connection.mesh.auth_token"),
        (Institution.INSTITUTION_ROBINHOOD, "   \t", "connection.mesh.auth_token"),
    ],
)
async def test_an_invalid_connection_sends_nothing(
    institution: int, auth_token: str, field: str
) -> None:
    for operation, request in (
        ("holdings_value", holdings_value_request(institution=institution, auth_token=auth_token)),
        ("cancel_order", cancel_request(institution=institution, auth_token=auth_token)),
    ):
        error, _ = await invalid(operation, request)
        assert fields(error) == [field], operation


@pytest.mark.parametrize("order_id", ["", "  "])
async def test_cancel_without_an_order_id_sends_nothing(order_id: str) -> None:
    error, _ = await invalid("cancel_order", cancel_request(order_id=order_id))

    assert fields(error) == ["order_id"]


async def test_cancel_at_coinbase_without_a_side_sends_nothing() -> None:
    error, _ = await invalid(
        "cancel_order", cancel_request(institution=Institution.INSTITUTION_COINBASE)
    )

    assert fields(error) == ["side"]


async def test_cancel_with_an_unknown_side_sends_nothing() -> None:
    error, _ = await invalid("cancel_order", cancel_request(side=77))

    assert fields(error) == ["side"]


@pytest.mark.parametrize(
    "institution",
    [
        Institution.INSTITUTION_BINANCE_US,
        Institution.INSTITUTION_BINANCE_INTERNATIONAL,
        Institution.INSTITUTION_OKX,
        Institution.INSTITUTION_BIT_FLYER,
    ],
)
@pytest.mark.parametrize("symbol_pair", ["", "  "])
async def test_cancel_without_a_symbol_pair_where_required_sends_nothing(
    institution: int, symbol_pair: str
) -> None:
    error, _ = await invalid(
        "cancel_order", cancel_request(institution=institution, symbol_pair=symbol_pair)
    )

    assert fields(error) == ["symbol_pair"]


async def test_several_violations_are_reported_together() -> None:
    error, _ = await invalid(
        "cancel_order",
        cancel_request(institution=Institution.INSTITUTION_UNSPECIFIED, auth_token="", order_id=""),
    )

    assert set(fields(error)) == {
        "connection.mesh.institution",
        "connection.mesh.auth_token",
        "order_id",
    }
    for field in fields(error):
        assert field in error.message


async def test_coinbase_without_a_side_and_without_an_order_id_reports_both() -> None:
    error, _ = await invalid(
        "cancel_order",
        cancel_request(institution=Institution.INSTITUTION_COINBASE, order_id="", auth_token=""),
    )

    assert set(fields(error)) == {"connection.mesh.auth_token", "order_id", "side"}


# Configuration --------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_unconfigured_mesh_is_not_configured_and_sends_nothing(operation: str) -> None:
    upstream = Upstream(answer(200, DOCUMENTED_EXAMPLE))
    adapter = upstream.adapter(MeshSettings(base_url=BASE_URL))

    with pytest.raises(ProviderNotConfigured) as caught:
        await call(adapter, operation)

    assert caught.value.provider == "Mesh"
    assert upstream.requests == []


async def test_unconfigured_mesh_still_validates_first() -> None:
    upstream = Upstream(answer(200, DOCUMENTED_EXAMPLE))
    adapter = upstream.adapter(MeshSettings(base_url=BASE_URL))

    with pytest.raises(InvalidRequest):
        await adapter.get_holdings_value(holdings_value_request(auth_token=""))

    assert upstream.requests == []
