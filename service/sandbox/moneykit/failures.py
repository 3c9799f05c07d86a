"""The answers the MoneyKit trigger link ids select (see `service.sandbox.triggers`)."""

from service.sandbox._http import Response
from service.sandbox.moneykit import triggers
from service.sandbox.moneykit.errors import error_response, validation_failed

_MALFORMED_BODY = b'{"holdings": [{'


def holdings_failure(link_id: str) -> Response | None:
    match link_id:
        case triggers.MONEYKIT_RATE_LIMITED:
            return error_response(
                429,
                "api_error.rate_limit_exceeded",
                "Rate limit exceeded",
                headers={"Retry-After": str(triggers.RETRY_AFTER_SECONDS)},
            )
        case triggers.MONEYKIT_SERVER_FAILURE:
            return error_response(500, "api_error.internal_server_error", "Internal server error")
        case triggers.MONEYKIT_UNAVAILABLE:
            return Response(503)
        case triggers.MONEYKIT_BAD_REQUEST:
            return validation_failed(["path", "id"], "The link id is not valid.")
        case triggers.MONEYKIT_UNAUTHORIZED_LINK:
            return error_response(
                401, "link_error.unauthorized_access", "Unauthorized link access."
            )
        case triggers.MONEYKIT_FORBIDDEN:
            return error_response(
                403,
                "link_error.forbidden_action",
                "This link does not allow the investments product.",
            )
        case triggers.MONEYKIT_NOT_FOUND:
            return error_response(404, "link_error.not_found", "Link not found.")
        case triggers.MONEYKIT_DELETED:
            return error_response(
                410, "link_error.deleted", "This link was deleted at some earlier time."
            )
        case triggers.MONEYKIT_EXPIRED:
            return error_response(
                422,
                "link_error.bad_state",
                "The link's authorization at the institution has expired.",
                extra={"link_error_code": "auth_expired"},
            )
        case triggers.MONEYKIT_MALFORMED:
            return Response(200, _MALFORMED_BODY, "application/json")
    return None
