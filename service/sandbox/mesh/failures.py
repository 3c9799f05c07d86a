"""The answers the Mesh trigger tokens select (see `service.sandbox.triggers`)."""

from service.sandbox._http import Response, json_response
from service.sandbox.mesh import triggers
from service.sandbox.mesh.endpoints import CANCEL_PATH
from service.sandbox.mesh.replies import envelope, envelope_response, problem_details

_MALFORMED_BODY = b'{"status": "ok", "content": {'


def holdings_failure(auth_token: str) -> Response | None:
    """The failure of a read endpoint (holdings value, holdings get, balance, order list): all
    answer with the same envelopes."""
    match auth_token:
        case triggers.MESH_BAD_REQUEST:
            return envelope_response(
                400,
                "badRequest",
                "The auth token is not valid for this institution.",
                error_type="invalidField",
                display_message="Please reconnect your account.",
            )
        case triggers.MESH_NOT_FOUND:
            return envelope_response(
                400, "notFound", "The account was not found.", error_type="accountNotFound"
            )
        case triggers.MESH_CONFLICT:
            return envelope_response(
                400,
                "conflict",
                "Another request for this account is in progress.",
                error_type="requestConflict",
            )
        case triggers.MESH_ENVELOPE_FAILURE:
            body = envelope(
                "serverFailure", "The institution did not answer.", error_type="brokerError"
            )
            return json_response(200, {**body, "content": None})
    return _shared_failure(auth_token)


def cancel_failure(auth_token: str, order_id: str, path: str = CANCEL_PATH) -> Response | None:
    """The failure of the cancel or (`path`) the details endpoint, which answer alike."""
    match auth_token:
        case triggers.MESH_BAD_REQUEST:
            return problem_details(
                400,
                "One or more validation errors occurred.",
                f"The order '{order_id}' cannot be "
                f"{'cancelled' if path == CANCEL_PATH else 'read'} with these details.",
                path,
            )
        case triggers.MESH_NOT_FOUND:
            return problem_details(
                404, "Not Found", f"Transaction is not found: '{order_id}'.", path
            )
        case triggers.MESH_CONFLICT:
            return envelope_response(
                400,
                "conflict",
                f"The order '{order_id}' is not in progress.",
                error_type="orderNotCancellable",
                display_message="The order was already executed.",
            )
        case triggers.MESH_ENVELOPE_FAILURE:
            return envelope_response(
                200, "serverFailure", "The institution did not answer.", error_type="brokerError"
            )
    return _shared_failure(auth_token)


def _shared_failure(auth_token: str) -> Response | None:
    match auth_token:
        case triggers.MESH_UNAUTHORIZED:
            return Response(401)
        case triggers.MESH_PERMISSION_DENIED:
            return Response(403, b"Forbidden", "text/plain")
        case triggers.MESH_LOCKED:
            return envelope_response(
                400, "locked", "The account is locked.", error_type="accountLocked"
            )
        case triggers.MESH_LEGAL:
            return envelope_response(
                400,
                "unavailableForLegalReasons",
                "The institution is not available in the user's jurisdiction.",
                error_type="unavailableForLegalReasons",
            )
        case triggers.MESH_RATE_LIMITED:
            return envelope_response(
                429,
                "tooManyRequest",
                "Too many requests.",
                error_type="tooManyRequests",
                headers={"Retry-After": str(triggers.RETRY_AFTER_SECONDS)},
            )
        case triggers.MESH_SERVER_FAILURE:
            return envelope_response(
                500, "serverFailure", "Internal server error.", error_type="brokerError"
            )
        case triggers.MESH_UNAVAILABLE:
            return Response(503)
        case triggers.MESH_MALFORMED:
            return Response(200, _MALFORMED_BODY, "application/json")
    return None
