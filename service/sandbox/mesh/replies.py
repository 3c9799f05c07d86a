"""The shapes Mesh answers with: the ApiResult envelope and RFC 7807 problem details."""

import hashlib
from typing import Literal

from service.sandbox._http import Response, json_response
from service.sandbox._json import JsonObject

Status = Literal[
    "ok",
    "serverFailure",
    "permissionDenied",
    "badRequest",
    "notFound",
    "conflict",
    "tooManyRequest",
    "locked",
    "unavailableForLegalReasons",
]


def envelope(
    status: Status,
    message: str,
    *,
    error_type: str = "",
    display_message: str | None = None,
) -> JsonObject:
    """An ApiResult without `content` (its schema forbids the property)."""
    return {
        "status": status,
        "message": message,
        "displayMessage": display_message,
        "errorType": error_type,
        "errorHash": _sha1_hex(f"{status}|{error_type}|{message}"),
        "errorData": None,
    }


def envelope_response(
    http_status: int,
    status: Status,
    message: str,
    *,
    error_type: str = "",
    display_message: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = envelope(status, message, error_type=error_type, display_message=display_message)
    return json_response(http_status, body, headers=headers)


def bad_request(error_type: str, message: str) -> Response:
    return envelope_response(400, "badRequest", message, error_type=error_type)


_RFC9110_SECTIONS = {400: 1, 404: 5}


def problem_details(status: int, title: str, detail: str, instance: str) -> Response:
    """What ASP.NET Core writes for a failed order request, trace id included."""
    trace = hashlib.sha256(f"{status}|{instance}|{detail}".encode()).hexdigest()
    body: JsonObject = {
        "type": f"https://tools.ietf.org/html/rfc9110#section-15.5.{_RFC9110_SECTIONS[status]}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "traceId": f"00-{trace[:32]}-{trace[32:48]}-00",
    }
    return json_response(status, body, content_type="application/problem+json")


def _sha1_hex(text: str) -> str:
    # An error grouping hash, not a secret: it only has to be stable.
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
