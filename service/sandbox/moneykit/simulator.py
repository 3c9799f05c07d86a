"""MoneyKit's token endpoint and link endpoints (the link, its refresh, holdings, accounts and
investment transactions), as its documents and SDK describe them."""

import base64
import binascii
import json
import secrets
import threading
from collections.abc import Callable
from datetime import date
from urllib.parse import parse_qs, unquote, unquote_plus

from service.sandbox._http import RecordedRequest, Response, SimulatedUpstream, json_response
from service.sandbox.moneykit import triggers
from service.sandbox.moneykit.accounts import accounts_body
from service.sandbox.moneykit.datasets import (
    BALANCES,
    CRYPTO,
    DEFAULT,
    RETIREMENT,
    SEED_EXAMPLE,
    HoldingsDataset,
)
from service.sandbox.moneykit.errors import (
    error_response,
    not_found,
    unauthorized,
    validation_failed,
)
from service.sandbox.moneykit.failures import holdings_failure
from service.sandbox.moneykit.investment_transactions import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Query,
    page_of,
)
from service.sandbox.moneykit.links import PRODUCTS, Links
from service.sandbox.moneykit.tokens import TokenIssuer, TokenState

_AUTH_ENDPOINT = "/auth/token"
_DATASETS = {
    triggers.MONEYKIT_SEED_EXAMPLE: SEED_EXAMPLE,
    triggers.MONEYKIT_BROKERAGE: DEFAULT.for_link(triggers.MONEYKIT_BROKERAGE),
    triggers.MONEYKIT_RETIREMENT: RETIREMENT,
    triggers.MONEYKIT_CRYPTO: CRYPTO,
    triggers.MONEYKIT_BALANCES: BALANCES,
}


class MoneyKitSimulator(SimulatedUpstream):
    """Fresh client credentials for every instance, so nothing can pass by knowing a constant."""

    def __init__(self, token_lifetime_seconds: int = 3600) -> None:
        super().__init__("moneykit")
        self.client_id = secrets.token_urlsafe(16)
        self.client_secret = secrets.token_urlsafe(32)
        self._client_id = self.client_id.encode()
        self._client_secret = self.client_secret.encode()
        self._tokens = TokenIssuer(token_lifetime_seconds)
        self._counter_lock = threading.Lock()
        self._token_fetches = 0
        self._links = Links()

    @property
    def credentials(self) -> dict[str, str]:
        return {"client_id": self.client_id, "client_secret": self.client_secret}

    @property
    def token_fetches(self) -> int:
        """Successful POST /auth/token calls since start or the last reset."""
        with self._counter_lock:
            return self._token_fetches

    def expire_all_tokens(self) -> None:
        """Expire every token issued so far: the next call with one gets a 401."""
        self._tokens.expire_all()

    def reset(self) -> None:
        super().reset()
        with self._counter_lock:
            self._token_fetches = 0
        self._links.reset()

    def handle(self, request: RecordedRequest) -> Response:
        if request.path == _AUTH_ENDPOINT and request.method == "POST":
            return self._issue_token(request)
        route = _link_route(request.path)
        endpoint = None if route is None else _LINK_ENDPOINTS.get((request.method, route[1]))
        if route is None or endpoint is None:
            return not_found()
        link_id = route[0]
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        # Like every trigger, looked at only once the request has passed every check, so that a
        # held request is one that will succeed.
        if link_id == triggers.MONEYKIT_HELD:
            self._wait_while_held()
        failure = holdings_failure(link_id)
        if failure is not None:
            return failure
        return endpoint(self, request, link_id)

    def _issue_token(self, request: RecordedRequest) -> Response:
        form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        grant_type = form.get("grant_type", [""])[0]
        if grant_type != "client_credentials":
            return validation_failed(
                ["body", "grant_type"], "Only client_credentials is supported."
            )
        credentials = _client_credentials(request.headers.get("authorization"), form)
        if credentials is None or not self._are_ours(*credentials):
            return unauthorized("Invalid client credentials.")
        token = self._tokens.issue()
        with self._counter_lock:
            self._token_fetches += 1
        return json_response(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self._tokens.lifetime_seconds,
            },
        )

    def _are_ours(self, client_id: str, client_secret: str) -> bool:
        # Both compared, always: answering faster for a wrong id would leak which one was wrong.
        id_matches = secrets.compare_digest(client_id.encode(), self._client_id)
        secret_matches = secrets.compare_digest(client_secret.encode(), self._client_secret)
        return id_matches and secret_matches

    def _refusal(self, request: RecordedRequest) -> Response | None:
        """Why a link endpoint refuses `request` before looking at the link, if it does."""
        if "moneykit-version" not in request.headers:
            return validation_failed(["header", "moneykit-version"], "Field required.")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return unauthorized("A bearer access token is required.")
        match self._tokens.state(token):
            case TokenState.UNKNOWN:
                return unauthorized("Invalid access token.")
            case TokenState.EXPIRED:
                return error_response(
                    401, "api_error.auth.expired_access_token", "Access token expired"
                )
        return None

    def _holdings(self, request: RecordedRequest, link_id: str) -> Response:
        dataset = _dataset(link_id)
        account_ids = parse_qs(request.query).get("account_ids")
        if account_ids:
            dataset = dataset.for_accounts(set(account_ids))
        body = dataset.to_json()
        body["link"] = self._links.overlaid(link_id, dataset.link)
        return json_response(200, body)

    def _accounts(self, request: RecordedRequest, link_id: str) -> Response:
        dataset = _dataset(link_id)
        account_ids = parse_qs(request.query).get("account_ids")
        if account_ids:
            dataset = dataset.for_accounts(set(account_ids))
        return json_response(200, accounts_body(dataset))

    def _link(self, request: RecordedRequest, link_id: str) -> Response:
        return json_response(200, self._links.link(link_id, _dataset(link_id).link))

    def _refresh(self, request: RecordedRequest, link_id: str) -> Response:
        try:
            body = json.loads(request.body)
        except (UnicodeDecodeError, ValueError):
            return validation_failed(["body"], "The body is not valid JSON.")
        products = body.get("products") if isinstance(body, dict) else None
        if not isinstance(products, list) or not all(p in PRODUCTS for p in products):
            return validation_failed(
                ["body", "products"], f"A list of products, each one of {', '.join(PRODUCTS)}."
            )
        link = _dataset(link_id).link
        self._links.refresh(link_id, link, products)
        return json_response(202, self._links.link(link_id, link))

    def _transactions(self, request: RecordedRequest, link_id: str) -> Response:
        query = _transactions_query(parse_qs(request.query, keep_blank_values=True))
        if isinstance(query, Response):
            return query
        link = self._links.link(link_id, _dataset(link_id).link)
        return json_response(200, page_of(query, link))


Endpoint = Callable[[MoneyKitSimulator, RecordedRequest, str], Response]
_LINK_ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("GET", ""): MoneyKitSimulator._link,
    ("POST", "/products"): MoneyKitSimulator._refresh,
    ("GET", "/investments/holdings"): MoneyKitSimulator._holdings,
    ("GET", "/accounts"): MoneyKitSimulator._accounts,
    ("GET", "/investments/transactions"): MoneyKitSimulator._transactions,
}
"""Each `/links/{id}...` endpoint by method and the path after the link id."""


def _transactions_query(params: dict[str, list[str]]) -> Query | Response:
    """The query of the transactions endpoint, or its validation failure."""
    numbers: dict[str, int] = {}
    for name, default, most in (("page", 1, None), ("size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)):
        values = params.get(name, [str(default)])
        if len(values) != 1 or not values[0].isdigit() or int(values[0]) < 1:
            return validation_failed(["query", name], "Input should be an integer of 1 or more.")
        if most is not None and int(values[0]) > most:
            return validation_failed(["query", name], f"Input should be at most {most}.")
        numbers[name] = int(values[0])
    dates: dict[str, date | None] = {}
    for name in ("start_date", "end_date"):
        given = params.get(name)
        try:
            dates[name] = None if given is None else date.fromisoformat(given[-1])
        except ValueError:
            return validation_failed(["query", name], "Input should be a valid date.")
    return Query(
        numbers["page"],
        numbers["size"],
        frozenset(params.get("account_ids", [])),
        dates["start_date"],
        dates["end_date"],
    )


def _dataset(link_id: str) -> HoldingsDataset:
    dataset = _DATASETS.get(link_id)
    if dataset is not None:
        return dataset
    # Any other link gets the brokerage data, under its own id.
    return DEFAULT.for_link(link_id)


def _link_route(raw_path: str) -> tuple[str, str] | None:
    """The link id of `/links/{id}...`, decoded from its one path segment, and the rest of the
    path (`/investments/holdings`, or empty for the link itself).

    Split before decoding: an id may itself hold an encoded `/` (`%2F`).
    """
    match raw_path.split("/"):
        case ["", "links", encoded_id, *rest] if encoded_id:
            return unquote(encoded_id), "".join(f"/{part}" for part in rest)
    return None


def _client_credentials(
    authorization: str | None, form: dict[str, list[str]]
) -> tuple[str, str] | None:
    """The client id and secret, from HTTP Basic auth if given, else from the form fields."""
    if authorization is None:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if client_id is None or client_secret is None:
            return None
        return client_id[0], client_secret[0]
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    encoded_id, separator, encoded_secret = decoded.partition(":")
    if not separator:
        return None
    # RFC 6749 2.3.1: both parts are form-encoded before they are joined.
    return unquote_plus(encoded_id), unquote_plus(encoded_secret)
