"""`scripts/check_breaking.sh` runs `buf breaking` against the contract as last committed, and
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

try:
    import yaml
except ImportError:  # reported by the tests that need it
    yaml = None

REPO_ROOT = Path(__file__).resolve().parents[2]
BUF = REPO_ROOT / ".tools" / "node_modules" / ".bin" / "buf"
SCRIPT = REPO_ROOT / "scripts" / "check_breaking.sh"
SERVICE_PROTO = Path("protos/aggregator/v1/aggregator_service.proto")
INSTITUTION_PROTO = Path("protos/aggregator/v1/institution.proto")
# Git in the temporary copies: no user or system configuration (signing, hooks, templates).
GIT_ENV = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Contract Test",
    "GIT_AUTHOR_EMAIL": "contract-test@example.com",
    "GIT_COMMITTER_NAME": "Contract Test",
    "GIT_COMMITTER_EMAIL": "contract-test@example.com",
}


def missing(reason: str) -> None:
    """Fail under CI, where everything must be tested; skip, saying why, elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def buf() -> Path:
    if not BUF.exists():
        missing("buf is not installed: run `make tools`")
    return BUF


@pytest.fixture(scope="module")
def git() -> str:
    git = shutil.which("git")
    if git is None:
        missing("git is not on PATH")
    assert git is not None
    return git


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


@dataclass
class ContractRepo:
    """A temporary git repository holding a copy of the contract, committed once."""

    root: Path
    git: str
    buf: Path

    def git_ok(self, *args: str) -> str:
        result = run(self.git, *args, cwd=self.root)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def commit(self, message: str) -> None:
        self.git_ok("add", "--all")
        self.git_ok("commit", "--quiet", "--no-verify", "-m", message)

    def edit(self, path: Path, old: str, new: str) -> None:
        file = self.root / path
        text = file.read_text()
        assert text.count(old) == 1, f"{old!r} is not once in {path}: update the test"
        file.write_text(text.replace(old, new))

    def check(self, cwd: Path) -> subprocess.CompletedProcess[str]:
        return run(self.root / "scripts" / "check_breaking.sh", "--buf", self.buf, cwd=cwd)


@pytest.fixture
def contract_repo(tmp_path: Path, git: str, buf: Path) -> ContractRepo:
    root = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "protos", root / "protos")
    shutil.copy2(REPO_ROOT / "buf.yaml", root / "buf.yaml")
    (root / "scripts").mkdir()
    shutil.copy2(SCRIPT, root / "scripts" / "check_breaking.sh")
    repo = ContractRepo(root, git, buf)
    repo.git_ok("init", "--quiet")
    repo.commit("The contract")
    return repo


@dataclass(frozen=True)
class Change:
    """An edit to the contract and what buf says about it."""

    name: str
    path: Path
    old: str
    new: str
    complaint: str


BREAKING = [
    Change("field-type", SERVICE_PROTO, "  string order_id = 2;", "  int64 order_id = 2;",
           'Field "2" with name "order_id" on message "CancelOrderRequest" changed type'),
    Change("field-deleted", SERVICE_PROTO, "  string mfa_code = 6;\n", "",
           'Previously present field "6" with name "mfa_code" on message "CancelOrderRequest"'
           " was deleted"),
    Change("field-renamed", SERVICE_PROTO, "  string order_id = 2;", "  string order_ref = 2;",
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


def test_the_contract_has_no_breaking_change(buf: Path, git: str, tmp_path: Path) -> None:
    shallow = subprocess.run(
        [git, "rev-parse", "--is-shallow-repository"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if shallow == "true":
        pytest.skip("this clone is shallow: the baseline commit is not here to compare against")
    # From another directory: the script finds the repository it lives in.
    result = run(SCRIPT, "--buf", buf, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no breaking change" in result.stdout or "nothing to compare" in result.stdout


def test_a_contract_with_no_earlier_commit_has_nothing_to_compare(
    contract_repo: ContractRepo,
) -> None:
    result = contract_repo.check(cwd=contract_repo.root)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "has no parent: nothing to compare against" in result.stdout


@pytest.mark.parametrize("change", BREAKING, ids=lambda change: change.name)
def test_an_uncommitted_breaking_change_fails(
    contract_repo: ContractRepo, change: Change, tmp_path: Path
) -> None:
    contract_repo.edit(change.path, change.old, change.new)

    result = contract_repo.check(cwd=tmp_path)

    assert result.returncode != 0, result.stdout
    assert "has uncommitted changes" in result.stdout
    assert change.complaint in result.stdout, result.stdout + result.stderr
    assert "buf breaking failed" in result.stderr


def test_an_uncommitted_compatible_change_passes(contract_repo: ContractRepo) -> None:
    contract_repo.edit(COMPATIBLE.path, COMPATIBLE.old, COMPATIBLE.new)

    result = contract_repo.check(cwd=contract_repo.root / "protos")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "has uncommitted changes" in result.stdout
    assert "no breaking change" in result.stdout


def test_a_new_untracked_proto_file_is_an_uncommitted_change(contract_repo: ContractRepo) -> None:
    contract_repo.edit(SERVICE_PROTO, "  string order_id = 2;", "  int64 order_id = 2;")
    contract_repo.commit("Change a type")
    (contract_repo.root / "protos" / "aggregator" / "v1" / "extra.proto").write_text(
        'syntax = "proto3";\n\npackage aggregator.v1;\n\n// Extra.\nmessage Extra {}\n'
    )

    result = contract_repo.check(cwd=contract_repo.root)

    # Compared with the last commit, which the new file leaves compatible, rather than with
    # its parent, which the committed type change breaks.
    assert result.returncode == 0, result.stdout + result.stderr
    assert "has uncommitted changes" in result.stdout
    assert "(Change a type)" in result.stdout


def test_on_a_clean_tree_the_last_contract_change_is_checked(contract_repo: ContractRepo) -> None:
    contract_repo.edit(SERVICE_PROTO, "  string order_id = 2;", "  int64 order_id = 2;")
    contract_repo.commit("Change a type")
    (contract_repo.root / "README").write_text("Not the contract.\n")
    contract_repo.commit("A later commit that leaves protos/ alone")

    result = contract_repo.check(cwd=contract_repo.root)

    assert result.returncode != 0, result.stdout
    assert "comparing it against its parent" in result.stdout
    assert "(Change a type)" in result.stdout
    assert "changed type" in result.stdout


def test_on_a_clean_tree_a_compatible_last_change_passes(contract_repo: ContractRepo) -> None:
    contract_repo.edit(COMPATIBLE.path, COMPATIBLE.old, COMPATIBLE.new)
    contract_repo.commit("Add a field")

    result = contract_repo.check(cwd=contract_repo.root)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "comparing it against its parent" in result.stdout
    assert "no breaking change" in result.stdout


def test_a_missing_buf_is_reported(contract_repo: ContractRepo) -> None:
    result = run(
        contract_repo.root / "scripts" / "check_breaking.sh",
        "--buf",
        contract_repo.root / "no-such-buf",
        cwd=contract_repo.root,
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
