"""Plaid's error object: `{error_type, error_code, error_message, display_message, request_id,
documentation_url, suggested_action, ...}`, with the HTTP status Plaid's errors documentation
gives each."""

import secrets
import string

from service.sandbox._http import Response, json_response
from service.sandbox._json import JsonObject

_DOCUMENTATION = "https://plaid.com/docs/errors/"
_REQUEST_ID_ALPHABET = string.ascii_letters + string.digits


def request_id() -> str:
    """A fresh id for one answer, in the 15 letters and digits Plaid's look like."""
    return "".join(secrets.choice(_REQUEST_ID_ALPHABET) for _ in range(15))


def plaid_error(
    status: int,
    error_type: str,
    error_code: str,
    error_message: str,
    *,
    display_message: str | None = None,
    suggested_action: str | None = None,
) -> Response:
    body: JsonObject = {
        "error_type": error_type,
        "error_code": error_code,
        "error_code_reason": None,
        "error_message": error_message,
        "display_message": display_message,
        "request_id": request_id(),
        "causes": [],
        "status": status,
        "documentation_url": f"{_DOCUMENTATION}{error_type.lower().replace('_', '-')}/"
        f"#{error_code.lower()}",
        "suggested_action": suggested_action,
    }
    return json_response(status, body)


def invalid_request(error_code: str, error_message: str) -> Response:
    return plaid_error(400, "INVALID_REQUEST", error_code, error_message)


_RATE_LIMIT_CODES = {
    "/investments/holdings/get": "INVESTMENT_HOLDINGS_GET_LIMIT",
    "/investments/transactions/get": "INVESTMENT_TRANSACTIONS_LIMIT",
    "/accounts/get": "ACCOUNTS_LIMIT",
    "/accounts/balance/get": "ACCOUNTS_BALANCE_GET_LIMIT",
    "/item/get": "ITEM_GET_LIMIT",
}


def triggered(error_code: str, path: str) -> Response | None:
    """The answer of the trigger `access-sandbox-error_<error_code>`, if it is one."""
    match error_code:
        case "INVALID_ACCESS_TOKEN":
            return invalid_access_token()
        case "ITEM_LOGIN_REQUIRED":
            return plaid_error(
                400,
                "ITEM_ERROR",
                "ITEM_LOGIN_REQUIRED",
                "the institution needs the user to sign in again before this item can be read; "
                "send the user through Link's update mode",
                display_message="Your login details changed. Sign in again to reconnect.",
                suggested_action="Launch Link in update mode.",
            )
        case "ITEM_NOT_FOUND":
            return plaid_error(
                400,
                "ITEM_ERROR",
                "ITEM_NOT_FOUND",
                "no item exists for this access token: it was removed, or the user revoked access",
            )
        case "PRODUCT_NOT_READY":
            return plaid_error(
                400,
                "ITEM_ERROR",
                "PRODUCT_NOT_READY",
                "the investments data of this item is still being extracted; try again later",
            )
        case "INVALID_FIELD":
            return invalid_request("INVALID_FIELD", "the access_token is not for this product")
        case "RATE_LIMIT_EXCEEDED":
            return plaid_error(
                429,
                "RATE_LIMIT_EXCEEDED",
                _RATE_LIMIT_CODES.get(path, "RATE_LIMIT"),
                "too many requests for this item; try again later",
            )
        case "INSTITUTION_DOWN":
            return plaid_error(
                400,
                "INSTITUTION_ERROR",
                "INSTITUTION_DOWN",
                "the institution is not answering at the moment; try again soon",
                display_message="Your bank is not answering right now. Please try again later.",
            )
        case "INTERNAL_SERVER_ERROR":
            return plaid_error(
                500,
                "API_ERROR",
                "INTERNAL_SERVER_ERROR",
                "an unexpected error occurred",
                suggested_action="Retry the request.",
            )
    return None


def invalid_access_token() -> Response:
    return plaid_error(
        400,
        "INVALID_INPUT",
        "INVALID_ACCESS_TOKEN",
        "the access token is not one of this environment's: expected access-sandbox-<identifier>",
    )
