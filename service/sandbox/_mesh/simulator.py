"""Mesh's holdings value and cancel order endpoints, answered as the documents describe them."""

import secrets
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from service.sandbox import triggers
from service.sandbox._http import RecordedRequest, Response, SimulatedUpstream, json_response
from service.sandbox._mesh.bodies import CancelOrderBody, HoldingsValueBody
from service.sandbox._mesh.endpoints import CANCEL_PATH, HOLDINGS_VALUE_PATH
from service.sandbox._mesh.failures import cancel_failure, holdings_value_failure
from service.sandbox._mesh.institutions import (
    CANCEL_NEEDS_SIDE,
    CANCEL_NEEDS_SYMBOL_PAIR,
    CANCEL_SUPPORTED,
    HOLDINGS_VALUE_SUPPORTED,
)
from service.sandbox._mesh.portfolios import partial_portfolio_value, portfolio_value
from service.sandbox._mesh.replies import bad_request, envelope, envelope_response

_Body = TypeVar("_Body", bound=BaseModel)


class MeshSimulator(SimulatedUpstream):
    def __init__(self, client_id: str, client_secret: str) -> None:
        super().__init__("mesh")
        self._client_id = client_id.encode()
        self._client_secret = client_secret.encode()

    def handle(self, request: RecordedRequest) -> Response:
        if request.method != "POST" or request.path not in (HOLDINGS_VALUE_PATH, CANCEL_PATH):
            return Response(404)
        if not self._has_credentials(request.headers):
            return Response(401)
        if request.path == HOLDINGS_VALUE_PATH:
            return _holdings_value(request.body)
        return _cancel(request.body)

    def _has_credentials(self, headers: dict[str, str]) -> bool:
        # Both compared, always: answering faster for a wrong id would leak which one was wrong.
        id_matches = secrets.compare_digest(
            headers.get("x-client-id", "").encode(), self._client_id
        )
        secret_matches = secrets.compare_digest(
            headers.get("x-client-secret", "").encode(), self._client_secret
        )
        return id_matches and secret_matches


def _holdings_value(raw_body: bytes) -> Response:
    body = _parse(HoldingsValueBody, raw_body)
    if isinstance(body, Response):
        return body
    if body.institution not in HOLDINGS_VALUE_SUPPORTED:
        return _not_supported(body.institution)
    failure = holdings_value_failure(body.auth_token)
    if failure is not None:
        return failure
    if body.auth_token == triggers.MESH_PARTIAL:
        content = partial_portfolio_value(body.institution)
    else:
        content = portfolio_value(body.institution)
    return json_response(200, {**envelope("ok", ""), "content": content})


def _cancel(raw_body: bytes) -> Response:
    body = _parse(CancelOrderBody, raw_body)
    if isinstance(body, Response):
        return body
    if body.institution not in CANCEL_SUPPORTED:
        return _not_supported(body.institution)
    if body.institution in CANCEL_NEEDS_SIDE and body.side not in ("buy", "sell"):
        return bad_request("missingField", f"The side field is required for {body.institution}.")
    if body.institution in CANCEL_NEEDS_SYMBOL_PAIR and not body.symbol_pair:
        return bad_request(
            "missingField", f"The symbolPair field is required for {body.institution}."
        )
    failure = cancel_failure(body.auth_token, body.id)
    if failure is not None:
        return failure
    return envelope_response(200, "ok", f"The order '{body.id}' was cancelled.")


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


def _not_supported(institution: str) -> Response:
    return bad_request("notSupported", f"The {institution} integration is not supported here.")
