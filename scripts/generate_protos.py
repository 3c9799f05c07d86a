"""Run protoc over `protos/`: the Python code in `generated/` (the server's) and in
`clients/python/generated/` (the client package's), and descriptor sets for tools.

`make generate` writes into both; the staleness test writes into a temporary folder and
compares, so both go through `generate`. `run_protoc` is shared with the API reference.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc  # type: ignore[import-untyped]

REPO_ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO_ROOT / "protos"


def proto_files() -> list[Path]:
    return sorted(PROTO_ROOT.rglob("*.proto"))


def run_protoc(*options: str) -> None:
    """protoc over every proto, with the well-known types grpc_tools bundles on the path."""
    well_known_protos = resources.files("grpc_tools") / "_proto"
    args = [
        "grpc_tools.protoc",
        f"--proto_path={PROTO_ROOT}",
        f"--proto_path={well_known_protos}",
        *options,
        *(path.relative_to(PROTO_ROOT).as_posix() for path in proto_files()),
    ]
    status: int = protoc.main(args)
    if status != 0:
        raise SystemExit("protoc failed")


def generate(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    plugins = Path(sys.executable).parent
    run_protoc(
        f"--python_out={target}",
        f"--plugin=protoc-gen-mypy={plugins / 'protoc-gen-mypy'}",
        f"--mypy_out={target}",
        f"--grpc_python_out={target}",
        f"--plugin=protoc-gen-mypy_grpc={plugins / 'protoc-gen-mypy_grpc'}",
        f"--mypy_grpc_out={target}",
    )
    # Plain packages (not namespace packages) so setuptools and mypy find them.
    for folder in (p for p in target.rglob("*") if p.is_dir()):
        if not (folder / "__init__.py").exists():
            (folder / "__init__.py").touch()
    # The stubs are the package's types (PEP 561), for the callers' type checkers.
    (target / "aggregator" / "py.typed").touch()


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO_ROOT / "generated")
