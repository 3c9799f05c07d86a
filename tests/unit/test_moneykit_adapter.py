"""The MoneyKit adapter over a mock transport: token, request, parsing and every failure."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from aggregator.v1 import holdings_pb2
from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    GetHoldingsRequest,
    GetHoldingsResponse,
    GetHoldingsValueRequest,
)
from aggregator.v1.connection_pb2 import Connection, MoneyKitLink
from aggregator.v1.result_pb2 import ResultStatus
from service.core.envelope import EnvelopeStatus
from service.core.errors import (
    GatewayCredentialsRejected,
    InvalidRequest,
    ProviderNotConfigured,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamFailedPrecondition,
    UpstreamNotFound,
    UpstreamPermissionDenied,
    UpstreamRateLimited,
    UpstreamRejectedRequest,
    UpstreamUnavailable,
    UserCredentialsRejected,
)
from service.providers.httpx_transport import HttpxTransport
from service.providers.moneykit import PROVIDER as MONEYKIT
from service.providers.moneykit.auth import MoneyKitCredentials, TokenSource
from service.providers.moneykit.client import MoneyKitClient
from service.providers.moneykit.settings import MoneyKitSettings
from service.providers.registry import ProviderAdapter
from service.providers.upstream import UpstreamHttp
from tests.data import SEED_HOLDINGS_EXAMPLE
from tests.unit.builders import MAX_RESPONSE_BYTES, single_attempt_guard

BASE_URL = "https://mk.test"
VERSION = "2023-02-18"
LINK_ID = "mk_eqkWN34UEoa2NxyALG8pcV"
HOLDINGS_PATH = f"/links/{LINK_ID}/investments/holdings"
EPOCH_2023_02_16T09_14_11 = 1676538851

SEED_EXAMPLE = SEED_HOLDINGS_EXAMPLE

SEED_EXAMPLE_WITH_DECIMAL_STRINGS = (
    SEED_EXAMPLE.replace('"quantity": 10,', '"quantity": "10",')
    .replace('"price": 98.12,', '"price": "98.12",')
    .replace('"value": 987.15,', '"value": "987.15",')
    .replace('"cost_basis": 781.38', '"cost_basis": "781.38"')
    .replace('"close_price": 98.12,', '"close_price": "98.12",')
    .replace('"available": 340.12,', '"available": "340.12",')
    .replace('"current": 445.89,', '"current": "445.89",')
    .replace('"limit": 500', '"limit": "500"')
)


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


Reply = Callable[[httpx.Request], Awaitable[httpx.Response] | httpx.Response]


class Upstream:
    """A mock MoneyKit: a token endpoint issuing `tok-1`, `tok-2`, ... and a holdings endpoint."""

    def __init__(
        self,
        holdings: Reply | None = None,
        token: Reply | None = None,
        expires_in: int = 3600,
    ) -> None:
        self.holdings_reply = holdings or reply(200, SEED_EXAMPLE)
        self.token_reply = token
        self.expires_in = expires_in
        self.requests: list[httpx.Request] = []
        self.clock = FakeClock()

    @property
    def token_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == "/auth/token"]

    @property
    def holdings_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != "/auth/token"]

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/auth/token":
            if self.token_reply is not None:
                return await _resolve(self.token_reply(request))
            # Yield to the event loop, as a real network round trip would.
            for _ in range(5):
                await asyncio.sleep(0)
            issued = len(self.token_requests)
            return httpx.Response(
                200,
                json={
                    "access_token": f"tok-{issued}",
                    "token_type": "bearer",
                    "expires_in": self.expires_in,
                },
            )
        return await _resolve(self.holdings_reply(request))

    def adapter(self, configured: bool = True) -> ProviderAdapter:
        http = UpstreamHttp(
            HttpxTransport(httpx.AsyncClient(transport=httpx.MockTransport(self))),
            MAX_RESPONSE_BYTES,
        )
        settings = MoneyKitSettings(base_url=BASE_URL, version=VERSION)
        if configured:
            settings = settings.model_copy(
                update={"client_id": "mkid", "client_secret": SecretStr("mksecret")}
            )
        tokens = TokenSource(
            http,
            BASE_URL,
            MoneyKitCredentials(settings.client_id, settings.client_secret),
            clock=self.clock,
        )
        client = MoneyKitClient(settings, http, single_attempt_guard("moneykit"), tokens)
        return ProviderAdapter(MONEYKIT, client)


async def _resolve(value: Awaitable[httpx.Response] | httpx.Response) -> httpx.Response:
    if isinstance(value, httpx.Response):
        return value
    return await value


def reply(status_code: int, body: str | bytes = b"", **headers: str) -> Reply:
    content = body.encode() if isinstance(body, str) else body

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status_code, content=content, headers=headers)

    return handle


def error_body(code: str, message: str = "", **extra: Any) -> str:
    return json.dumps(
        {
            "error_code": code,
            "error_message": message,
            "documentation_url": "https://docs.moneykit.com/errors",
            **extra,
        }
    )


def request(link_id: str = LINK_ID, *account_ids: str) -> GetHoldingsRequest:
    return GetHoldingsRequest(
        connection=Connection(moneykit=MoneyKitLink(link_id=link_id)), account_ids=account_ids
    )


def holdings_with(**overrides: Any) -> str:
    """The seed example with parts replaced (holdings, securities, accounts, link)."""
    body = json.loads(SEED_EXAMPLE)
    for key, value in overrides.items():
        body[key] = value
    return json.dumps(body)


async def fetch(upstream: Upstream, *args: str) -> GetHoldingsResponse:
    """The response, without the arrival time that dates it when MoneyKit gives none."""
    response = await upstream.adapter().get_holdings(request(*args) if args else request())
    if not response.source.as_of_from_provider:
        response.source.ClearField("as_of")
    return response


async def fail(upstream: Upstream) -> UpstreamError:
    with pytest.raises(UpstreamError) as caught:
        await upstream.adapter().get_holdings(request())
    return caught.value


# Token and request ----------------------------------------------------------------------------


async def test_fetches_a_token_then_gets_the_holdings_with_it() -> None:
    upstream = Upstream()

    await fetch(upstream)

    token_request, holdings_request = upstream.requests
    assert token_request.method == "POST"
    assert str(token_request.url) == f"{BASE_URL}/auth/token"
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(token_request.content.decode(), strict_parsing=True) == {
        "grant_type": ["client_credentials"],
        "client_id": ["mkid"],
        "client_secret": ["mksecret"],
    }
    assert holdings_request.method == "GET"
    assert holdings_request.url.host == "mk.test"
    assert holdings_request.url.raw_path == HOLDINGS_PATH.encode()
    assert holdings_request.headers["Authorization"] == "Bearer tok-1"
    assert holdings_request.headers["moneykit-version"] == VERSION


@pytest.mark.parametrize(
    ("link_id", "segment"),
    [
        ("a/b", b"a%2Fb"),
        ("a?b", b"a%3Fb"),
        ("a#b", b"a%23b"),
        ("a b", b"a%20b"),
        ("100%", b"100%25"),
        ("%2F", b"%252F"),
        ("caf\u00e9-\u94fe\u63a5", b"caf%C3%A9-%E9%93%BE%E6%8E%A5"),
        ("../admin", b"..%2Fadmin"),
        ("a;b=c&d", b"a%3Bb%3Dc%26d"),
    ],
)
async def test_the_link_id_is_percent_encoded_as_one_path_segment(
    link_id: str, segment: bytes
) -> None:
    upstream = Upstream()

    await fetch(upstream, link_id)

    [sent] = upstream.holdings_requests
    assert sent.url.raw_path == b"/links/" + segment + b"/investments/holdings"
    assert sent.url.query == b""


@pytest.mark.parametrize("link_id", ["..", "."])
async def test_a_dot_segment_link_id_stays_inside_links(link_id: str) -> None:
    upstream = Upstream()

    await fetch(upstream, link_id)

    [sent] = upstream.holdings_requests
    segments = sent.url.raw_path.split(b"/")
    assert segments[:2] == [b"", b"links"]
    assert segments[3:] == [b"investments", b"holdings"]


async def test_account_ids_are_repeated_in_the_query() -> None:
    upstream = Upstream()

    await fetch(upstream, LINK_ID, "acc 1", "acc/2", "acc_3")

    [sent] = upstream.holdings_requests
    assert sent.url.params.get_list("account_ids") == ["acc 1", "acc/2", "acc_3"]
    assert list(sent.url.params.keys()) == ["account_ids"]
    assert sent.url.raw_path.startswith(HOLDINGS_PATH.encode() + b"?")


async def test_without_account_ids_there_is_no_account_ids_parameter() -> None:
    upstream = Upstream()

    await fetch(upstream)

    [sent] = upstream.holdings_requests
    assert "account_ids" not in sent.url.params


async def test_one_token_is_reused_across_calls() -> None:
    upstream = Upstream()
    adapter = upstream.adapter()

    for _ in range(5):
        await adapter.get_holdings(request())

    assert len(upstream.token_requests) == 1
    assert [r.headers["Authorization"] for r in upstream.holdings_requests] == ["Bearer tok-1"] * 5


async def test_concurrent_calls_share_one_token_fetch() -> None:
    upstream = Upstream()
    adapter = upstream.adapter()

    responses = await asyncio.gather(*(adapter.get_holdings(request(f"mk_{n}")) for n in range(20)))

    assert len(responses) == 20
    assert len(upstream.token_requests) == 1
    assert len(upstream.holdings_requests) == 20
    assert {r.headers["Authorization"] for r in upstream.holdings_requests} == {"Bearer tok-1"}


async def test_the_token_is_renewed_near_the_end_of_its_lifetime() -> None:
    upstream = Upstream(expires_in=3600)
    adapter = upstream.adapter()
    start = upstream.clock.now

    await adapter.get_holdings(request())
    upstream.clock.now = start + 0.89 * 3600
    await adapter.get_holdings(request())
    assert len(upstream.token_requests) == 1

    upstream.clock.now = start + 0.91 * 3600
    await adapter.get_holdings(request())
    await adapter.get_holdings(request())

    assert len(upstream.token_requests) == 2
    assert [r.headers["Authorization"] for r in upstream.holdings_requests] == [
        "Bearer tok-1",
        "Bearer tok-1",
        "Bearer tok-2",
        "Bearer tok-2",
    ]


async def test_an_expired_token_is_replaced_and_the_get_retried_once() -> None:
    answers = iter(
        [
            reply(401, error_body("api_error.auth.expired_access_token")),
            reply(200, SEED_EXAMPLE),
            reply(200, SEED_EXAMPLE),
        ]
    )
    upstream = Upstream(holdings=lambda r: next(answers)(r))
    adapter = upstream.adapter()

    response = await adapter.get_holdings(request())

    assert response.link.link_id == LINK_ID
    assert len(upstream.holdings_requests) == 2
    assert len(upstream.token_requests) == 2
    assert [r.headers["Authorization"] for r in upstream.holdings_requests] == [
        "Bearer tok-1",
        "Bearer tok-2",
    ]

    await adapter.get_holdings(request())

    assert len(upstream.token_requests) == 2
    assert upstream.holdings_requests[-1].headers["Authorization"] == "Bearer tok-2"


async def test_a_token_expired_twice_is_not_retried_again() -> None:
    upstream = Upstream(holdings=reply(401, error_body("api_error.auth.expired_access_token")))

    error = await fail(upstream)

    assert type(error) is GatewayCredentialsRejected
    assert len(upstream.holdings_requests) == 2
    assert len(upstream.token_requests) == 2


@pytest.mark.parametrize("status_code", [400, 401])
async def test_a_token_endpoint_refusal_rejects_the_gateway_credentials(
    status_code: int,
) -> None:
    upstream = Upstream(
        token=reply(status_code, '{"error": "invalid_client"}'),
    )

    error = await fail(upstream)

    assert type(error) is GatewayCredentialsRejected
    assert error.context.operation == "auth_token"
    assert error.context.http_status == status_code
    assert upstream.holdings_requests == []


async def test_a_token_endpoint_outage_is_unavailable() -> None:
    upstream = Upstream(token=reply(503))

    error = await fail(upstream)

    assert type(error) is UpstreamUnavailable
    assert upstream.holdings_requests == []


@pytest.mark.parametrize(
    "body", ['{"access_token": "", "expires_in": 60}', '{"access_token": "t"}', "not json"]
)
async def test_a_malformed_token_answer_is_a_bad_response(body: str) -> None:
    upstream = Upstream(token=reply(200, body))

    error = await fail(upstream)

    assert type(error) is UpstreamBadResponse
    assert upstream.holdings_requests == []


# Parsing --------------------------------------------------------------------------------------


async def test_the_seed_example_comes_out_exactly() -> None:
    response = await fetch(Upstream())

    [holding] = response.holdings
    assert holding.account_id == "acc_6Tef269B6ZArSVpYrxtjBV"
    assert holding.security_id == "sec_bb6fi893jxdfNxyAjnb784"
    assert holding.quantity == "10"
    assert holding.price == "98.12"
    assert holding.value == "987.15"
    assert holding.cost_basis == "781.38"
    assert holding.price_datetime.seconds == EPOCH_2023_02_16T09_14_11
    assert holding.price_datetime.nanos == 0

    [security] = response.securities
    assert security.security_id == "sec_bb6fi893jxdfNxyAjnb784"
    assert security.name == "Microsoft"
    assert security.type == holdings_pb2.SECURITY_TYPE_EQUITY
    assert security.currency == "USD"
    assert security.ticker == "MSFT"
    assert security.isin == "US5949181045"
    assert security.sedol == "<string>"
    assert security.close_price == "98.12"
    assert security.close_datetime.seconds == EPOCH_2023_02_16T09_14_11
    assert security.close_date == ""

    [account] = response.accounts
    assert account.account_id == "acc_6Tef269B6ZArSVpYrxtjBV"
    assert account.account_type == "depository.checking"
    assert account.name == "Premier Checking"
    assert account.account_mask == "3748"
    assert account.balances.currency == "USD"
    assert account.balances.available == "340.12"
    assert account.balances.current == "445.89"
    assert account.balances.limit == "500"
    assert not account.balances.HasField("balance_date")

    link = response.link
    assert link.link_id == LINK_ID
    assert link.institution_id == "chase"
    assert link.institution_name == "Chase"
    assert link.provider == "mx"
    assert link.state == holdings_pb2.LINK_STATE_CONNECTED
    assert link.error_code == ""
    assert link.last_synced_at.seconds == EPOCH_2023_02_16T09_14_11
    assert list(link.tags) == ["user_type:admin"]
    assert set(link.products) == {"accounts", "identity"}
    assert link.products["accounts"].refreshed_at.seconds == EPOCH_2023_02_16T09_14_11
    assert link.products["accounts"].last_attempted_at.seconds == EPOCH_2023_02_16T09_14_11
    assert not link.products["accounts"].HasField("settings")
    assert link.products["identity"].settings.required is True
    assert link.products["identity"].settings.prefetch is False

    assert response.result.status == ResultStatus.RESULT_STATUS_OK


async def test_decimal_strings_give_the_same_response_as_json_numbers() -> None:
    from_numbers = await fetch(Upstream())
    from_strings = await fetch(Upstream(holdings=reply(200, SEED_EXAMPLE_WITH_DECIMAL_STRINGS)))

    assert from_strings == from_numbers
    assert from_strings.holdings[0].price == "98.12"


@pytest.mark.parametrize(
    "quantity", ["0.123456789012345678", '"0.123456789012345678"', "1234567.000000000000000001"]
)
async def test_an_18_decimal_quantity_stays_exact(quantity: str) -> None:
    holding = '{"account_id": "a", "security_id": "s", "quantity": ' + quantity + ', "price": 1E+3}'
    body = holdings_with(holdings=[]).replace('"holdings": []', f'"holdings": [{holding}]')

    response = await fetch(Upstream(holdings=reply(200, body)))

    expected = quantity.strip('"')
    assert response.holdings[0].quantity == expected
    assert Decimal(response.holdings[0].quantity) == Decimal(expected)
    assert response.holdings[0].price == "1000"


async def test_null_and_absent_amounts_are_unset() -> None:
    body = holdings_with(
        holdings=[
            {
                "account_id": "a",
                "security_id": "s",
                "quantity": 0,
                "price": None,
                "cost_basis": None,
            }
        ]
    )

    response = await fetch(Upstream(holdings=reply(200, body)))

    [holding] = response.holdings
    assert holding.HasField("quantity")
    assert holding.quantity == "0"
    assert not holding.HasField("price")
    assert not holding.HasField("value")
    assert not holding.HasField("cost_basis")
    assert not holding.HasField("price_datetime")


@pytest.mark.parametrize(
    "timestamp",
    [
        "2023-02-16T09:14:11",
        "2023-02-16T09:14:11Z",
        "2023-02-16T09:14:11+00:00",
        "2023-02-16T11:14:11+02:00",
        "2023-02-16T04:14:11-05:00",
    ],
)
async def test_timestamps_without_a_zone_are_utc(timestamp: str) -> None:
    body = holdings_with(
        holdings=[{"account_id": "a", "security_id": "s", "price_datetime": timestamp}]
    )

    response = await fetch(Upstream(holdings=reply(200, body)))

    assert response.holdings[0].price_datetime.seconds == EPOCH_2023_02_16T09_14_11


async def test_close_date_is_a_date_and_close_datetime_a_timestamp() -> None:
    body = holdings_with(
        securities=[
            {"security_id": "by-date", "close_date": "2023-02-16", "close_price": "1.5"},
            {"security_id": "by-datetime", "close_datetime": "2023-02-16T09:14:11"},
        ]
    )

    response = await fetch(Upstream(holdings=reply(200, body)))

    by_date, by_datetime = response.securities
    assert by_date.close_date == "2023-02-16"
    assert not by_date.HasField("close_datetime")
    assert by_date.close_price == "1.5"
    assert by_datetime.close_date == ""
    assert by_datetime.close_datetime.seconds == EPOCH_2023_02_16T09_14_11
    assert not by_datetime.HasField("close_price")


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("cash", holdings_pb2.SECURITY_TYPE_CASH),
        ("crypto", holdings_pb2.SECURITY_TYPE_CRYPTO),
        ("derivative", holdings_pb2.SECURITY_TYPE_DERIVATIVE),
        ("equity", holdings_pb2.SECURITY_TYPE_EQUITY),
        ("etf", holdings_pb2.SECURITY_TYPE_ETF),
        ("bond", holdings_pb2.SECURITY_TYPE_BOND),
        ("loan", holdings_pb2.SECURITY_TYPE_LOAN),
        ("fund", holdings_pb2.SECURITY_TYPE_FUND),
        ("unknown", holdings_pb2.SECURITY_TYPE_UNKNOWN),
        ("spaceship", holdings_pb2.SECURITY_TYPE_UNSPECIFIED),
        (None, holdings_pb2.SECURITY_TYPE_UNSPECIFIED),
    ],
)
async def test_security_types_map(wire: str | None, expected: int) -> None:
    body = holdings_with(securities=[{"security_id": "s", "type": wire}])

    response = await fetch(Upstream(holdings=reply(200, body)))

    assert response.securities[0].type == expected


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("connecting", holdings_pb2.LINK_STATE_CONNECTING),
        ("awaiting_token_exchange", holdings_pb2.LINK_STATE_AWAITING_TOKEN_EXCHANGE),
        ("connected", holdings_pb2.LINK_STATE_CONNECTED),
        ("deleted", holdings_pb2.LINK_STATE_DELETED),
        ("error", holdings_pb2.LINK_STATE_ERROR),
        ("hibernating", holdings_pb2.LINK_STATE_UNSPECIFIED),
    ],
)
async def test_link_states_map(wire: str, expected: int) -> None:
    link = {"link_id": LINK_ID, "state": wire, "error_code": "link_error.x"}

    response = await fetch(Upstream(holdings=reply(200, holdings_with(link=link))))

    assert response.link.state == expected
    assert response.link.error_code == "link_error.x"


async def test_products_map_with_their_settings() -> None:
    link = {
        "link_id": LINK_ID,
        "products": {
            "investments": {
                "refreshed_at": "2023-02-16T09:14:11",
                "settings": {"required": False, "prefetch": True},
            },
            "transactions": None,
        },
    }

    response = await fetch(Upstream(holdings=reply(200, holdings_with(link=link))))

    products = response.link.products
    assert set(products) == {"investments"}
    assert products["investments"].refreshed_at.seconds == EPOCH_2023_02_16T09_14_11
    assert not products["investments"].HasField("last_attempted_at")
    assert products["investments"].settings.required is False
    assert products["investments"].settings.prefetch is True


async def test_unknown_fields_are_ignored_everywhere() -> None:
    body = json.loads(SEED_EXAMPLE)
    body["next_cursor"] = "abc"
    body["holdings"][0]["lot_id"] = "lot-1"
    body["securities"][0]["cusip"] = "594918104"
    body["accounts"][0]["balances"]["pending"] = 3
    body["accounts"][0]["owner"] = {"name": "x"}
    body["link"]["webhook"] = "https://example.test"
    body["link"]["products"]["identity"]["settings"]["frequency"] = "daily"

    response = await fetch(Upstream(holdings=reply(200, json.dumps(body))))

    assert response == await fetch(Upstream())


# Errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status_code", "body", "kind", "envelope_status"),
    [
        (
            400,
            error_body("api_error.request.invalid", "bad account id"),
            UpstreamRejectedRequest,
            EnvelopeStatus.BAD_REQUEST,
        ),
        (
            401,
            error_body("api_error.auth.unauthorized"),
            GatewayCredentialsRejected,
            EnvelopeStatus.PERMISSION_DENIED,
        ),
        (
            401,
            error_body("link_error.unauthorized_access"),
            UserCredentialsRejected,
            EnvelopeStatus.PERMISSION_DENIED,
        ),
        (
            403,
            error_body("link_error.forbidden_action"),
            UpstreamPermissionDenied,
            EnvelopeStatus.PERMISSION_DENIED,
        ),
        (404, error_body("link_error.not_found"), UpstreamNotFound, EnvelopeStatus.NOT_FOUND),
        (410, error_body("link_error.deleted"), UpstreamNotFound, EnvelopeStatus.NOT_FOUND),
        (
            422,
            error_body("link_error.bad_state", link_error_code="auth_expired"),
            UpstreamFailedPrecondition,
            EnvelopeStatus.CONFLICT,
        ),
        (
            429,
            error_body("api_error.rate_limit_exceeded"),
            UpstreamRateLimited,
            EnvelopeStatus.TOO_MANY_REQUEST,
        ),
        (500, error_body("api_error.internal"), UpstreamUnavailable, EnvelopeStatus.SERVER_FAILURE),
        (503, "<html>down</html>", UpstreamUnavailable, EnvelopeStatus.SERVER_FAILURE),
    ],
)
async def test_error_answers_become_their_gateway_errors(
    status_code: int,
    body: str,
    kind: type[UpstreamError],
    envelope_status: EnvelopeStatus,
) -> None:
    upstream = Upstream(holdings=reply(status_code, body))

    error = await fail(upstream)

    assert type(error) is kind
    assert len(upstream.holdings_requests) == 1
    assert len(upstream.token_requests) == 1
    assert error.context.provider == "moneykit"
    assert error.context.operation == "investment_holdings"
    assert error.context.http_status == status_code
    assert error.context.envelope.status is envelope_status
    if body.startswith("{"):
        parsed = json.loads(body)
        assert error.context.envelope.error_type == parsed["error_code"]
        assert error.context.envelope.message == parsed["error_message"]
        assert error.context.envelope.error_data["documentation_url"] == (
            "https://docs.moneykit.com/errors"
        )


async def test_bad_state_keeps_the_link_error_code() -> None:
    upstream = Upstream(
        holdings=reply(
            422,
            error_body(
                "link_error.bad_state", "The link needs attention", link_error_code="auth_expired"
            ),
        )
    )

    error = await fail(upstream)

    assert type(error) is UpstreamFailedPrecondition
    assert error.context.envelope.error_type == "link_error.bad_state"
    assert error.context.envelope.message == "The link needs attention"
    assert error.context.envelope.error_data["link_error_code"] == "auth_expired"


async def test_429_carries_the_retry_after() -> None:
    upstream = Upstream(
        holdings=reply(429, error_body("api_error.rate_limit_exceeded"), **{"Retry-After": "12"})
    )

    error = await fail(upstream)

    assert isinstance(error, UpstreamRateLimited)
    assert error.retry_after_seconds == 12.0


@pytest.mark.parametrize(
    ("status_code", "kind"),
    [
        (400, UpstreamRejectedRequest),
        (401, GatewayCredentialsRejected),
        (403, UpstreamPermissionDenied),
        (404, UpstreamNotFound),
        (410, UpstreamNotFound),
        (422, UpstreamFailedPrecondition),
        (429, UpstreamRateLimited),
        (500, UpstreamUnavailable),
        (502, UpstreamUnavailable),
        (503, UpstreamUnavailable),
    ],
)
@pytest.mark.parametrize("body", [b"", b"null", b"[]", b'{"error_code": 5}', b"\xff"])
async def test_empty_or_odd_error_bodies_map_by_http_status(
    status_code: int, kind: type[UpstreamError], body: bytes
) -> None:
    upstream = Upstream(holdings=reply(status_code, body))

    error = await fail(upstream)

    assert type(error) is kind
    assert error.context.envelope.error_type == ""
    assert error.context.envelope.error_data is None
    assert len(upstream.holdings_requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        "",
        "{not json",
        "[]",
        '{"holdings": []}',
        holdings_with(holdings=[{"account_id": "a", "security_id": "s", "quantity": "many"}]),
        holdings_with(holdings=[{"account_id": "a", "security_id": "s", "price": 1.5e400}]),
        holdings_with(securities=[{"security_id": "s", "close_price": "NaN"}]),
        holdings_with(holdings=[{"account_id": "a", "security_id": "s", "price": True}]),
    ],
)
async def test_a_malformed_200_is_a_bad_response(body: str) -> None:
    upstream = Upstream(holdings=reply(200, body))

    error = await fail(upstream)

    assert type(error) is UpstreamBadResponse
    assert error.context.http_status == 200


@pytest.mark.parametrize("exc", [httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError])
async def test_a_transport_failure_is_unavailable(exc: type[httpx.HTTPError]) -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise exc("simulated", request=request)

    upstream = Upstream(holdings=boom)

    error = await fail(upstream)

    assert type(error) is UpstreamUnavailable
    assert len(upstream.holdings_requests) == 1


# Validation and configuration -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("link_id", "account_ids", "fields"),
    [
        ("", (), ["connection.moneykit.link_id"]),
        ("  ", (), ["connection.moneykit.link_id"]),
        (LINK_ID, ("acc_1", ""), ["account_ids[1]"]),
        (LINK_ID, (" ",), ["account_ids[0]"]),
        ("", ("", "x", ""), ["connection.moneykit.link_id", "account_ids[0]", "account_ids[2]"]),
    ],
)
@pytest.mark.parametrize("configured", [True, False])
async def test_invalid_requests_send_nothing(
    link_id: str, account_ids: tuple[str, ...], fields: list[str], configured: bool
) -> None:
    upstream = Upstream()

    with pytest.raises(InvalidRequest) as caught:
        await upstream.adapter(configured).get_holdings(request(link_id, *account_ids))

    assert [violation.field for violation in caught.value.violations] == fields
    assert upstream.requests == []


async def test_unconfigured_moneykit_is_not_configured_and_sends_nothing() -> None:
    upstream = Upstream()

    with pytest.raises(ProviderNotConfigured) as caught:
        await upstream.adapter(configured=False).get_holdings(request())

    assert caught.value.provider == "MoneyKit"
    assert upstream.requests == []


async def test_moneykit_does_not_offer_mesh_operations() -> None:
    upstream = Upstream()
    adapter = upstream.adapter()

    with pytest.raises(InvalidRequest):
        await adapter.get_holdings_value(GetHoldingsValueRequest())
    with pytest.raises(InvalidRequest):
        await adapter.cancel_order(CancelOrderRequest())

    assert upstream.requests == []
