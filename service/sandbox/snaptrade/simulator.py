"""SnapTrade's account, order and refresh endpoints, answered as its OpenAPI document describes
them, behind its request signature."""

import json
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, unquote

from service.sandbox._http import RecordedRequest, Response, SimulatedUpstream, json_response
from service.sandbox._json import JsonValue
from service.sandbox.snaptrade import datasets, triggers
from service.sandbox.snaptrade.errors import (
    bad_request,
    detailed,
    failed_request,
    feature_not_enabled,
    not_found,
    signature_rejected,
)
from service.sandbox.snaptrade.failures import user_failure
from service.sandbox.snaptrade.orders import (
    OPEN_STATUSES,
    ORDERS,
    OnCancel,
    OrderBook,
    order_named,
    record,
    record_v2,
)
from service.sandbox.snaptrade.signatures import signature_matches

TIMESTAMP_TOLERANCE_SECONDS = 300
"""How far a request's `timestamp` may be from the sandbox's clock."""

_Query = dict[str, str]
_Endpoint = Callable[[RecordedRequest, _Query, list[str]], Response]


class SnapTradeSimulator(SimulatedUpstream):
    """A fresh client id and consumer key for every instance, so nothing can pass by knowing a
    constant."""

    def __init__(self) -> None:
        super().__init__("snaptrade")
        self.client_id = f"SANDBOX-{secrets.token_hex(4).upper()}"
        self.consumer_key = secrets.token_urlsafe(40)
        self._consumer_key = self.consumer_key.encode()
        self._orders = OrderBook()

    @property
    def credentials(self) -> dict[str, str]:
        return {"client_id": self.client_id, "consumer_key": self.consumer_key}

    def reset(self) -> None:
        super().reset()
        self._orders.reset()

    def handle(self, request: RecordedRequest) -> Response:
        route = _route(request.method, request.path)
        if route is None:
            return not_found()
        endpoint_name, parameters = route
        query = dict(parse_qsl(request.query, keep_blank_values=True))
        refusal = self._authenticate(request, query)
        if refusal is not None:
            return refusal
        if not query.get("userId") or not query.get("userSecret"):
            return failed_request(
                401, "Please provide clientId, userId and userSecret in query params", 1076
            )
        if not all(_is_uuid(value) for value in parameters[:1]):
            return bad_request("The account or connection id is not a valid UUID.")
        endpoint: _Endpoint = getattr(self, f"_{endpoint_name}")
        invalid = _invalid_parameters(endpoint_name, query, request.body)
        if invalid is not None:
            return bad_request(invalid)
        user_id = query["userId"]
        # Like every trigger, looked at only once the request has passed every check, so that a
        # held request is one that will succeed.
        if user_id == triggers.SNAPTRADE_HELD:
            self._wait_while_held()
        failure = user_failure(user_id)
        if failure is not None:
            return failure
        return endpoint(request, query, parameters)

    def _authenticate(self, request: RecordedRequest, query: _Query) -> Response | None:
        client_matches = secrets.compare_digest(
            query.get("clientId", "").encode(), self.client_id.encode()
        )
        signed = signature_matches(
            self._consumer_key,
            request.path,
            request.query,
            request.body,
            request.headers.get("signature", ""),
        )
        if not client_matches or not signed:
            return signature_rejected()
        timestamp = query.get("timestamp", "")
        if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > (
            TIMESTAMP_TOLERANCE_SECONDS
        ):
            return failed_request(401, "Invalid timestamp", 1076)
        return None

    def _account(self, request: RecordedRequest, query: _Query, parameters: list[str]) -> Response:
        return json_response(200, datasets.account(parameters[0]))

    def _positions(
        self, request: RecordedRequest, query: _Query, parameters: list[str]
    ) -> Response:
        return json_response(200, datasets.positions(parameters[0], datetime.now(UTC)))

    def _balances(self, request: RecordedRequest, query: _Query, parameters: list[str]) -> Response:
        return json_response(200, datasets.balances(parameters[0]))

    def _orders_list(
        self, request: RecordedRequest, query: _Query, parameters: list[str]
    ) -> Response:
        now = datetime.now(UTC)
        state = query.get("state", "all")
        days = min(int(query.get("days", "30")), 90)
        answered: list[JsonValue] = []
        for order in ORDERS:
            status = self._orders.status(query["userId"], parameters[0], order, reading=False)
            if order.age > timedelta(days=days):
                continue
            if (state == "open" and status not in OPEN_STATUSES) or (
                state == "executed" and status != "EXECUTED"
            ):
                continue
            answered.append(record(order, status, now))
        return json_response(200, answered)

    def _recent_orders(
        self, request: RecordedRequest, query: _Query, parameters: list[str]
    ) -> Response:
        now = datetime.now(UTC)
        only_executed = query.get("only_executed", "true") == "true"
        answered: list[JsonValue] = []
        for order in ORDERS:
            if order.age > timedelta(hours=24):
                continue
            status = self._orders.status(query["userId"], parameters[0], order, reading=True)
            if not only_executed or status == "EXECUTED":
                answered.append(record(order, status, now))
        return json_response(200, {"orders": answered})

    def _order_detail(
        self, request: RecordedRequest, query: _Query, parameters: list[str]
    ) -> Response:
        order = order_named(parameters[1])
        if order is None or not order.through_snaptrade:
            return not_found()
        status = self._orders.status(query["userId"], parameters[0], order, reading=True)
        return json_response(200, record_v2(order, status, datetime.now(UTC)))

    def _cancel(self, request: RecordedRequest, query: _Query, parameters: list[str]) -> Response:
        order_id = json.loads(request.body)["brokerage_order_id"]
        order = order_named(order_id)
        if order is None:
            return not_found()
        user_id, account_id = query["userId"], parameters[0]
        status = self._orders.status(user_id, account_id, order, reading=False)
        if order.on_cancel is OnCancel.REFUSES or status == "CANCELED":
            return bad_request(f"The order cannot be cancelled: it is {status.lower()}.")
        if order.on_cancel is OnCancel.FAILS:
            return detailed(500, "Encountered an unexpected exception.", 1000)
        self._orders.cancel(user_id, account_id, order)
        if order.on_cancel is OnCancel.LOSES_ANSWER:
            return detailed(500, "Encountered an unexpected exception.", 1000)
        return json_response(
            200,
            {
                "brokerage_order_id": order_id,
                "raw_response": {"order_id": order_id, "status": "CANCELLED"},
            },
        )

    def _refresh(self, request: RecordedRequest, query: _Query, parameters: list[str]) -> Response:
        if query["userId"] == triggers.SNAPTRADE_REAL_TIME:
            return feature_not_enabled()
        return json_response(200, {"detail": f"Connection {parameters[0]} scheduled for refresh"})


_ROUTES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("GET", ("accounts", "*"), "account"),
    ("GET", ("accounts", "*", "positions", "all"), "positions"),
    ("GET", ("accounts", "*", "balances"), "balances"),
    ("GET", ("accounts", "*", "orders"), "orders_list"),
    ("GET", ("accounts", "*", "recentOrders"), "recent_orders"),
    ("GET", ("accounts", "*", "orders", "details", "v2", "*"), "order_detail"),
    ("POST", ("accounts", "*", "trading", "cancel"), "cancel"),
    ("POST", ("authorizations", "*", "refresh"), "refresh"),
)


def _route(method: str, raw_path: str) -> tuple[str, list[str]] | None:
    """The endpoint and its path parameters, decoded; split before decoding, so an encoded `/`
    stays inside its segment."""
    segments = raw_path.split("/")
    if segments[:1] != [""]:
        return None
    segments = segments[1:]
    for route_method, pattern, name in _ROUTES:
        if route_method != method or len(pattern) != len(segments):
            continue
        if all(
            part == "*" or part == segment for part, segment in zip(pattern, segments, strict=True)
        ):
            parameters = [
                unquote(segment)
                for part, segment in zip(pattern, segments, strict=True)
                if part == "*"
            ]
            if all(parameters):
                return name, parameters
    return None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def _invalid_parameters(endpoint: str, query: _Query, body: bytes) -> str | None:
    """What the document refuses in the endpoint's parameters and body, if anything."""
    if endpoint == "orders_list":
        if query.get("state", "all") not in ("all", "open", "executed"):
            return "state must be all, open or executed."
        days = query.get("days", "30")
        if not days.isdigit() or not 1 <= int(days) <= 90:
            return "days must be an integer from 1 to 90."
    if endpoint == "recent_orders" and query.get("only_executed", "true") not in ("true", "false"):
        return "only_executed must be a boolean."
    if endpoint == "cancel":
        try:
            parsed = json.loads(body)
        except ValueError:
            return "The request body is not JSON."
        if not isinstance(parsed, dict) or not isinstance(parsed.get("brokerage_order_id"), str):
            return "brokerage_order_id is required."
    return None
