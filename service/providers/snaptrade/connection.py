"""A `SnapTradeAccount`: its validation, shared by every operation and the portfolio pre-check,
and where its parts go in SnapTrade's requests (the account in the path, the user in the
query)."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from aggregator.v1.connection_pb2 import SnapTradeAccount
from service.core.validation import Violations


def validate_connection(
    account: SnapTradeAccount, violations: Violations, field: str = "connection.snaptrade"
) -> None:
    violations.require_text(f"{field}.user_id", account.user_id)
    violations.require_text(f"{field}.user_secret", account.user_secret)
    if not account.account_id.strip():
        violations.add(f"{field}.account_id", "is required and must not be empty")
    elif not _is_uuid(account.account_id):
        violations.add(f"{field}.account_id", "must be a SnapTrade account id (a UUID)")


def valid_account(account: SnapTradeAccount) -> SnapTradeAccount:
    """`account`, or INVALID_ARGUMENT naming every bad field."""
    violations = Violations()
    validate_connection(account, violations)
    violations.raise_if_any()
    return account


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def user_query(account: SnapTradeAccount) -> tuple[tuple[str, str], ...]:
    """The user's part of every query; `userSecret` makes the URL a secret."""
    return (("userId", account.user_id), ("userSecret", account.user_secret))


def account_path(account: SnapTradeAccount, rest: str = "") -> str:
    return f"/accounts/{segment(account.account_id)}{rest}"


def segment(value: str) -> str:
    """`value` as one path segment, whatever characters it holds."""
    encoded = quote(value, safe="")
    # A segment of only dots would be removed as a dot segment, so its dots are escaped.
    return encoded.replace(".", "%2E") if set(encoded) == {"."} else encoded
