"""The upstream documents in `docs/upstreams/` are the copies its README lists, unedited."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

UPSTREAMS = Path(__file__).resolve().parents[2] / "docs" / "upstreams"
README = UPSTREAMS / "README.md"


def listed_digests() -> dict[str, str]:
    return {
        name: digest
        for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", README.read_text(), re.M)
    }


def test_every_upstream_document_is_listed_with_its_digest() -> None:
    documents = {
        path.relative_to(UPSTREAMS).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in UPSTREAMS.rglob("*")
        if path.is_file() and path != README
    }

    assert documents == listed_digests(), "update docs/upstreams/README.md with the new copy"
