"""The Mesh OpenAPI document as a validator: what the sandbox contract tests hold requests and
answers to."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

REPOSITORY = Path(__file__).resolve().parents[2]
DOCUMENT = REPOSITORY / "docs" / "upstreams" / "mesh-openapi.json"
DOCUMENT_URI = "urn:mesh-openapi"


@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DOCUMENT.read_text())
    return loaded


@cache
def registry() -> Registry[Any]:
    contents = read_nullable_references_as_meant(document())
    return Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(contents, default_specification=DRAFT4)
    )


def read_nullable_references_as_meant(node: Any) -> Any:
    """The document with `{allOf: [X], nullable: true}` read as "X or null".

    The document's generator (Swashbuckle) writes a nullable reference that way. OpenAPI 3.0.3
    later clarified that `nullable` does not reach into `allOf`, so a strict validator would
    refuse the `content: null` the upstream sends on failure. Reading it as its author meant it
    keeps that answer checked instead of unvalidated.
    """
    if isinstance(node, list):
        return [read_nullable_references_as_meant(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: read_nullable_references_as_meant(value) for key, value in node.items()}
    if converted.get("nullable") is True and "allOf" in converted and "type" not in converted:
        del converted["nullable"]
        return {"anyOf": [converted, {"enum": [None]}]}
    return converted


def pointer(*parts: str) -> str:
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def request_schema(path: str) -> str:
    return pointer("paths", path, "post", "requestBody", "content", "application/json", "schema")


def validation_errors(schema: str, instance: object) -> list[str]:
    validator = OAS30Validator({"$ref": DOCUMENT_URI + schema}, registry=registry())
    return sorted(
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(instance)
    )
