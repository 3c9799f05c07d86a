"""`docs/api.md` is exactly what `make docs` renders from `protos/`, and it documents every
service, RPC, message, field, enum and enum value of the contract with its comment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

from scripts.api_reference import (
    DEFAULT_OUTPUT,
    PACKAGE,
    cell,
    compile_protos,
    generate,
)
from scripts.generate_protos import PROTO_ROOT

ANCHOR = re.compile(r'<a name="([^"]+)"></a>')


@pytest.fixture(scope="module")
def descriptor_set() -> descriptor_pb2.FileDescriptorSet:
    return compile_protos()


@pytest.fixture(scope="module")
def doc() -> str:
    return DEFAULT_OUTPUT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sections(doc: str) -> dict[str, str]:
    """The doc's text after each anchor up to the next one, by anchor name."""
    parts = ANCHOR.split(doc)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_committed_reference_matches_the_protos(tmp_path: Path) -> None:
    fresh = tmp_path / "api.md"
    generate(fresh)

    assert DEFAULT_OUTPUT.exists(), "docs/api.md is missing: run `make docs` and commit it"
    assert DEFAULT_OUTPUT.read_bytes() == fresh.read_bytes(), (
        "docs/api.md is stale: run `make docs` and commit it"
    )


def test_rendering_is_reproducible(tmp_path: Path) -> None:
    generate(tmp_path / "first.md")
    generate(tmp_path / "second.md")

    assert (tmp_path / "first.md").read_bytes() == (tmp_path / "second.md").read_bytes()
    assert str(tmp_path) not in (tmp_path / "first.md").read_text(encoding="utf-8")


def test_it_says_it_is_generated(doc: str) -> None:
    first_line = doc.splitlines()[0]

    assert "make docs" in first_line
    assert "protos/" in first_line
    assert "Do not edit by hand" in first_line


def package_files(
    descriptor_set: descriptor_pb2.FileDescriptorSet,
) -> list[descriptor_pb2.FileDescriptorProto]:
    files = [file for file in descriptor_set.file if file.package == PACKAGE]
    assert files, f"no {PACKAGE} files were compiled"
    return files


def all_messages(
    prefix: str, messages: list[descriptor_pb2.DescriptorProto]
) -> list[tuple[str, descriptor_pb2.DescriptorProto]]:
    """Every message with its full name, nested ones included; map entries are not
    messages of the API (their fields show as `map<k, v>`)."""
    found = []
    for message in messages:
        full_name = f"{prefix}.{message.name}"
        if not message.options.map_entry:
            found.append((full_name, message))
        found.extend(all_messages(full_name, list(message.nested_type)))
    return found


def all_enums(
    prefix: str,
    enums: list[descriptor_pb2.EnumDescriptorProto],
    messages: list[descriptor_pb2.DescriptorProto],
) -> list[tuple[str, descriptor_pb2.EnumDescriptorProto]]:
    found = [(f"{prefix}.{enum.name}", enum) for enum in enums]
    for message in messages:
        full_name = f"{prefix}.{message.name}"
        found.extend(all_enums(full_name, list(message.enum_type), list(message.nested_type)))
    return found


def test_every_service_and_rpc_is_documented(
    descriptor_set: descriptor_pb2.FileDescriptorSet, sections: dict[str, str]
) -> None:
    services = [service for file in package_files(descriptor_set) for service in file.service]
    assert services

    for service in services:
        full_name = f"{PACKAGE}.{service.name}"
        assert f"### {service.name}\n" in sections[full_name]
        for method in service.method:
            section = sections[f"{full_name}.{method.name}"]
            assert f"#### {method.name}\n" in section
            request = method.input_type.rsplit(".", 1)[-1]
            response = method.output_type.rsplit(".", 1)[-1]
            assert f"[{request}](#{method.input_type.lstrip('.')})" in section
            assert f"[{response}](#{method.output_type.lstrip('.')})" in section
            assert ("`stream` [" + response in section) == method.server_streaming


def test_every_message_and_field_is_documented(
    descriptor_set: descriptor_pb2.FileDescriptorSet, sections: dict[str, str]
) -> None:
    messages = [
        message
        for file in package_files(descriptor_set)
        for message in all_messages(file.package, list(file.message_type))
    ]
    assert messages

    for full_name, message in messages:
        section = sections[full_name]
        assert f"### {full_name.removeprefix(PACKAGE + '.')}\n" in section
        for field in message.field:
            assert f"\n| `{field.name}` | {field.number} | " in section, (
                f"{full_name}.{field.name} has no row"
            )
        for oneof in message.oneof_decl:
            if not oneof.name.startswith("_"):
                assert f"Oneof `{oneof.name}`" in section


def test_every_enum_and_value_is_documented(
    descriptor_set: descriptor_pb2.FileDescriptorSet, sections: dict[str, str]
) -> None:
    enums = [
        enum
        for file in package_files(descriptor_set)
        for enum in all_enums(file.package, list(file.enum_type), list(file.message_type))
    ]
    assert enums

    for full_name, enum in enums:
        section = sections[full_name]
        assert f"### {full_name.removeprefix(PACKAGE + '.')}\n" in section
        for value in enum.value:
            assert f"\n| `{value.name}` | {value.number} | " in section, (
                f"{full_name}.{value.name} has no row"
            )


def test_only_the_package_is_documented(sections: dict[str, str], doc: str) -> None:
    assert all(name.startswith(f"{PACKAGE}.") for name in sections)
    assert "`google.protobuf.Timestamp`" in doc  # referenced by its full name only
    assert "ProductsEntry" not in doc  # map entries show as `map<k, v>`


def test_every_link_has_its_anchor(doc: str, sections: dict[str, str]) -> None:
    targets = set(re.findall(r"\]\(#([^)]+)\)", doc))

    assert targets
    assert targets - set(sections) == set()


def test_comments_are_the_protos_comments(doc: str, sections: dict[str, str]) -> None:
    # A two-line field comment, as one table cell.
    proto = (PROTO_ROOT / "aggregator" / "v1" / "aggregator_service.proto").read_text()
    assert "(Kraken\n  // with MFA enabled). It is a secret: the gateway never logs it." in proto
    assert (
        "| `mfa_code` | 6 | `string` |  | Optional. The user's MFA code, when the institution "
        "asks for one (Kraken with MFA enabled). It is a secret: the gateway never logs it. |"
    ) in sections[f"{PACKAGE}.CancelOrderRequest"]
    # An RPC's comment, a oneof's comment and an enum value's comment.
    assert (
        "The gateway never sends a cancel\ntwice"
        in sections[f"{PACKAGE}.AggregatorService.CancelOrder"]
    )
    assert "Oneof `item` (`entry`, `summary`): An entry as soon as its connection answered" in doc
    assert "| `INSTITUTION_E_TRADE` | 2 | E*TRADE, Mesh wire name `eTrade`. |" in doc


def test_table_cells_escape_pipes_and_join_lines() -> None:
    assert cell("Either `a|b`\nor c.\n\nSecond  paragraph.\n") == (
        "Either `a\\|b` or c.<br><br>Second  paragraph."
    )
    assert cell("") == ""
