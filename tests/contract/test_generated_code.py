"""`generated/` and `clients/python/generated/` are exactly what `make generate` makes from
`protos/`."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.generate_protos import REPO_ROOT, generate


def files_under(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.parametrize("folder", ["generated", "clients/python/generated"])
def test_generated_code_matches_the_protos(tmp_path: Path, folder: str) -> None:
    generate(tmp_path)

    committed = files_under(REPO_ROOT / folder)
    fresh = files_under(tmp_path)
    assert sorted(committed) == sorted(fresh), f"run `make generate` and commit {folder}/"
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert stale == [], f"stale generated files: {stale}; run `make generate` and commit"
