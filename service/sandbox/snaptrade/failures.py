"""The answers the SnapTrade trigger user ids select (see `service.sandbox.snaptrade.triggers`)."""

from service.sandbox._http import Response, json_response
from service.sandbox.snaptrade import triggers
from service.sandbox.snaptrade.errors import (
    bad_request,
    detailed,
    feature_not_enabled,
    not_found,
    signature_rejected,
)

_MALFORMED_BODY = b'{"results": [{'


def user_failure(user_id: str) -> Response | None:
    match user_id:
        case triggers.SNAPTRADE_BAD_REQUEST:
            return bad_request("Unable to verify data sent")
        case triggers.SNAPTRADE_SIGNATURE_REJECTED:
            return signature_rejected()
        case triggers.SNAPTRADE_INVALID_USER:
            return detailed(401, "Invalid userID or userSecret provided", "1083")
        case triggers.SNAPTRADE_DISABLED:
            return json_response(
                402,
                {
                    "detail": "Unable to sync with brokerage account because the connection "
                    "is disabled.",
                    "code": 3003,
                },
            )
        case triggers.SNAPTRADE_FORBIDDEN:
            return feature_not_enabled()
        case triggers.SNAPTRADE_NOT_FOUND:
            return not_found()
        case triggers.SNAPTRADE_RATE_LIMITED:
            return detailed(
                429,
                "Request was throttled. Expected available in "
                f"{triggers.RATE_LIMIT_RESET_SECONDS} seconds.",
                "0000",
                headers={
                    "X-RateLimit-Limit": "250",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(triggers.RATE_LIMIT_RESET_SECONDS),
                },
            )
        case triggers.SNAPTRADE_SERVER_FAILURE:
            return detailed(500, "Encountered an unexpected exception.", 1000)
        case triggers.SNAPTRADE_UNAVAILABLE:
            return detailed(
                503,
                "Unable to sync with brokerage account. Invalid response from Brokerage API.",
                3002,
            )
        case triggers.SNAPTRADE_MALFORMED:
            return Response(200, _MALFORMED_BODY, "application/json")
    return None
