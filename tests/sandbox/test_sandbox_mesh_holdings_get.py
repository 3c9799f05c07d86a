"""POST /api/v1/holdings/get on the Mesh sandbox, over real HTTP."""

import json
import re
from decimal import Decimal
from typing import Any

import httpx
import pytest

from service.sandbox import SandboxUpstreams
from service.sandbox.mesh import triggers

PATH = "/api/v1/holdings/get"
ENVELOPE_KEYS = {"status", "message", "displayMessage", "errorType", "errorHash", "errorData"}
HOLDINGS_KEYS = {
    "status",
    "errorMessage",
    "displayMessage",
    "equityPositions",
    "cryptocurrencyPositions",
    "notSupportedEquityPositions",
    "notSupportedCryptocurrencyPositions",
    "nftPositions",
    "optionPositions",
    "type",
    "accountId",
    "institutionName",
    "accountName",
}
POSITION_LISTS = {
    "equityPositions",
    "cryptocurrencyPositions",
    "notSupportedEquityPositions",
    "notSupportedCryptocurrencyPositions",
    "nftPositions",
    "optionPositions",
}


def exact(response: httpx.Response) -> Any:
    return json.loads(response.content, parse_float=Decimal)


def body(token: str = "user-token", **changes: Any) -> dict[str, Any]:
    return {"authToken": token, "type": "robinhood", **changes}


def content_of(mesh: httpx.Client, **changes: Any) -> dict[str, Any]:
    response = mesh.post(PATH, json=body(**changes))
    assert response.status_code == 200
    answer = exact(response)
    assert answer.keys() == {*ENVELOPE_KEYS, "content"}
    assert (answer["status"], answer["errorType"]) == ("ok", "")
    content: dict[str, Any] = answer["content"]
    return content


def valued_positions(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [*content["equityPositions"], *content["cryptocurrencyPositions"]]


def assert_bad_request(response: httpx.Response, error_type: str) -> dict[str, Any]:
    assert response.status_code == 400
    answer: dict[str, Any] = response.json()
    assert answer.keys() == ENVELOPE_KEYS
    assert (answer["status"], answer["errorType"]) == ("badRequest", error_type)
    assert re.fullmatch(r"[0-9a-f]{40}", answer["errorHash"])
    return answer


class TestSuccess:
    def test_robinhood_gets_the_trading_platform_example_with_market_values(
        self, mesh: httpx.Client
    ) -> None:
        content = content_of(mesh)

        assert content.keys() == HOLDINGS_KEYS
        assert (content["status"], content["errorMessage"], content["displayMessage"]) == (
            "succeeded",
            "",
            "",
        )
        assert (content["type"], content["institutionName"]) == ("robinhood", "Robinhood")
        assert (content["accountId"], content["accountName"]) == ("5FUVPB0", "Margin account")
        assert [(p["symbol"], p["amount"], p["costBasis"]) for p in content["equityPositions"]] == [
            ("AAPL", 3, 109),
            ("F", 27, Decimal("7.05791")),
        ]
        assert [
            (p["symbol"], p["amount"], p["costBasis"]) for p in content["cryptocurrencyPositions"]
        ] == [("DOGE", 1503, Decimal("0.033")), ("BTC", Decimal("3.0001672"), 18000)]
        assert content["notSupportedEquityPositions"] == [{"symbol": "CUSIP38259P508", "amount": 1}]
        assert content["nftPositions"] == content["optionPositions"] == []

    @pytest.mark.parametrize("institution", ["robinhood", "coinbase", "deFiWallet", "kraken"])
    def test_every_valued_position_has_a_consistent_market_value_and_last_price(
        self, mesh: httpx.Client, institution: str
    ) -> None:
        positions = valued_positions(content_of(mesh, type=institution))

        assert positions
        for position in positions:
            expected = (position["amount"] * position["lastPrice"]).quantize(Decimal("0.01"))
            assert position["marketValue"] == expected, position["symbol"]

    def test_amounts_are_written_exactly(self, mesh: httpx.Client) -> None:
        response = mesh.post(PATH, json=body())

        assert b'"costBasis":7.05791' in response.content
        assert b'"amount":3.0001672' in response.content
        assert b'"lastPrice":0.05' in response.content
        assert b'"marketValue":75.15' in response.content
        assert b'"costBasis":0.033' in response.content

    @pytest.mark.parametrize("include", [True, False], ids=["true", "false"])
    def test_market_values_come_whatever_include_market_value_says(
        self, mesh: httpx.Client, include: bool
    ) -> None:
        assert content_of(mesh, includeMarketValue=include) == content_of(mesh)

    def test_coinbase_holds_crypto_only_with_one_18_decimal_amount(
        self, mesh: httpx.Client
    ) -> None:
        response = mesh.post(PATH, json=body(type="coinbase"))

        content = exact(response)["content"]
        assert content["equityPositions"] == []
        assert content["cryptocurrencyPositions"]
        assert all(position["name"] for position in content["cryptocurrencyPositions"])
        eighteen = [
            position
            for position in content["cryptocurrencyPositions"]
            if position["amount"].as_tuple().exponent == -18
        ]
        assert [position["symbol"] for position in eighteen] == ["ETH"]
        assert b'"amount":8.123456789012345678' in response.content

    def test_defi_wallet_gets_the_self_custody_example_with_its_distribution(
        self, mesh: httpx.Client
    ) -> None:
        content = content_of(mesh, type="deFiWallet")

        assert (content["type"], content["institutionName"], content["accountName"]) == (
            "deFiWallet",
            "DeFiWallet",
            "MetaMask wallet",
        )
        assert content["equityPositions"] == []
        for position in content["cryptocurrencyPositions"]:
            distribution = position["distribution"]
            assert all(
                part.keys() == {"caipNetworkId", "address", "amount"} for part in distribution
            )
            assert sum(part["amount"] for part in distribution) == position["amount"]
        networks = {
            part["caipNetworkId"]
            for position in content["cryptocurrencyPositions"]
            for part in position["distribution"]
        }
        assert networks == {"eip155:1", "eip155:42161", "bip122:000000000019d6689c085ae165831e93"}

    def test_open_sea_holds_one_nft_and_nothing_else(self, mesh: httpx.Client) -> None:
        content = content_of(mesh, type="openSea")

        [nft] = content["nftPositions"]
        assert nft["amount"] == 1
        assert nft["addressType"] == "ethAddress"
        assert nft["marketplacePermalink"].endswith(f"{nft['contractAddress']}/{nft['tokenId']}")
        assert all(content[name] == [] for name in POSITION_LISTS - {"nftPositions"})

    @pytest.mark.parametrize(
        ("institution", "name"),
        [
            ("kraken", "Kraken"),
            ("binanceUs", "BinanceUs"),
            ("bybitDirectMobile", "BybitDirectMobile"),
        ],
    )
    def test_another_supported_institution_gets_the_robinhood_data_as_its_own(
        self, mesh: httpx.Client, institution: str, name: str
    ) -> None:
        content = content_of(mesh, type=institution)

        assert (content["type"], content["institutionName"]) == (institution, name)
        robinhood = content_of(mesh)
        for key in HOLDINGS_KEYS - {"type", "institutionName"}:
            assert content[key] == robinhood[key]


class TestRefused:
    @pytest.mark.parametrize(
        "headers",
        [
            pytest.param({}, id="none"),
            pytest.param({"X-Client-Id": "{id}", "X-Client-Secret": "wrong"}, id="wrong-secret"),
            pytest.param({"X-Client-Id": "wrong", "X-Client-Secret": "{secret}"}, id="wrong-id"),
        ],
    )
    def test_wrong_client_credentials_get_401_with_an_empty_body(
        self, sandbox: SandboxUpstreams, headers: dict[str, str]
    ) -> None:
        filled = {
            name: value.format(id=sandbox.mesh.client_id, secret=sandbox.mesh.client_secret)
            for name, value in headers.items()
        }
        response = httpx.post(sandbox.mesh.url + PATH, json=body(), headers=filled)

        assert response.status_code == 401
        assert response.content == b""

    @pytest.mark.parametrize(
        ("sent", "error_type", "field"),
        [
            pytest.param(body(accountId="a"), "invalidField", "accountId", id="extra-property"),
            pytest.param(
                body(includeMarketValue="true"), "invalidField", "includeMarketValue", id="string"
            ),
            pytest.param(
                body(includeMarketValue=1), "invalidField", "includeMarketValue", id="number"
            ),
            pytest.param(
                body(includeMarketValue=None), "invalidField", "includeMarketValue", id="null"
            ),
            pytest.param({"type": "robinhood"}, "missingField", "authToken", id="missing-token"),
            pytest.param({"authToken": "t"}, "missingField", "type", id="missing-type"),
            pytest.param(body(""), "invalidField", "authToken", id="empty-token"),
            pytest.param(body(type="Robinhood"), "invalidField", "type", id="bad-enum"),
            pytest.param(body(7), "invalidField", "authToken", id="number-token"),
            pytest.param(["robinhood"], "invalidField", "", id="array"),
        ],
    )
    def test_a_body_outside_the_schema_gets_400_bad_request(
        self, mesh: httpx.Client, sent: object, error_type: str, field: str
    ) -> None:
        response = mesh.post(PATH, json=sent)

        assert field in assert_bad_request(response, error_type)["message"]

    @pytest.mark.parametrize(
        "institution",
        ["interactiveBrokers", "eTrade", "alpaca", "vanguard", "tdAmeritrade", "cryptoComPay"],
    )
    def test_an_institution_the_endpoint_does_not_support_gets_not_supported(
        self, mesh: httpx.Client, institution: str
    ) -> None:
        response = mesh.post(PATH, json=body(type=institution))

        assert institution in assert_bad_request(response, "notSupported")["message"]

    def test_triggers_are_looked_at_only_after_the_schema(self, mesh: httpx.Client) -> None:
        response = mesh.post(PATH, json=body(triggers.MESH_HOLDINGS_FAILED, extra=True))

        assert_bad_request(response, "invalidField")

    def test_triggers_are_looked_at_only_after_the_institution_is_supported(
        self, mesh: httpx.Client
    ) -> None:
        response = mesh.post(PATH, json=body(triggers.MESH_UNAVAILABLE, type="interactiveBrokers"))

        assert_bad_request(response, "notSupported")


class TestContentStatusTriggers:
    @pytest.mark.parametrize(
        ("token", "status"),
        [
            (triggers.MESH_HOLDINGS_FAILED, "failed"),
            (triggers.MESH_HOLDINGS_NOT_AUTHORIZED, "notAuthorized"),
        ],
    )
    @pytest.mark.parametrize("institution", ["robinhood", "coinbase", "openSea"])
    def test_the_envelope_is_ok_and_the_content_says_what_failed(
        self, mesh: httpx.Client, token: str, status: str, institution: str
    ) -> None:
        content = content_of(mesh, token=token, type=institution)

        assert content.keys() == HOLDINGS_KEYS
        assert content["status"] == status
        assert content["errorMessage"]
        assert content["displayMessage"]
        assert all(content[name] == [] for name in POSITION_LISTS)
        assert content["type"] == institution
        assert content["accountId"] is None

    def test_failed_and_not_authorized_say_different_things(self, mesh: httpx.Client) -> None:
        failed = content_of(mesh, token=triggers.MESH_HOLDINGS_FAILED)
        refused = content_of(mesh, token=triggers.MESH_HOLDINGS_NOT_AUTHORIZED)

        assert failed["displayMessage"] != refused["displayMessage"]
        assert "reconnect" in refused["displayMessage"]

    @pytest.mark.parametrize(
        "token", [triggers.MESH_HOLDINGS_FAILED, triggers.MESH_HOLDINGS_NOT_AUTHORIZED]
    )
    def test_the_other_endpoints_treat_them_as_ordinary_tokens(
        self, mesh: httpx.Client, token: str
    ) -> None:
        value = mesh.post("/api/v1/holdings/value", json=body(token))
        cancel = mesh.post(
            "/api/v1/transactions/cancel", json=body(token, id="ord-1", isCryptocurrency=False)
        )

        assert value.status_code == cancel.status_code == 200
        assert exact(value)["content"]["totalValue"] == Decimal("186.03")
        assert cancel.json()["status"] == "ok"


class TestEnvelopeTriggers:
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
    def test_the_same_envelopes_as_holdings_value(
        self, mesh: httpx.Client, token: str, http_status: int, status: str, error_type: str
    ) -> None:
        response = mesh.post(PATH, json=body(token))
        value = mesh.post("/api/v1/holdings/value", json=body(token))

        assert response.status_code == http_status
        answer = response.json()
        assert answer.keys() == ENVELOPE_KEYS
        assert (answer["status"], answer["errorType"]) == (status, error_type)
        assert answer == value.json()
        assert response.headers.get("retry-after") == value.headers.get("retry-after")

    @pytest.mark.parametrize(
        ("token", "http_status"),
        [(triggers.MESH_UNAUTHORIZED, 401), (triggers.MESH_UNAVAILABLE, 503)],
    )
    def test_empty_body_triggers(self, mesh: httpx.Client, token: str, http_status: int) -> None:
        response = mesh.post(PATH, json=body(token))

        assert response.status_code == http_status
        assert response.content == b""

    def test_the_permission_denied_trigger_answers_403_in_plain_text(
        self, mesh: httpx.Client
    ) -> None:
        response = mesh.post(PATH, json=body(triggers.MESH_PERMISSION_DENIED))

        assert response.status_code == 403
        assert (response.headers["content-type"], response.content) == ("text/plain", b"Forbidden")

    def test_the_envelope_failure_trigger_answers_200_with_null_content(
        self, mesh: httpx.Client
    ) -> None:
        response = mesh.post(PATH, json=body(triggers.MESH_ENVELOPE_FAILURE))

        assert response.status_code == 200
        answer = response.json()
        assert (answer["status"], answer["errorType"], answer["content"]) == (
            "serverFailure",
            "brokerError",
            None,
        )

    def test_the_malformed_trigger_answers_truncated_json(self, mesh: httpx.Client) -> None:
        response = mesh.post(PATH, json=body(triggers.MESH_MALFORMED))

        assert response.status_code == 200
        assert response.content == b'{"status": "ok", "content": {'

    def test_the_partial_trigger_leaves_out_all_but_symbols_and_amounts(
        self, mesh: httpx.Client
    ) -> None:
        content = content_of(mesh, token=triggers.MESH_PARTIAL)

        assert content == {
            "status": "succeeded",
            "equityPositions": [
                {"symbol": "AAPL", "amount": 3},
                {"symbol": "F", "amount": 27},
            ],
            "cryptocurrencyPositions": [
                {"symbol": "DOGE", "amount": 1503},
                {"symbol": "BTC", "amount": Decimal("3.0001672")},
            ],
        }
