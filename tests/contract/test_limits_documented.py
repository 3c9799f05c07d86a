"""The request limits the gateway enforces are the ones its API reference and README state."""

from __future__ import annotations

import re

import pytest
from google.protobuf import descriptor_pool
from google.protobuf.descriptor import FieldDescriptor

from scripts.api_reference import DEFAULT_OUTPUT
from service.core.limits import DEFAULT_LIMIT, FieldLimit
from service.providers.registry import field_limits
from tests.e2e.test_readme import README

ANCHOR = re.compile(r'<a name="([^"]+)"></a>')
LIMITS = field_limits()


def sections() -> dict[str, str]:
    parts = ANCHOR.split(DEFAULT_OUTPUT.read_text(encoding="utf-8"))
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def stated(field: FieldDescriptor, limit: FieldLimit) -> list[str]:
    """How the documents word the field's limits."""
    phrases = []
    if field.type == field.TYPE_STRING:
        phrases.append(f"{limit.max_chars} characters")
    if limit.max_url_bytes is not None:
        phrases.append(f"{limit.max_url_bytes} bytes")
    if field.is_repeated:
        phrases.append(f"{limit.max_entries} entries")
    return phrases


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_the_api_reference_states_each_declared_limit(name: str) -> None:
    field = descriptor_pool.Default().FindFieldByName(name)
    section = sections()[field.containing_type.full_name]

    for phrase in stated(field, LIMITS[name]):
        assert f"at most {phrase}" in section, f"{name}: docs/api.md does not say {phrase!r}"


def test_the_api_reference_states_the_defaults() -> None:
    service = sections()["aggregator.v1.AggregatorService"]

    assert f"at most {DEFAULT_LIMIT.max_chars} characters" in service
    assert f"at most {DEFAULT_LIMIT.max_entries} entries" in service
    assert "MALFORMED_REQUEST" in service


def test_the_readme_lists_each_declared_limit() -> None:
    match = re.search(r"## Request limits\n(.*?)\n## ", README, re.DOTALL)
    assert match, "the README lost its Request limits section"
    rows = {row.split("|")[1]: row for row in match.group(1).splitlines() if row.startswith("| `")}

    for name, limit in LIMITS.items():
        field = descriptor_pool.Default().FindFieldByName(name)
        short = f"`{field.containing_type.name}.{field.name}`"
        (row,) = [row for cell, row in rows.items() if short in cell]
        for phrase in stated(field, limit):
            assert phrase in row, f"{short}: the README does not say {phrase!r}"
    assert f"{DEFAULT_LIMIT.max_chars} characters; {DEFAULT_LIMIT.max_entries} entries" in (
        match.group(1)
    )
