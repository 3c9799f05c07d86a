"""SnapTrade's error bodies, whose shapes differ by status as its document's examples show."""

from service.sandbox._http import Response, json_response
from service.sandbox._json import JsonObject


def failed_request(status: int, detail: str, code: int) -> Response:
    """The `{default_detail, default_code}` shape of 400, 401 and 404."""
    return json_response(status, {"default_detail": detail, "default_code": code})


def detailed(
    status: int, detail: str, code: int | str, headers: dict[str, str] | None = None
) -> Response:
    """The `{detail, status_code, code}` shape of 401 (user), 429, 500 and 503."""
    body: JsonObject = {"detail": detail, "status_code": status, "code": code}
    return json_response(status, body, headers=headers)


def signature_rejected() -> Response:
    return failed_request(401, "Unable to verify signature sent", 1076)


def not_found() -> Response:
    return failed_request(404, "The requested resource does not exist.", 1011)


def bad_request(detail: str) -> Response:
    return failed_request(400, detail, 1076)


def feature_not_enabled() -> Response:
    return json_response(
        403,
        {
            "detail": "Feature is not enabled for this customer or this connection",
            "default_code": 1141,
        },
    )
