"""Validation of a `MoneyKitLink`, shared by every MoneyKit operation and the portfolio
pre-check."""

from __future__ import annotations

from urllib.parse import quote

from aggregator.v1.connection_pb2 import MoneyKitLink
from service.core.validation import Violations


def validate_connection(
    link: MoneyKitLink, violations: Violations, field: str = "connection.moneykit"
) -> None:
    violations.require_text(f"{field}.link_id", link.link_id)


def link_path(link_id: str, rest: str) -> str:
    """`/links/{link_id}{rest}`, the link id one path segment whatever characters it holds."""
    segment = quote(link_id, safe="")
    # A segment of only dots would be removed as a dot segment, so its dots are escaped.
    if set(segment) == {"."}:
        segment = segment.replace(".", "%2E")
    return f"/links/{segment}{rest}"
