"""Trim a provider's OpenAPI document to the paths the gateway calls and what they refer to.

Plaid's published document is about 3 MB of YAML; the tests need six paths of it. The copy keeps
the document's own text for those paths, every component they reach through `$ref`, the
servers and the global security requirement, written as JSON:

    .venv/bin/python -m scripts.trim_openapi ../shared/reference/plaid-openapi.yml \
        docs/upstreams/plaid-openapi.json /investments/holdings/get /item/get ...

Dates and times stay the text the document wrote (YAML would read them as dates).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml


class _TextTimestamps(yaml.SafeLoader):
    """Reads timestamps as the strings they are in JSON."""


_TextTimestamps.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def trimmed(document: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    reached: dict[str, dict[str, Any]] = {}

    def follow(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                follow(item)
        elif isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/components/"):
                _, _, kind, name = reference.split("/", 3)
                section = reached.setdefault(kind, {})
                if name not in section:
                    section[name] = document["components"][kind][name]
                    follow(section[name])
            for value in node.values():
                follow(value)

    chosen = {path: document["paths"][path] for path in paths}
    follow(chosen)
    security_schemes = document["components"].get("securitySchemes", {})
    if security_schemes:
        reached["securitySchemes"] = security_schemes
    return {
        "openapi": document["openapi"],
        "info": document["info"],
        "servers": document.get("servers", []),
        "security": document.get("security", []),
        "paths": chosen,
        "components": {kind: dict(sorted(items.items())) for kind, items in reached.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("paths", nargs="+")
    arguments = parser.parse_args()
    document = yaml.load(arguments.source.read_text(encoding="utf-8"), Loader=_TextTimestamps)  # noqa: S506 (a SafeLoader)
    arguments.output.write_text(
        json.dumps(trimmed(document, arguments.paths), indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
