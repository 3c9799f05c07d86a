"""Mesh's holdings, order and balance endpoints, answered as the documents describe them."""

import secrets
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from service.sandbox._http import (
    HANG_UP,
    RecordedRequest,
    Response,
    SimulatedUpstream,
    json_response,
)
from service.sandbox._json import JsonObject
from service.sandbox.mesh import triggers
from service.sandbox.mesh.balances import balances, partial_balances
from service.sandbox.mesh.bodies import (
    BalanceBody,
    CancelOrderBody,
    HoldingsGetBody,
    HoldingsValueBody,
    OrderListBody,
)
from service.sandbox.mesh.endpoints import (
    BALANCE_PATH,
    CANCEL_PATH,
    DETAILS_PATH,
    HOLDINGS_GET_PATH,
    HOLDINGS_VALUE_PATH,
    LIST_PATH,
)
from service.sandbox.mesh.failures import cancel_failure, holdings_failure
from service.sandbox.mesh.holdings import failed_holdings, holdings, partial_holdings
from service.sandbox.mesh.institutions import (
    BALANCE_SUPPORTED,
    CANCEL_NEEDS_SIDE,
    CANCEL_NEEDS_SYMBOL_PAIR,
    CANCEL_SUPPORTED,
    HOLDINGS_GET_SUPPORTED,
    HOLDINGS_VALUE_SUPPORTED,
    ORDERS_SUPPORTED,
)
from service.sandbox.mesh.order_book import OrderBook
from service.sandbox.mesh.order_list import page_of
from service.sandbox.mesh.orders import DETAILS_EXAMPLE, in_history, pending
from service.sandbox.mesh.portfolios import partial_portfolio_value, portfolio_value
from service.sandbox.mesh.replies import bad_request, envelope, envelope_response

_Body = TypeVar("_Body", bound=BaseModel)


class MeshSimulator(SimulatedUpstream):
    """Fresh client credentials for every instance, so nothing can pass by knowing a constant."""

    def __init__(self, cancel_settle_seconds: float = triggers.CANCEL_SETTLE_SECONDS) -> None:
        super().__init__("mesh")
        self.client_id = secrets.token_urlsafe(16)
        self.client_secret = secrets.token_urlsafe(32)
        self._client_id = self.client_id.encode()
        self._client_secret = self.client_secret.encode()
        self._orders = OrderBook(cancel_settle_seconds)

    def reset(self) -> None:
        """Also forget every cancel, so each test's orders start pending again."""
        super().reset()
        self._orders.reset()

    @property
    def credentials(self) -> dict[str, str]:
        return {"client_id": self.client_id, "client_secret": self.client_secret}

    def handle(self, request: RecordedRequest) -> Response:
        endpoint = {
            HOLDINGS_VALUE_PATH: self._holdings_value,
            HOLDINGS_GET_PATH: self._holdings_get,
            CANCEL_PATH: self._cancel,
            BALANCE_PATH: self._balance,
            DETAILS_PATH: self._details,
            LIST_PATH: self._list,
        }.get(request.path)
        if request.method != "POST" or endpoint is None:
            return Response(404)
        if not self._has_credentials(request.headers):
            return Response(401)
        return endpoint(request.body)

    def _has_credentials(self, headers: dict[str, str]) -> bool:
        # Both compared, always: answering faster for a wrong id would leak which one was wrong.
        id_matches = secrets.compare_digest(
            headers.get("x-client-id", "").encode(), self._client_id
        )
        secret_matches = secrets.compare_digest(
            headers.get("x-client-secret", "").encode(), self._client_secret
        )
        return id_matches and secret_matches

    def _hold_if_asked(self, auth_token: str) -> None:
        # Like every trigger, looked at only once the request has passed every check, so that
        # a held request is one that will succeed.
        if auth_token == triggers.MESH_HELD:
            self._wait_while_held()

    def _holdings_value(self, raw_body: bytes) -> Response:
        body = _parse(HoldingsValueBody, raw_body)
        if isinstance(body, Response):
            return body
        if body.institution not in HOLDINGS_VALUE_SUPPORTED:
            return _not_supported(body.institution)
        self._hold_if_asked(body.auth_token)
        failure = holdings_failure(body.auth_token)
        if failure is not None:
            return failure
        if body.auth_token == triggers.MESH_PARTIAL:
            return _ok(partial_portfolio_value(body.institution))
        return _ok(portfolio_value(body.institution))

    def _holdings_get(self, raw_body: bytes) -> Response:
        body = _parse(HoldingsGetBody, raw_body)
        if isinstance(body, Response):
            return body
        if body.institution not in HOLDINGS_GET_SUPPORTED:
            return _not_supported(body.institution)
        self._hold_if_asked(body.auth_token)
        failure = holdings_failure(body.auth_token)
        if failure is not None:
            return failure
        match body.auth_token:
            case triggers.MESH_PARTIAL:
                return _ok(partial_holdings(body.institution))
            case triggers.MESH_HOLDINGS_FAILED:
                return _ok(failed_holdings(body.institution, "failed"))
            case triggers.MESH_HOLDINGS_NOT_AUTHORIZED:
                return _ok(failed_holdings(body.institution, "notAuthorized"))
        # includeMarketValue is not looked at: the market values are always sent.
        return _ok(holdings(body.institution))

    def _cancel(self, raw_body: bytes) -> Response:
        body = _parse(CancelOrderBody, raw_body)
        if isinstance(body, Response):
            return body
        if body.institution not in CANCEL_SUPPORTED:
            return _not_supported(body.institution)
        if body.institution in CANCEL_NEEDS_SIDE and body.side not in ("buy", "sell"):
            return bad_request(
                "missingField", f"The side field is required for {body.institution}."
            )
        if body.institution in CANCEL_NEEDS_SYMBOL_PAIR and not body.symbol_pair:
            return bad_request(
                "missingField", f"The symbolPair field is required for {body.institution}."
            )
        self._hold_if_asked(body.auth_token)
        failure = cancel_failure(body.auth_token, body.id)
        if failure is not None:
            return failure
        if body.auth_token != triggers.MESH_CANCEL_LOST_IN_PROGRESS:
            self._orders.record_cancel(body.auth_token, body.institution, body.id)
        if body.auth_token in (triggers.MESH_CANCEL_LOST, triggers.MESH_CANCEL_LOST_IN_PROGRESS):
            return HANG_UP
        return envelope_response(200, "ok", f"The order '{body.id}' was cancelled.")

    def _balance(self, raw_body: bytes) -> Response:
        body = _parse(BalanceBody, raw_body)
        if isinstance(body, Response):
            return body
        if body.institution not in BALANCE_SUPPORTED:
            return _not_supported(body.institution)
        self._hold_if_asked(body.auth_token)
        failure = holdings_failure(body.auth_token)
        if failure is not None:
            return failure
        if body.auth_token == triggers.MESH_PARTIAL:
            return _ok(partial_balances(body.institution))
        return _ok(balances(body.institution))

    def _details(self, raw_body: bytes) -> Response:
        body = _parse(CancelOrderBody, raw_body)
        if isinstance(body, Response):
            return body
        refusal = _order_refusal(body)
        if refusal is not None:
            return refusal
        self._hold_if_asked(body.auth_token)
        failure = cancel_failure(body.auth_token, body.id, DETAILS_PATH)
        if failure is not None:
            return failure
        order = in_history(body.id, body.institution) or pending(
            body.id, body.institution, body.side, body.is_cryptocurrency
        )
        order = self._orders.current(order, body.auth_token, body.institution)
        if body.auth_token == triggers.MESH_BARE_ORDER:
            bare = DETAILS_EXAMPLE if body.id == DETAILS_EXAMPLE["id"] else order
            return json_response(200, bare)
        return _ok(order)

    def _list(self, raw_body: bytes) -> Response:
        body = _parse(OrderListBody, raw_body)
        if isinstance(body, Response):
            return body
        if body.institution not in ORDERS_SUPPORTED:
            return _not_supported(body.institution)
        self._hold_if_asked(body.auth_token)
        failure = holdings_failure(body.auth_token)
        if failure is not None:
            return failure
        page = page_of(
            body, lambda order: self._orders.current(order, body.auth_token, body.institution)
        )
        if page is None:
            return bad_request("invalidCursor", "The cursor is not one this user was given.")
        return _ok(page)


def _ok(content: JsonObject) -> Response:
    return json_response(200, {**envelope("ok", ""), "content": content})


def _parse(model: type[_Body], raw_body: bytes) -> _Body | Response:
    try:
        return model.model_validate_json(raw_body)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"])
    match first["type"]:
        case "missing":
            return bad_request("missingField", f"The {field} field is required.")
        case "json_invalid" | "model_type":
            return bad_request("invalidField", "The request body is not a JSON object.")
        case "extra_forbidden":
            return bad_request("invalidField", f"The property {field} is not allowed.")
    return bad_request("invalidField", f"The {field} field is not valid: {first['msg']}.")


def _order_refusal(body: CancelOrderBody) -> Response | None:
    """Why the details endpoint refuses to look the order up, as the cancel would."""
    if body.institution not in ORDERS_SUPPORTED:
        return _not_supported(body.institution)
    if body.institution in CANCEL_NEEDS_SIDE and body.side not in ("buy", "sell"):
        return bad_request("missingField", f"The side field is required for {body.institution}.")
    if body.institution in CANCEL_NEEDS_SYMBOL_PAIR and not body.symbol_pair:
        return bad_request(
            "missingField", f"The symbolPair field is required for {body.institution}."
        )
    return None


def _not_supported(institution: str) -> Response:
    return bad_request("notSupported", f"The {institution} integration is not supported here.")
