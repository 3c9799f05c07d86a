"""A refresh MoneyKit reports as failed (`products.investments.error_code` of the link) as the
gateway error that says what the caller can do about it.

MoneyKit documents the codes (the SDK's `LinkProductError`) but not what each one asks of a
client, so each is placed by what it means:

- `rate_limit`: the institution or MoneyKit limits refreshes; later will work → RESOURCE_EXHAUSTED.
- `auth_expired`: the user's authorization at the institution lapsed; only reconnecting the link
  helps → UNAUTHENTICATED.
- `not_supported`, `no_accounts`, `no_permission`: the link itself cannot be refreshed (the
  institution offers no investments refresh, there are no accounts, the user withheld the
  permission); retrying the same call cannot succeed until that changes → FAILED_PRECONDITION.
- `timeout`, `institution_error`, `unknown`, and any code MoneyKit adds later: a failure on
  MoneyKit's or the institution's side that a later attempt may not meet → UNAVAILABLE.
"""

from __future__ import annotations

from service.core.envelope import Envelope, EnvelopeStatus
from service.core.errors import (
    UpstreamError,
    UpstreamFailedPrecondition,
    UpstreamRateLimited,
    UpstreamUnavailable,
    UserCredentialsRejected,
)
from service.providers.moneykit import link, models
from service.providers.upstream import upstream_error

_KINDS: dict[str, tuple[type[UpstreamError], EnvelopeStatus, str]] = {
    "rate_limit": (
        UpstreamRateLimited,
        EnvelopeStatus.TOO_MANY_REQUEST,
        "refreshes of this link are rate-limited; try again later",
    ),
    "auth_expired": (
        UserCredentialsRejected,
        EnvelopeStatus.PERMISSION_DENIED,
        "the link's authorization at the institution expired; the user must reconnect it",
    ),
    "not_supported": (
        UpstreamFailedPrecondition,
        EnvelopeStatus.CONFLICT,
        "the institution does not support refreshing this link's investments",
    ),
    "no_accounts": (
        UpstreamFailedPrecondition,
        EnvelopeStatus.CONFLICT,
        "the link has no accounts to refresh",
    ),
    "no_permission": (
        UpstreamFailedPrecondition,
        EnvelopeStatus.PERMISSION_DENIED,
        "the user has not granted the investments permission for this link",
    ),
}
_UNAVAILABLE = (
    UpstreamUnavailable,
    EnvelopeStatus.SERVER_FAILURE,
    "MoneyKit or the institution failed to refresh it; a later refresh may succeed",
)


def refresh_failure(product: models.Product) -> UpstreamError:
    """The error of a refresh whose product reports `error_code`."""
    code = product.error_code or "unknown"
    kind, status, meaning = _KINDS.get(code, _UNAVAILABLE)
    return upstream_error(
        kind,
        f"MoneyKit could not refresh the link's investments ({code}): {meaning}.",
        link.CALL,
        envelope=Envelope(status=status, message=product.error_message or "", error_type=code),
    )
