"""Generate the TypeScript client's code (`clients/typescript/src/gen/`) with buf and the local
protoc-gen-es plugin that `buf.gen.yaml` names.

buf reads an image that protoc makes: `protos/` and, for decoding rich errors,
`google/rpc/status.proto` and `google/rpc/error_details.proto` as googleapis-common-protos ships
them. The well-known types come with `@bufbuild/protobuf`, so they are left out of the output.

    python -m scripts.generate_typescript [OUTPUT_ROOT]   # default: the repository

The staleness test generates into a temporary root and compares.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from google.rpc import status_pb2

from scripts.generate_protos import REPO_ROOT, run_protoc

BUF = REPO_ROOT / ".tools" / "node_modules" / ".bin" / "buf"
TEMPLATE = REPO_ROOT / "buf.gen.yaml"
GOOGLEAPIS_ROOT = Path(status_pb2.__file__).resolve().parents[2]
RICH_ERROR_PROTOS = ("google/rpc/status.proto", "google/rpc/error_details.proto")


def write_image(path: Path) -> None:
    run_protoc(
        f"--proto_path={GOOGLEAPIS_ROOT}",
        "--include_imports",
        "--include_source_info",
        f"--descriptor_set_out={path}",
        *RICH_ERROR_PROTOS,
    )


def generate(output_root: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        image = Path(scratch) / "image.binpb"
        write_image(image)
        # The pinned buf, with arguments of our own: nothing here comes from outside.
        subprocess.run(  # noqa: S603
            [
                str(BUF),
                "generate",
                str(image),
                "--template",
                str(TEMPLATE),
                "--output",
                str(output_root),
                "--exclude-path",
                "google/protobuf",
            ],
            cwd=REPO_ROOT,
            check=True,
            timeout=300,
        )


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO_ROOT)
