"""`scripts/check_breaking.sh` runs `buf breaking` against the last released contract, the buf
image in `contract/`, so it needs no git history; `--release` replaces that image. And
`buf.gen.yaml` names local plugins only."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from service.version import VERSION
from tests.support.tools import missing, require_tool

try:
    import yaml
except ImportError:  # reported by the tests that need it
    yaml = None

REPO_ROOT = Path(__file__).resolve().parents[2]
BUF = REPO_ROOT / ".tools" / "node_modules" / ".bin" / "buf"
SCRIPT = REPO_ROOT / "scripts" / "check_breaking.sh"
SERVICE_PROTO = Path("protos/aggregator/v1/aggregator_service.proto")
INSTITUTION_PROTO = Path("protos/aggregator/v1/institution.proto")
RELEASED = Path("contract") / f"aggregator-{VERSION}.binpb"
# Git in the temporary clone: no user or system configuration (signing, hooks, templates).
GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


@pytest.fixture(scope="module")
def buf() -> Path:
    if not BUF.exists():
        missing("buf is not installed: run `make tools`")
    return BUF


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=GIT_ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


CANCEL_ORDER_ID = (
    "  // Required. The id of the pending order to cancel, at most 256 characters.\n"
    "  string order_id = 2;"
)
"""A line found once in the service file: the order id of `CancelOrderRequest`."""


@dataclass
class ContractCopy:
    """A copy of the contract, the released image and the script, with no git at all."""

    root: Path
    buf: Path

    def edit(self, path: Path, old: str, new: str) -> None:
        file = self.root / path
        text = file.read_text()
        assert text.count(old) == 1, f"{old!r} is not once in {path}: update the test"
        file.write_text(text.replace(old, new))

    def check(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return run(self.root / "scripts" / "check_breaking.sh", "--buf", self.buf, *args, cwd=cwd)

    def images(self) -> list[str]:
        return sorted(path.name for path in (self.root / "contract").iterdir())


@pytest.fixture
def contract_copy(tmp_path: Path, buf: Path) -> ContractCopy:
    root = tmp_path / "copy"
    for folder in ("protos", "contract"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    shutil.copy2(REPO_ROOT / "buf.yaml", root / "buf.yaml")
    (root / "scripts").mkdir()
    shutil.copy2(SCRIPT, root / "scripts" / "check_breaking.sh")
    return ContractCopy(root, buf)


@dataclass(frozen=True)
class Change:
    """An edit to the contract and what buf says about it."""

    name: str
    path: Path
    old: str
    new: str
    complaint: str


BREAKING = [
    Change("field-type", SERVICE_PROTO,
           CANCEL_ORDER_ID, CANCEL_ORDER_ID.replace("string", "int64"),
           'Field "2" with name "order_id" on message "CancelOrderRequest" changed type'),
    Change("field-deleted", SERVICE_PROTO,
           "  string mfa_code = 6;\n  // Optional. After", "  // Optional. After",
           'Previously present field "6" with name "mfa_code" on message "CancelOrderRequest"'
           " was deleted"),
    Change("field-renamed", SERVICE_PROTO,
           CANCEL_ORDER_ID, CANCEL_ORDER_ID.replace("order_id", "order_ref"),
           'changed name from "order_id" to "order_ref"'),
    Change("rpc-renamed", SERVICE_PROTO, "  rpc CancelOrder(", "  rpc CancelOrders(",
           'Previously present RPC "CancelOrder" on service "AggregatorService" was deleted'),
    Change("enum-value-renamed", INSTITUTION_PROTO, "  INSTITUTION_ROBINHOOD = 1;",
           "  INSTITUTION_ROBINHOOD_US = 1;",
           'Enum value "1" on enum "Institution" changed name from "INSTITUTION_ROBINHOOD"'),
]  # fmt: skip

COMPATIBLE = Change(
    "field-added",
    SERVICE_PROTO,
    "  string mfa_code = 6;\n}\n",
    "  string mfa_code = 6;\n  // Optional. A note for the order's history.\n"
    "  string note = 7;\n}\n",
    "",
)


def test_the_contract_has_no_breaking_change_against_its_last_release(
    buf: Path, tmp_path: Path
) -> None:
    # From another directory: the script checks the repository it lives in.
    result = run(SCRIPT, "--buf", buf, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"no breaking change against release {VERSION}" in result.stdout


def test_the_released_image_is_of_the_current_version() -> None:
    assert sorted(path.name for path in (REPO_ROOT / "contract").glob("*.binpb")) == [RELEASED.name]


def test_a_shallow_clone_runs_the_same_check(buf: Path, tmp_path: Path) -> None:
    git = require_tool("git", "install git")
    clone = tmp_path / "clone"
    cloned = run(git, "clone", "--quiet", "--depth", "1", REPO_ROOT.as_uri(), clone, cwd=tmp_path)
    assert cloned.returncode == 0, cloned.stderr
    shallow = run(git, "rev-parse", "--is-shallow-repository", cwd=clone)
    assert shallow.stdout.strip() == "true"

    result = run(clone / "scripts" / "check_breaking.sh", "--buf", buf, cwd=clone)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no breaking change against release" in result.stdout


@pytest.mark.parametrize("change", BREAKING, ids=lambda change: change.name)
def test_a_breaking_change_fails(
    contract_copy: ContractCopy, change: Change, tmp_path: Path
) -> None:
    contract_copy.edit(change.path, change.old, change.new)

    result = contract_copy.check(cwd=tmp_path)

    assert result.returncode != 0, result.stdout
    assert change.complaint in result.stdout, result.stdout + result.stderr
    assert f"buf breaking failed (exit {result.returncode}) against release {VERSION}" in (
        result.stderr
    )


def test_a_compatible_change_passes(contract_copy: ContractCopy) -> None:
    contract_copy.edit(COMPATIBLE.path, COMPATIBLE.old, COMPATIBLE.new)

    result = contract_copy.check(cwd=contract_copy.root / "protos")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no breaking change" in result.stdout


def test_a_release_replaces_the_image_and_later_checks_compare_with_it(
    contract_copy: ContractCopy,
) -> None:
    contract_copy.edit(COMPATIBLE.path, COMPATIBLE.old, COMPATIBLE.new)

    released = contract_copy.check("--release", "9.1.0", cwd=contract_copy.root)
    contract_copy.edit(SERVICE_PROTO, "  string note = 7;\n", "")
    after = contract_copy.check(cwd=contract_copy.root)

    assert released.returncode == 0, released.stdout + released.stderr
    assert contract_copy.images() == ["aggregator-9.1.0.binpb"]
    assert after.returncode != 0
    assert 'Previously present field "7" with name "note"' in after.stdout
    assert "against release 9.1.0" in after.stderr


@pytest.mark.parametrize("version", ["1.2", "v1.2.3", "1.2.3-rc1", ""])
def test_a_release_needs_a_plain_semantic_version(
    contract_copy: ContractCopy, version: str
) -> None:
    result = contract_copy.check("--release", version, cwd=contract_copy.root)

    assert result.returncode == 2
    assert contract_copy.images() == [RELEASED.name]


def test_without_exactly_one_released_image_the_check_cannot_run(
    contract_copy: ContractCopy,
) -> None:
    (contract_copy.root / RELEASED).unlink()

    result = contract_copy.check(cwd=contract_copy.root)

    assert result.returncode == 2
    assert "exactly one released image" in result.stderr


def test_a_missing_buf_is_reported(contract_copy: ContractCopy) -> None:
    result = run(
        contract_copy.root / "scripts" / "check_breaking.sh",
        "--buf",
        contract_copy.root / "no-such-buf",
        cwd=contract_copy.root,
    )

    assert result.returncode == 2
    assert "buf not found" in result.stderr


# buf.gen.yaml: local plugins only (test_typescript_client.py runs it).


@pytest.fixture(scope="module")
def gen_config() -> dict[str, Any]:
    if yaml is None:
        missing("PyYAML is not installed: it is a dev dependency (`make install`)")
    config: dict[str, Any] = yaml.safe_load((REPO_ROOT / "buf.gen.yaml").read_text())
    return config


def test_buf_gen_yaml_runs_local_plugins_that_package_json_pins(
    gen_config: dict[str, Any],
) -> None:
    client = REPO_ROOT / "clients" / "typescript"
    pinned = json.loads((client / "package.json").read_text())["devDependencies"]

    assert gen_config["version"] == "v2"
    for plugin in gen_config["plugins"]:
        assert "remote" not in plugin, "remote plugins need the Buf Schema Registry"
        binary = Path(plugin["local"])
        assert binary.parent == Path("clients/typescript/node_modules/.bin"), binary
        assert re.fullmatch(r"\d+\.\d+\.\d+", pinned[f"@bufbuild/{binary.name}"])
