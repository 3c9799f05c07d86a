"""Validation of a `PlaidItem`, shared by every Plaid operation and the portfolio pre-check."""

from __future__ import annotations

from aggregator.v1.connection_pb2 import PlaidItem
from service.core.validation import Violations


def validate_connection(
    item: PlaidItem, violations: Violations, field: str = "connection.plaid"
) -> None:
    violations.require_text(f"{field}.access_token", item.access_token)


def valid_access_token(item: PlaidItem) -> str:
    """The Item's access token, or INVALID_ARGUMENT when it has none."""
    violations = Violations()
    validate_connection(item, violations)
    violations.raise_if_any()
    return item.access_token
