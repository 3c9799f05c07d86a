"""The MoneyKit sandbox's token and investment holdings endpoints, over real HTTP."""

import json
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from service.sandbox import SandboxUpstreams
from service.sandbox.moneykit import MoneyKitSimulator, triggers
from tests.data import SEED_HOLDINGS_EXAMPLE

BROKERAGE = "acc_3fTq8NmW2xRbKp9LzVd4Hc"
CHECKING = "acc_7Yc2Ge5JvQsW1nXoPa8KmT"
ERROR_KEYS = {"error_code", "error_message", "documentation_url"}

SEED_EXAMPLE = SEED_HOLDINGS_EXAMPLE


def exact(content: bytes | str) -> Any:
    return json.loads(content, parse_float=Decimal)


def holdings_path(link_id: str) -> str:
    return f"/links/{quote(link_id, safe='')}/investments/holdings"


def get_holdings(
    client: httpx.Client, token: str, link_id: str = "mk_eqkWN34UEoa2NxyALG8pcV", **params: Any
) -> httpx.Response:
    return client.get(
        holdings_path(link_id), params=params, headers={"Authorization": f"Bearer {token}"}
    )


def assert_error(response: httpx.Response, http_status: int, error_code: str) -> dict[str, Any]:
    assert response.status_code == http_status
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert body.keys() >= ERROR_KEYS
    assert body["error_code"] == error_code
    return body


class TestToken:
    def test_client_credentials_in_the_form_get_a_bearer_token(
        self, sandbox: SandboxUpstreams, moneykit: httpx.Client
    ) -> None:
        response = moneykit.post(
            "/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": sandbox.moneykit.client_id,
                "client_secret": sandbox.moneykit.client_secret,
                "scope": "accounts:read investments:read",
            },
        )

        assert response.status_code == 200
        body = response.json()
        assert body.keys() == {"access_token", "token_type", "expires_in"}
        assert (body["token_type"], body["expires_in"]) == ("bearer", 3600)
        assert body["access_token"]
        assert sandbox.moneykit.token_fetches == 1

    def test_client_credentials_as_basic_auth_get_a_bearer_token(
        self, sandbox: SandboxUpstreams, moneykit: httpx.Client
    ) -> None:
        response = moneykit.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(sandbox.moneykit.client_id, sandbox.moneykit.client_secret),
        )

        assert response.status_code == 200
        assert response.json()["token_type"] == "bearer"
        assert sandbox.moneykit.token_fetches == 1

    def test_each_fetch_gets_a_new_token_and_is_counted(
        self, sandbox: SandboxUpstreams, moneykit: httpx.Client
    ) -> None:
        auth = (sandbox.moneykit.client_id, sandbox.moneykit.client_secret)
        tokens = {
            moneykit.post(
                "/auth/token", data={"grant_type": "client_credentials"}, auth=auth
            ).json()["access_token"]
            for _ in range(3)
        }

        assert len(tokens) == 3
        assert sandbox.moneykit.token_fetches == 3

    def test_the_lifetime_is_the_configured_one(self) -> None:
        with SandboxUpstreams(moneykit=MoneyKitSimulator(token_lifetime_seconds=120)) as sandbox:
            response = httpx.post(
                sandbox.moneykit.url + "/auth/token",
                data={"grant_type": "client_credentials"},
                auth=(sandbox.moneykit.client_id, sandbox.moneykit.client_secret),
            )

        assert response.json()["expires_in"] == 120

    @pytest.mark.parametrize(
        ("form", "basic"),
        [
            pytest.param({"client_id": "{id}", "client_secret": "wrong"}, None, id="form-secret"),
            pytest.param({"client_id": "wrong", "client_secret": "{secret}"}, None, id="form-id"),
            pytest.param({"client_id": "{id}"}, None, id="form-no-secret"),
            pytest.param({}, None, id="nothing"),
            pytest.param({}, ("{id}", "wrong"), id="basic-secret"),
            pytest.param({}, ("wrong", "{secret}"), id="basic-id"),
        ],
    )
    def test_wrong_credentials_get_401(
        self,
        sandbox: SandboxUpstreams,
        moneykit: httpx.Client,
        form: dict[str, str],
        basic: tuple[str, str] | None,
    ) -> None:
        def fill(value: str) -> str:
            return value.format(
                id=sandbox.moneykit.client_id, secret=sandbox.moneykit.client_secret
            )

        response = moneykit.post(
            "/auth/token",
            data={"grant_type": "client_credentials", **{k: fill(v) for k, v in form.items()}},
            auth=None if basic is None else (fill(basic[0]), fill(basic[1])),
        )

        assert_error(response, 401, "api_error.auth.unauthorized")
        assert sandbox.moneykit.token_fetches == 0

    @pytest.mark.parametrize("authorization", ["Basic !!!", "Basic bm8tY29sb24=", "Bearer x"])
    def test_a_malformed_authorization_header_gets_401(
        self, moneykit: httpx.Client, authorization: str
    ) -> None:
        response = moneykit.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": authorization},
        )

        assert_error(response, 401, "api_error.auth.unauthorized")

    @pytest.mark.parametrize("grant_type", ["password", "authorization_code", ""])
    def test_another_grant_type_gets_400(
        self, sandbox: SandboxUpstreams, moneykit: httpx.Client, grant_type: str
    ) -> None:
        response = moneykit.post(
            "/auth/token",
            data={"grant_type": grant_type},
            auth=(sandbox.moneykit.client_id, sandbox.moneykit.client_secret),
        )

        assert_error(response, 400, "api_error.request.validation_failed")
        assert sandbox.moneykit.token_fetches == 0


class TestAccess:
    def test_a_missing_version_header_gets_400(
        self, sandbox: SandboxUpstreams, access_token: str
    ) -> None:
        response = httpx.get(
            sandbox.moneykit.url + holdings_path("mk_x"),
            headers={"Authorization": f"Bearer {access_token}"},
        )

        body = assert_error(response, 400, "api_error.request.validation_failed")
        assert body["validation_errors"][0]["loc"] == ["header", "moneykit-version"]

    @pytest.mark.parametrize("authorization", [None, "Bearer", "Basic abc", "Bearer unknown"])
    def test_no_known_token_gets_401_unauthorized(
        self, moneykit: httpx.Client, authorization: str | None
    ) -> None:
        headers = {} if authorization is None else {"Authorization": authorization}
        response = moneykit.get(holdings_path("mk_x"), headers=headers)

        assert_error(response, 401, "api_error.auth.unauthorized")

    def test_expired_tokens_get_401_expired(
        self, sandbox: SandboxUpstreams, moneykit: httpx.Client, access_token: str
    ) -> None:
        assert get_holdings(moneykit, access_token).status_code == 200

        sandbox.moneykit.expire_all_tokens()

        response = get_holdings(moneykit, access_token)
        assert_error(response, 401, "api_error.auth.expired_access_token")

    def test_a_token_fetched_after_expiring_all_is_valid(
        self, sandbox: SandboxUpstreams, moneykit: httpx.Client, access_token: str
    ) -> None:
        sandbox.moneykit.expire_all_tokens()
        response = moneykit.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(sandbox.moneykit.client_id, sandbox.moneykit.client_secret),
        )

        assert get_holdings(moneykit, response.json()["access_token"]).status_code == 200

    def test_a_token_past_its_lifetime_is_expired(self) -> None:
        with (
            SandboxUpstreams(moneykit=MoneyKitSimulator(token_lifetime_seconds=0)) as sandbox,
            httpx.Client(
                base_url=sandbox.moneykit.url, headers={"moneykit-version": "2023-02-18"}
            ) as client,
        ):
            token = client.post(
                "/auth/token",
                data={"grant_type": "client_credentials"},
                auth=(sandbox.moneykit.client_id, sandbox.moneykit.client_secret),
            ).json()["access_token"]

            response = get_holdings(client, token)

        assert_error(response, 401, "api_error.auth.expired_access_token")

    def test_link_triggers_are_looked_at_only_after_the_token(self, moneykit: httpx.Client) -> None:
        response = get_holdings(moneykit, "unknown", triggers.MONEYKIT_NOT_FOUND)

        assert_error(response, 401, "api_error.auth.unauthorized")

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("POST", "/links/mk_x/investments/holdings"),
            ("GET", "/auth/token"),
            ("GET", "/links//investments/holdings"),
            ("GET", "/links/mk_x/investments"),
            ("GET", "/links/mk_x/extra/investments/holdings"),
        ],
    )
    def test_other_routes_are_not_found(
        self, moneykit: httpx.Client, access_token: str, method: str, path: str
    ) -> None:
        response = moneykit.request(
            method, path, headers={"Authorization": f"Bearer {access_token}"}
        )

        assert response.status_code == 404


class TestHoldings:
    def test_the_default_data_is_a_fidelity_link_with_two_accounts(
        self, moneykit: httpx.Client, access_token: str
    ) -> None:
        response = get_holdings(moneykit, access_token, "mk_eqkWN34UEoa2NxyALG8pcV")

        assert response.status_code == 200
        body = exact(response.content)
        assert body.keys() == {"holdings", "securities", "accounts", "link"}
        link = body["link"]
        assert link["link_id"] == "mk_eqkWN34UEoa2NxyALG8pcV"
        assert (link["institution_id"], link["provider"], link["state"]) == (
            "fidelity",
            "mx",
            "connected",
        )
        assert link["products"].keys() == {"accounts", "investments"}
        assert {account["account_type"] for account in body["accounts"]} == {
            "investment.brokerage",
            "depository.checking",
        }
        assert {security["type"] for security in body["securities"]} == {
            "equity",
            "etf",
            "fund",
            "crypto",
            "cash",
            "bond",
        }
        held = {holding["security_id"] for holding in body["holdings"]}
        assert held == {security["security_id"] for security in body["securities"]}

    def test_the_crypto_quantity_keeps_all_18_decimals(
        self, moneykit: httpx.Client, access_token: str
    ) -> None:
        response = get_holdings(moneykit, access_token)

        assert b'"quantity":"1.234567890123456789"' in response.content

    def test_amounts_come_both_as_strings_and_as_numbers(
        self, moneykit: httpx.Client, access_token: str
    ) -> None:
        body = exact(get_holdings(moneykit, access_token).content)

        prices = [holding["price"] for holding in body["holdings"]]
        assert any(isinstance(price, str) for price in prices)
        assert any(isinstance(price, Decimal) for price in prices)
        assert [holding["cost_basis"] for holding in body["holdings"]].count(None) == 1
        assert b'"price":171.13' in get_holdings(moneykit, access_token).content

    def test_timestamps_come_with_and_without_a_zone(
        self, moneykit: httpx.Client, access_token: str
    ) -> None:
        products = exact(get_holdings(moneykit, access_token).content)["link"]["products"]

        assert products["accounts"]["refreshed_at"].endswith("Z")
        assert products["investments"]["refreshed_at"] == "2024-03-14T09:14:11"

    def test_securities_close_on_a_date_or_a_datetime(
        self, moneykit: httpx.Client, access_token: str
    ) -> None:
        securities = exact(get_holdings(moneykit, access_token).content)["securities"]

        assert sum("close_date" in security for security in securities) == 1
        assert sum("close_datetime" in security for security in securities) == len(securities) - 1

    @pytest.mark.parametrize("link_id", ["mk_a/b", "mk a+b?c#d", "mk_%2F", "mk_ü"])
    def test_the_link_id_is_one_percent_encoded_segment(
        self, sandbox: SandboxUpstreams, moneykit: httpx.Client, access_token: str, link_id: str
    ) -> None:
        response = get_holdings(moneykit, access_token, link_id)

        assert response.status_code == 200
        assert response.json()["link"]["link_id"] == link_id
        assert sandbox.moneykit.requests[-1].path == holdings_path(link_id)

    @pytest.mark.parametrize(
        ("account_ids", "holdings", "securities", "accounts"),
        [
            pytest.param([BROKERAGE], 7, 7, [BROKERAGE], id="brokerage"),
            pytest.param([CHECKING], 0, 0, [CHECKING], id="checking"),
            pytest.param([BROKERAGE, CHECKING], 7, 7, [BROKERAGE, CHECKING], id="both"),
            pytest.param(["acc_unknown"], 0, 0, [], id="unknown"),
        ],
    )
    def test_account_ids_filter_holdings_and_accounts(
        self,
        moneykit: httpx.Client,
        access_token: str,
        account_ids: list[str],
        holdings: int,
        securities: int,
        accounts: list[str],
    ) -> None:
        body = get_holdings(moneykit, access_token, account_ids=account_ids).json()

        assert len(body["holdings"]) == holdings
        assert len(body["securities"]) == securities
        assert [account["account_id"] for account in body["accounts"]] == accounts
        assert {holding["account_id"] for holding in body["holdings"]} <= set(account_ids)

    def test_the_account_ids_are_sent_as_repeated_parameters(
        self, sandbox: SandboxUpstreams, moneykit: httpx.Client, access_token: str
    ) -> None:
        get_holdings(moneykit, access_token, account_ids=[BROKERAGE, CHECKING])

        assert (
            sandbox.moneykit.requests[-1].query == f"account_ids={BROKERAGE}&account_ids={CHECKING}"
        )

    def test_the_seed_example_is_answered_value_for_value(
        self, moneykit: httpx.Client, access_token: str
    ) -> None:
        response = get_holdings(moneykit, access_token, triggers.MONEYKIT_SEED_EXAMPLE)

        assert response.status_code == 200
        assert exact(response.content) == exact(SEED_EXAMPLE)
        assert b'"quantity":10,' in response.content
        assert b'"price":98.12,' in response.content


class TestLinkTriggers:
    @pytest.mark.parametrize(
        ("link_id", "http_status", "error_code"),
        [
            (triggers.MONEYKIT_RATE_LIMITED, 429, "api_error.rate_limit_exceeded"),
            (triggers.MONEYKIT_SERVER_FAILURE, 500, "api_error.internal_server_error"),
            (triggers.MONEYKIT_BAD_REQUEST, 400, "api_error.request.validation_failed"),
            (triggers.MONEYKIT_UNAUTHORIZED_LINK, 401, "link_error.unauthorized_access"),
            (triggers.MONEYKIT_FORBIDDEN, 403, "link_error.forbidden_action"),
            (triggers.MONEYKIT_NOT_FOUND, 404, "link_error.not_found"),
            (triggers.MONEYKIT_DELETED, 410, "link_error.deleted"),
            (triggers.MONEYKIT_EXPIRED, 422, "link_error.bad_state"),
        ],
    )
    def test_error_triggers(
        self,
        moneykit: httpx.Client,
        access_token: str,
        link_id: str,
        http_status: int,
        error_code: str,
    ) -> None:
        response = get_holdings(moneykit, access_token, link_id)

        assert_error(response, http_status, error_code)

    def test_the_rate_limited_trigger_says_when_to_retry(
        self, moneykit: httpx.Client, access_token: str
    ) -> None:
        response = get_holdings(moneykit, access_token, triggers.MONEYKIT_RATE_LIMITED)

        assert response.headers["retry-after"] == "30"

    def test_the_expired_trigger_names_the_link_error(
        self, moneykit: httpx.Client, access_token: str
    ) -> None:
        response = get_holdings(moneykit, access_token, triggers.MONEYKIT_EXPIRED)

        assert response.json()["link_error_code"] == "auth_expired"

    def test_the_unavailable_trigger_answers_503_with_an_empty_body(
        self, moneykit: httpx.Client, access_token: str
    ) -> None:
        response = get_holdings(moneykit, access_token, triggers.MONEYKIT_UNAVAILABLE)

        assert response.status_code == 503
        assert response.content == b""

    def test_the_malformed_trigger_answers_truncated_json(
        self, moneykit: httpx.Client, access_token: str
    ) -> None:
        response = get_holdings(moneykit, access_token, triggers.MONEYKIT_MALFORMED)

        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        with pytest.raises(json.JSONDecodeError):
            response.json()
