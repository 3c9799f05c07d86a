"""MoneyKit's error body: `{error_code, error_message, documentation_url, ...}`.

The codes are the ones MoneyKit's published SDK models carry as their defaults.
"""

from service.sandbox._http import Response, json_response
from service.sandbox._json import JsonObject, JsonValue

_DOCUMENTATION_URL = "https://docs.moneykit.com/reference/errors"


def error_response(
    status: int,
    error_code: str,
    error_message: str,
    *,
    extra: JsonObject | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: JsonObject = {
        "error_code": error_code,
        "error_message": error_message,
        "documentation_url": _DOCUMENTATION_URL,
        **(extra or {}),
    }
    return json_response(status, body, headers=headers)


def validation_failed(location: list[JsonValue], message: str) -> Response:
    """A request that does not fit the endpoint, with FastAPI-style `validation_errors`."""
    detail: JsonObject = {"loc": location, "msg": message, "type": "value_error"}
    return error_response(
        400,
        "api_error.request.validation_failed",
        "Request validation error",
        extra={"validation_errors": [detail]},
    )


def unauthorized(message: str) -> Response:
    return error_response(401, "api_error.auth.unauthorized", message)


def not_found() -> Response:
    # An unknown route: FastAPI's own answer, not a MoneyKit error code.
    return json_response(404, {"detail": "Not Found"})
