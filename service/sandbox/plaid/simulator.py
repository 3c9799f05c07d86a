"""Plaid's investments, Item and accounts endpoints, as Plaid's OpenAPI document describes them:
every call a POST of JSON, authenticated by client id and secret, with the API version header."""

import json
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError

from service.sandbox._http import RecordedRequest, Response, SimulatedUpstream, json_response
from service.sandbox._json import JsonObject, JsonValue
from service.sandbox.plaid import triggers
from service.sandbox.plaid.bodies import BODIES, Body, TransactionsBody
from service.sandbox.plaid.datasets import BROKERAGE, RETIREMENT, Item
from service.sandbox.plaid.errors import (
    invalid_request,
    plaid_error,
    request_id,
    triggered,
)

API_VERSION = "2020-09-14"
_ERROR_TRIGGER_PREFIX = "access-sandbox-error_"
_MALFORMED_BODY = b'{"accounts": [{'
_ITEMS = {triggers.PLAID_BROKERAGE: BROKERAGE, triggers.PLAID_RETIREMENT: RETIREMENT}
_LAST_UPDATE = datetime(2024, 11, 29, 8, 0, tzinfo=UTC)
"""When every Item's investments data was last extracted, until a refresh."""


@dataclass
class _Extraction:
    """Where an Item's investments extraction stands."""

    last_successful_update: datetime = _LAST_UPDATE
    last_failed_update: datetime | None = None
    reads_until_done: int | None = None


class PlaidSimulator(SimulatedUpstream):
    """Fresh client credentials for every instance, so nothing can pass by knowing a constant."""

    def __init__(self) -> None:
        super().__init__("plaid")
        self.client_id = secrets.token_hex(12)
        self.secret = secrets.token_hex(15)
        self._extractions: dict[str, _Extraction] = {}
        self._state_lock = threading.Lock()

    @property
    def credentials(self) -> dict[str, str]:
        return {"client_id": self.client_id, "secret": self.secret}

    def reset(self) -> None:
        super().reset()
        with self._state_lock:
            self._extractions.clear()

    def handle(self, request: RecordedRequest) -> Response:
        schema = BODIES.get(request.path)
        if request.method != "POST" or schema is None:
            return plaid_error(404, "INVALID_REQUEST", "NOT_FOUND", "no such endpoint")
        try:
            raw = json.loads(request.body)
        except ValueError:
            return invalid_request("INVALID_BODY", "the request body is not valid JSON")
        if not isinstance(raw, dict):
            return invalid_request("INVALID_BODY", "the request body must be a JSON object")
        refused = self._refused_credentials(request, raw)
        if refused is not None:
            return refused
        try:
            body = schema.model_validate_json(request.body)
        except ValidationError as exc:
            return _schema_refusal(exc)
        if isinstance(body, TransactionsBody) and body.end_date < body.start_date:
            return invalid_request("INVALID_FIELD", "end_date must not be before start_date")
        return self._answer(request.path, body)

    def _refused_credentials(self, request: RecordedRequest, raw: JsonObject) -> Response | None:
        client_id = request.headers.get("plaid-client-id", raw.get("client_id"))
        secret = request.headers.get("plaid-secret", raw.get("secret"))
        if not isinstance(client_id, str) or not isinstance(secret, str):
            return invalid_request(
                "MISSING_FIELDS", "the following required fields are missing: client_id, secret"
            )
        # Both compared, always: answering faster for a wrong id would leak which one was wrong.
        id_matches = secrets.compare_digest(client_id.encode(), self.client_id.encode())
        secret_matches = secrets.compare_digest(secret.encode(), self.secret.encode())
        if not (id_matches and secret_matches):
            return plaid_error(
                400,
                "INVALID_INPUT",
                "INVALID_API_KEYS",
                "invalid client_id or secret provided",
            )
        if request.headers.get("plaid-version") != API_VERSION:
            return invalid_request(
                "INCOMPATIBLE_API_VERSION", f"this sandbox serves Plaid-Version {API_VERSION}"
            )
        return None

    def _answer(self, path: str, body: Body) -> Response:
        access_token = body.access_token
        # Like every trigger, looked at only once the request has passed every check, so that a
        # held request is one that will succeed.
        if access_token == triggers.PLAID_HELD:
            self._wait_while_held()
        if access_token.startswith(_ERROR_TRIGGER_PREFIX):
            failure = triggered(access_token.removeprefix(_ERROR_TRIGGER_PREFIX), path)
            if failure is not None:
                return failure
        if access_token == triggers.PLAID_MALFORMED:
            return Response(200, _MALFORMED_BODY, "application/json")
        item = _ITEMS.get(access_token, BROKERAGE).for_token(access_token)
        options = getattr(body, "options", None)
        item = item.for_accounts(options.account_ids if options is not None else None)
        answer: JsonObject
        match path:
            case "/investments/holdings/get":
                answer = {
                    "accounts": list(item.accounts),
                    "holdings": list(item.holdings),
                    "securities": list(item.securities),
                    "item": item.item_json(),
                }
            case "/investments/transactions/get":
                assert isinstance(body, TransactionsBody)
                answer = _transactions(item, body)
            case "/investments/refresh":
                self._start_refresh(access_token)
                answer = {}
            case "/item/get":
                answer = {"item": item.item_json(), "status": self._status(access_token)}
            case _:
                answer = {"accounts": _dated(item.accounts, path), "item": item.item_json()}
        return json_response(200, {**answer, "request_id": request_id()})

    def _start_refresh(self, access_token: str) -> None:
        with self._state_lock:
            extraction = self._extractions.setdefault(access_token, _Extraction())
            if access_token != triggers.PLAID_REFRESH_STALLS:
                extraction.reads_until_done = triggers.REFRESH_COMPLETES_AFTER_READS

    def _status(self, access_token: str) -> JsonObject:
        with self._state_lock:
            extraction = self._extractions.setdefault(access_token, _Extraction())
            if extraction.reads_until_done is not None:
                extraction.reads_until_done -= 1
                if extraction.reads_until_done <= 0:
                    extraction.reads_until_done = None
                    _finish(extraction, failed=access_token == triggers.PLAID_REFRESH_FAILS)
            investments: JsonObject = {
                "last_successful_update": _timestamp(extraction.last_successful_update),
                "last_failed_update": _timestamp(extraction.last_failed_update),
            }
        return {"investments": investments, "transactions": None, "last_webhook": None}


def _finish(extraction: _Extraction, *, failed: bool) -> None:
    # Strictly later than the time it replaces, even within one millisecond.
    previous = extraction.last_failed_update if failed else extraction.last_successful_update
    now = datetime.now(UTC)
    if previous is not None and now <= previous:
        now = previous + timedelta(milliseconds=1)
    if failed:
        extraction.last_failed_update = now
    else:
        extraction.last_successful_update = now


def _timestamp(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _transactions(item: Item, body: TransactionsBody) -> JsonObject:
    options = body.options
    count, offset = (options.count, options.offset) if options else (100, 0)
    start, end = body.start_date.isoformat(), body.end_date.isoformat()
    matching = sorted(
        (t for t in item.transactions if start <= str(t["date"]) <= end),
        key=lambda t: str(t["date"]),
        reverse=True,
    )
    page = matching[offset : offset + count]
    return {
        "item": item.item_json(),
        "accounts": list(item.accounts),
        "securities": item.securities_of(page),
        "investment_transactions": list[JsonValue](page),
        "total_investment_transactions": len(matching),
    }


def _dated(accounts: list[JsonObject], path: str) -> list[JsonValue]:
    """The accounts as the endpoint answers them: real-time balances are dated now."""
    if path != "/accounts/balance/get":
        return list(accounts)
    now = _timestamp(datetime.now(UTC))
    dated: list[JsonValue] = []
    for account in accounts:
        balances = account["balances"]
        assert isinstance(balances, dict)
        dated.append({**account, "balances": {**balances, "last_updated_datetime": now}})
    return dated


def _schema_refusal(exc: ValidationError) -> Response:
    errors = exc.errors()
    names = sorted({".".join(str(part) for part in error["loc"]) for error in errors})
    kinds = {error["type"] for error in errors}
    if "extra_forbidden" in kinds:
        return invalid_request(
            "UNKNOWN_FIELDS", f"the following fields are not recognized: {', '.join(names)}"
        )
    if "missing" in kinds:
        return invalid_request(
            "MISSING_FIELDS", f"the following required fields are missing: {', '.join(names)}"
        )
    return invalid_request("INVALID_FIELD", f"invalid fields: {', '.join(names)}")
