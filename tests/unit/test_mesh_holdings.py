"""Mesh `POST /api/v1/holdings/get` through the Mesh adapter: request and mapping."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from aggregator.v1 import holdings_pb2
from aggregator.v1.aggregator_service_pb2 import GetHoldingsRequest, GetHoldingsResponse
from aggregator.v1.connection_pb2 import Connection, MeshConnection
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.result_pb2 import ResultStatus
from aggregator.v1.source_pb2 import PROVIDER_MESH
from service.core.envelope import Envelope, EnvelopeStatus
from service.core.errors import (
    GatewayCredentialsRejected,
    InvalidRequest,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamRejectedRequest,
    UpstreamUnavailable,
    UserCredentialsRejected,
)
from service.providers.mesh import PROVIDER as MESH
from service.providers.mesh.settings import MeshSettings
from service.providers.registry import ProviderAdapter
from tests.unit.builders import adapter_over

BASE_URL = "https://mesh.test"
HOLDINGS_URL = f"{BASE_URL}/api/v1/holdings/get"
SETTINGS = MeshSettings(base_url=BASE_URL, client_id="cid", client_secret=SecretStr("csecret"))

# The OpenAPI document's "Trading platform example" of `/api/v1/holdings/get`, verbatim.
TRADING_PLATFORM_EXAMPLE = """{
  "content": {
    "equityPositions": [
      {"symbol": "AAPL", "amount": 3, "costBasis": 109},
      {"symbol": "F", "amount": 27, "costBasis": 7.05791}
    ],
    "cryptocurrencyPositions": [
      {"marketValue": 75.15, "lastPrice": 0.05, "symbol": "DOGE", "amount": 1503,
       "costBasis": 0.033},
      {"symbol": "BTC", "amount": 3.0001672, "costBasis": 18000}
    ],
    "status": "succeeded",
    "errorMessage": "",
    "displayMessage": "",
    "notSupportedEquityPositions": [{"symbol": "CUSIP38259P508", "amount": 1}],
    "notSupportedCryptocurrencyPositions": [],
    "nftPositions": [],
    "optionPositions": [],
    "type": "robinhood",
    "accountId": "5FUVPB0",
    "institutionName": "Robinhood",
    "accountName": "Margin account"
  },
  "status": "ok",
  "message": "",
  "errorHash": "fdad22ed1554b3a30e5251998ff7a38eab09d32e",
  "errorType": ""
}"""

# The OpenAPI document's "Self-custody cryptocurrency wallet example": it carries
# `distribution`, a property the gateway does not read.
SELF_CUSTODY_EXAMPLE = """{
  "content": {
    "equityPositions": [],
    "cryptocurrencyPositions": [
      {"marketValue": 75.15, "lastPrice": 0.05, "symbol": "DOGE", "amount": 1503,
       "costBasis": 0.033,
       "distribution": [
         {"caipNetworkId": "eip155:1",
          "address": "0x1111111111111111111111111111111111111111", "amount": 1500},
         {"caipNetworkId": "eip155:42161",
          "address": "0x1111111111111111111111111111111111111111", "amount": 3}
       ]},
      {"symbol": "BTC", "amount": 3.0001672, "costBasis": 18000,
       "distribution": [
         {"caipNetworkId": "bip122:000000000019d6689c085ae165831e93",
          "address": "bc1q5cyxnuxmeuwuvkwfem96lxyepd5t0gd5nqf6h4", "amount": 1},
         {"caipNetworkId": "bip122:000000000019d6689c085ae165831e93",
          "address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf7du0", "amount": 1},
         {"caipNetworkId": "bip122:000000000019d6689c085ae165831e93",
          "address": "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh", "amount": 1.0001672}
       ]}
    ],
    "status": "succeeded",
    "errorMessage": "",
    "displayMessage": "",
    "notSupportedEquityPositions": [],
    "notSupportedCryptocurrencyPositions": [],
    "nftPositions": [],
    "optionPositions": [],
    "type": "deFiWallet",
    "accountId": "8c02d545753b596075ecbc20e2b7d3fb5b380c52",
    "institutionName": "DeFiWallet",
    "accountName": "MetaMask wallet"
  },
  "status": "ok",
  "message": "",
  "errorHash": "fdad22ed1554b3a30e5251998ff7a38eab09d32e",
  "errorType": ""
}"""

NFT_POSITION = {
    "amount": 2,
    "costBasis": 0.5,
    "contractAddress": "0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d",
    "name": "Bored Ape #42",
    "description": "An ape",
    "marketplaceId": "opensea-1",
    "tokenId": "42",
    "marketplacePermalink": "https://opensea.io/assets/42",
    "addressType": "ethAddress",
}

OPTION_POSITION = {
    "symbol": "AAPL",
    "amount": 2,
    "averageOpenPrice": 1.25,
    "direction": "buyToOpen",
    "createdTimestamp": 1690000000,
    "updatedTimestamp": 1690000001,
    "numberOfSharesInContract": 100,
    "optionType": "call",
    "expirationTimestamp": 1700000000,
    "strikePrice": 150.5,
}


def example_with(**content: Any) -> str:
    """The trading platform example with properties of its `content` replaced."""
    body = json.loads(TRADING_PLATFORM_EXAMPLE)
    body["content"].update(content)
    return json.dumps(body)


WITH_NFT_AND_OPTION = example_with(nftPositions=[NFT_POSITION], optionPositions=[OPTION_POSITION])

Handler = Callable[[httpx.Request], httpx.Response]


class Upstream:
    """A mock Mesh: records every request and answers with `handler`."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def adapter(self) -> ProviderAdapter:
        return adapter_over(MESH, SETTINGS, httpx.MockTransport(self))


def answer(status_code: int, body: str | bytes = b"") -> Handler:
    content = body.encode() if isinstance(body, str) else body

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status_code, content=content)

    return handle


def request(
    institution: int = Institution.INSTITUTION_ROBINHOOD, auth_token: str = "tok"
) -> GetHoldingsRequest:
    return GetHoldingsRequest(
        connection=Connection(
            mesh=MeshConnection(institution=institution, auth_token=auth_token)  # type: ignore[arg-type]
        )
    )


async def holdings(body: str) -> GetHoldingsResponse:
    return await Upstream(answer(200, body)).adapter().get_holdings(request())


async def fail(handler: Handler) -> tuple[UpstreamError, Upstream]:
    upstream = Upstream(handler)
    with pytest.raises(UpstreamError) as caught:
        await upstream.adapter().get_holdings(request())
    return caught.value, upstream


def by_id(response: GetHoldingsResponse) -> dict[str, holdings_pb2.Holding]:
    return {holding.security_id: holding for holding in response.holdings}


def securities(response: GetHoldingsResponse) -> dict[str, holdings_pb2.Security]:
    return {security.security_id: security for security in response.securities}


def optional(message: Any, name: str) -> str | None:
    """An optional string field, None when unset."""
    return str(getattr(message, name)) if message.HasField(name) else None


# The request ----------------------------------------------------------------------------------


async def test_posts_the_documented_request_with_include_market_value() -> None:
    upstream = Upstream(answer(200, TRADING_PLATFORM_EXAMPLE))

    await upstream.adapter().get_holdings(request(auth_token="user-token"))

    [sent] = upstream.requests
    assert sent.method == "POST"
    assert str(sent.url) == HOLDINGS_URL
    assert sent.headers["X-Client-Id"] == "cid"
    assert sent.headers["X-Client-Secret"] == "csecret"
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.content) == {
        "authToken": "user-token",
        "type": "robinhood",
        "includeMarketValue": True,
    }


@pytest.mark.parametrize(
    ("institution", "wire_name"),
    [
        (Institution.INSTITUTION_OPEN_SEA, "openSea"),
        (Institution.INSTITUTION_DE_FI_WALLET, "deFiWallet"),
        (Institution.INSTITUTION_OKX_OAUTH, "okxOAuth"),
    ],
)
async def test_the_type_is_the_wire_name_of_the_institution(
    institution: int, wire_name: str
) -> None:
    upstream = Upstream(answer(200, TRADING_PLATFORM_EXAMPLE))

    await upstream.adapter().get_holdings(request(institution=institution))

    [sent] = upstream.requests
    assert json.loads(sent.content)["type"] == wire_name


@pytest.mark.parametrize(
    ("institution", "auth_token", "field"),
    [
        (Institution.INSTITUTION_UNSPECIFIED, "tok", "connection.mesh.institution"),
        (Institution.INSTITUTION_ROBINHOOD, "", "connection.mesh.auth_token"),
    ],
)
async def test_an_invalid_connection_sends_nothing(
    institution: int, auth_token: str, field: str
) -> None:
    upstream = Upstream(answer(200, TRADING_PLATFORM_EXAMPLE))

    with pytest.raises(InvalidRequest) as caught:
        await upstream.adapter().get_holdings(request(institution, auth_token))

    assert [violation.field for violation in caught.value.violations] == [field]
    assert upstream.requests == []


async def test_concurrent_identical_reads_share_one_request() -> None:
    requests: list[httpx.Request] = []

    async def in_flight_for_a_while(request: httpx.Request) -> httpx.Response:
        # The first read is still waiting for its answer when the second one starts.
        requests.append(request)
        for _ in range(5):
            await asyncio.sleep(0)
        return httpx.Response(200, content=TRADING_PLATFORM_EXAMPLE.encode())

    adapter = adapter_over(MESH, SETTINGS, httpx.MockTransport(in_flight_for_a_while))

    first, second = await asyncio.gather(
        adapter.get_holdings(request()), adapter.get_holdings(request())
    )

    assert len(requests) == 1
    assert first.holdings == second.holdings


# The trading platform example -----------------------------------------------------------------


async def test_each_position_of_the_example_is_one_holding() -> None:
    response = await holdings(TRADING_PLATFORM_EXAMPLE)

    assert sorted(holding.security_id for holding in response.holdings) == sorted(
        [
            "mesh:equity:AAPL",
            "mesh:equity:F",
            "mesh:crypto:DOGE",
            "mesh:crypto:BTC",
            "mesh:unrecognised-equity:CUSIP38259P508",
        ]
    )
    assert {holding.account_id for holding in response.holdings} == {"5FUVPB0"}
    assert set(securities(response)) == set(by_id(response))


@pytest.mark.parametrize(
    ("security_id", "security_type", "ticker"),
    [
        ("mesh:equity:AAPL", holdings_pb2.SECURITY_TYPE_EQUITY, "AAPL"),
        ("mesh:equity:F", holdings_pb2.SECURITY_TYPE_EQUITY, "F"),
        ("mesh:crypto:DOGE", holdings_pb2.SECURITY_TYPE_CRYPTO, "DOGE"),
        ("mesh:crypto:BTC", holdings_pb2.SECURITY_TYPE_CRYPTO, "BTC"),
        (
            "mesh:unrecognised-equity:CUSIP38259P508",
            holdings_pb2.SECURITY_TYPE_UNKNOWN,
            "CUSIP38259P508",
        ),
    ],
)
async def test_securities_of_the_example_have_type_ticker_and_usd(
    security_id: str, security_type: int, ticker: str
) -> None:
    response = await holdings(TRADING_PLATFORM_EXAMPLE)

    security = securities(response)[security_id]
    assert security.type == security_type
    assert security.ticker == ticker
    assert security.currency == "USD"
    # The example gives no names: the symbol stands in.
    assert security.name == ticker


@pytest.mark.parametrize(
    ("security_id", "quantity", "price", "value", "cost_basis"),
    [
        # cost basis = amount x per-unit costBasis, exactly
        ("mesh:equity:AAPL", "3", None, None, "327"),
        ("mesh:equity:F", "27", None, None, "190.56357"),
        ("mesh:crypto:DOGE", "1503", "0.05", "75.15", "49.599"),
        ("mesh:crypto:BTC", "3.0001672", None, None, "54003.0096000"),
        ("mesh:unrecognised-equity:CUSIP38259P508", "1", None, None, None),
    ],
)
async def test_amounts_of_the_example_are_exact_strings(
    security_id: str,
    quantity: str,
    price: str | None,
    value: str | None,
    cost_basis: str | None,
) -> None:
    response = await holdings(TRADING_PLATFORM_EXAMPLE)

    holding = by_id(response)[security_id]
    assert optional(holding, "quantity") == quantity
    assert optional(holding, "price") == price
    assert optional(holding, "value") == value
    assert optional(holding, "cost_basis") == cost_basis
    assert optional(securities(response)[security_id], "close_price") == price


async def test_cost_basis_is_amount_times_the_per_unit_cost_basis() -> None:
    response = await holdings(TRADING_PLATFORM_EXAMPLE)

    btc = by_id(response)["mesh:crypto:BTC"]
    assert Decimal(btc.cost_basis) == Decimal("3.0001672") * Decimal("18000")
    assert Decimal(by_id(response)["mesh:equity:AAPL"].cost_basis) == 3 * 109


async def test_a_null_cost_basis_leaves_the_cost_basis_unset() -> None:
    body = example_with(
        equityPositions=[{"symbol": "AAPL", "amount": 3, "costBasis": None, "lastPrice": 190}]
    )

    response = await holdings(body)

    aapl = by_id(response)["mesh:equity:AAPL"]
    assert not aapl.HasField("cost_basis")
    assert aapl.price == "190"


async def test_the_account_comes_from_account_id_and_name() -> None:
    response = await holdings(TRADING_PLATFORM_EXAMPLE)

    assert list(response.accounts) == [
        holdings_pb2.Account(account_id="5FUVPB0", name="Margin account")
    ]


async def test_the_link_names_the_institution_and_mesh() -> None:
    response = await holdings(TRADING_PLATFORM_EXAMPLE)

    assert response.link.institution_id == "robinhood"
    assert response.link.institution_name == "Robinhood"
    assert response.link.provider == "mesh"
    assert response.link.state == holdings_pb2.LINK_STATE_CONNECTED


async def test_the_source_is_mesh_not_computed_dated_on_arrival() -> None:
    before = datetime.now(UTC)
    response = await holdings(TRADING_PLATFORM_EXAMPLE)
    after = datetime.now(UTC)

    assert response.source.provider == PROVIDER_MESH
    assert response.source.computed_by_gateway is False
    assert response.source.as_of_from_provider is False
    assert response.source.HasField("as_of")
    assert before <= response.source.as_of.ToDatetime(tzinfo=UTC) <= after


async def test_the_ok_envelope_is_passed_on() -> None:
    response = await holdings(TRADING_PLATFORM_EXAMPLE)

    assert response.result.status == ResultStatus.RESULT_STATUS_OK
    assert response.result.error_hash == "fdad22ed1554b3a30e5251998ff7a38eab09d32e"


# NFTs and options -------------------------------------------------------------------------------

NFT_ID = "mesh:nft:0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d:42"
OPTION_ID = "mesh:option:AAPL:call:150.5:1700000000"


async def test_nft_and_option_positions_are_holdings_too() -> None:
    response = await holdings(WITH_NFT_AND_OPTION)

    assert len(response.holdings) == 7
    assert NFT_ID in by_id(response)
    assert OPTION_ID in by_id(response)


async def test_an_nft_is_an_nft_security_with_its_cost_basis() -> None:
    response = await holdings(WITH_NFT_AND_OPTION)

    security = securities(response)[NFT_ID]
    assert security.type == holdings_pb2.SECURITY_TYPE_NFT
    assert security.name == "Bored Ape #42"
    assert security.currency == "USD"
    holding = by_id(response)[NFT_ID]
    assert holding.account_id == "5FUVPB0"
    assert holding.quantity == "2"
    assert holding.cost_basis == "1.0"
    assert not holding.HasField("value")
    assert not holding.HasField("price")


async def test_an_option_is_a_derivative_named_by_symbol_type_strike_and_expiry() -> None:
    response = await holdings(WITH_NFT_AND_OPTION)

    security = securities(response)[OPTION_ID]
    assert security.type == holdings_pb2.SECURITY_TYPE_DERIVATIVE
    assert security.ticker == "AAPL"
    assert security.name == "AAPL call 150.5"
    assert security.currency == "USD"
    holding = by_id(response)[OPTION_ID]
    assert holding.quantity == "2"
    assert holding.cost_basis == "2.50"


async def test_options_on_the_same_symbol_with_other_strikes_are_other_securities() -> None:
    put = {**OPTION_POSITION, "optionType": "put"}
    other_strike = {**OPTION_POSITION, "strikePrice": 155}
    body = example_with(optionPositions=[OPTION_POSITION, put, other_strike])

    response = await holdings(body)

    assert {
        holding.security_id
        for holding in response.holdings
        if holding.security_id.startswith("mesh:option:")
    } == {
        OPTION_ID,
        "mesh:option:AAPL:put:150.5:1700000000",
        "mesh:option:AAPL:call:155:1700000000",
    }


async def test_an_unrecognised_cryptocurrency_is_an_unknown_security() -> None:
    body = example_with(notSupportedCryptocurrencyPositions=[{"symbol": "XYZ", "amount": 4}])

    response = await holdings(body)

    security = securities(response)["mesh:unrecognised-crypto:XYZ"]
    assert security.type == holdings_pb2.SECURITY_TYPE_UNKNOWN
    assert by_id(response)["mesh:unrecognised-crypto:XYZ"].quantity == "4"


# Tolerance ------------------------------------------------------------------------------------


async def test_null_position_lists_are_empty() -> None:
    body = example_with(
        equityPositions=None,
        cryptocurrencyPositions=None,
        notSupportedEquityPositions=None,
        notSupportedCryptocurrencyPositions=None,
        nftPositions=None,
        optionPositions=None,
    )

    response = await holdings(body)

    assert list(response.holdings) == []
    assert list(response.securities) == []
    assert [account.account_id for account in response.accounts] == ["5FUVPB0"]
    assert response.link.institution_id == "robinhood"


async def test_absent_position_lists_are_empty() -> None:
    response = await holdings(json.dumps({"status": "ok", "content": {"status": "succeeded"}}))

    assert list(response.holdings) == []


async def test_unknown_properties_are_ignored() -> None:
    body = json.loads(SELF_CUSTODY_EXAMPLE)
    body["newEnvelopeProperty"] = {"nested": [1, 2]}
    body["content"]["newContentProperty"] = "x"
    body["content"]["cryptocurrencyPositions"][0]["newPositionProperty"] = True

    response = await holdings(json.dumps(body))

    assert {h.security_id: h.quantity for h in response.holdings} == {
        "mesh:crypto:DOGE": "1503",
        "mesh:crypto:BTC": "3.0001672",
    }
    assert response.link.institution_id == "deFiWallet"
    assert response.accounts[0].name == "MetaMask wallet"


async def test_a_malformed_amount_is_a_bad_response() -> None:
    body = example_with(equityPositions=[{"symbol": "AAPL", "amount": "three"}])

    error, _ = await fail(answer(200, body))

    assert type(error) is UpstreamBadResponse


# The institution's status ---------------------------------------------------------------------


def institution_status(status: str) -> str:
    return json.dumps(
        {
            "status": "ok",
            "message": "",
            "errorHash": "h1",
            "content": {
                "status": status,
                "errorMessage": "The institution timed out",
                "displayMessage": "Robinhood is not answering; try again later",
                "equityPositions": None,
                "cryptocurrencyPositions": None,
                "type": "robinhood",
            },
        }
    )


@pytest.mark.parametrize(
    ("status", "kind"),
    [("failed", UpstreamUnavailable), ("notAuthorized", UserCredentialsRejected)],
)
async def test_an_institution_that_did_not_answer_is_an_error(
    status: str, kind: type[UpstreamError]
) -> None:
    error, upstream = await fail(answer(200, institution_status(status)))

    assert type(error) is kind
    assert len(upstream.requests) == 1
    assert error.context.provider == "mesh"
    assert error.context.operation == "holdings"
    assert error.context.http_status == 200
    assert error.context.envelope == Envelope(
        status=EnvelopeStatus.OK,
        message="The institution timed out",
        display_message="Robinhood is not answering; try again later",
        error_type=f"institution.{status}",
        error_hash="h1",
    )


# Envelope errors ------------------------------------------------------------------------------


async def test_a_400_bad_request_envelope_is_a_rejected_request() -> None:
    documented = json.dumps(
        {
            "status": "badRequest",
            "message": "Error message",
            "displayMessage": "Optional display message",
            "errorHash": "7dcbb73da80e0e072abdb7eacf844bf42e417afc",
            "errorType": "missingField",
        }
    )

    error, upstream = await fail(answer(400, documented))

    assert type(error) is UpstreamRejectedRequest
    assert len(upstream.requests) == 1
    assert error.context.operation == "holdings"
    assert error.context.http_status == 400
    assert error.context.envelope.status is EnvelopeStatus.BAD_REQUEST
    assert error.context.envelope.error_type == "missingField"
    assert error.context.envelope.display_message == "Optional display message"
    assert "Error message" in error.message


async def test_a_401_rejects_the_gateway_credentials() -> None:
    error, _ = await fail(answer(401))

    assert type(error) is GatewayCredentialsRejected
    assert error.context.http_status == 401
    assert error.context.operation == "holdings"


async def test_an_ok_http_status_with_a_failure_envelope_is_an_error() -> None:
    error, _ = await fail(answer(200, json.dumps({"status": "serverFailure", "content": None})))

    assert type(error) is UpstreamUnavailable
