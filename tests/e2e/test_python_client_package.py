"""`pip install ./clients/python` in an empty virtual environment gives a working client that
needs nothing of the gateway: the README's example runs with it against a gateway started as
`make run` starts it (`AGGREGATOR_SANDBOX=1 python -m service`)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from service.version import VERSION
from tests.e2e.processes import free_port, gateway_process

REPO_ROOT = Path(__file__).resolve().parents[2]
CLIENT = REPO_ROOT / "clients" / "python"
README = (REPO_ROOT / "README.md").read_text()
DECLARED = {"grpcio", "grpcio-status", "protobuf", "googleapis-common-protos"}
# What pip itself brings into a new environment, and what the declared packages depend on.
ALLOWED_EXTRA = {"pip", "setuptools", "typing-extensions"}


@dataclass(frozen=True)
class ClientEnvironment:
    python: Path
    site_packages: Path
    installed: dict[str, str]


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def client_environment(tmp_path_factory: pytest.TempPathFactory) -> ClientEnvironment:
    """A new virtual environment with only the client package, installed as the README says.

    It is installed from a copy of `clients/python`, so that the build's own folders (`build/`,
    `*.egg-info`) land in the copy, not in the repository; `requirements.lock` keeps the
    dependencies at the versions the gateway is tested with.
    """
    root = tmp_path_factory.mktemp("client")
    checkout = root / "checkout"
    shutil.copytree(
        CLIENT,
        checkout / "clients" / "python",
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"),
    )
    venv = root / "venv"
    created = run(sys.executable, "-m", "venv", venv, cwd=root)
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    installed = run(
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--constraint",
        REPO_ROOT / "requirements.lock",
        "./clients/python",
        cwd=checkout,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    listed = run(python, "-m", "pip", "list", "--format", "json", cwd=root)
    packages = {
        item["name"].lower().replace("_", "-"): item["version"]
        for item in json.loads(listed.stdout)
    }
    site_packages = next((venv / "lib").glob("python3*/site-packages"))
    return ClientEnvironment(python, site_packages, packages)


def readme_example() -> str:
    match = re.search(r"<!-- python-client-package -->\n```python\n(.*?)```", README, re.DOTALL)
    assert match, "the README lost its python-client-package block"
    return match.group(1)


def test_the_package_declares_the_four_grpc_and_protobuf_packages_only() -> None:
    with (CLIENT / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)["project"]

    assert {Requirement(line).name for line in project["dependencies"]} == DECLARED
    assert project["name"] == "aggregator-gateway-client"
    assert project["version"] == VERSION


def test_the_environment_holds_the_client_and_its_dependencies_only(
    client_environment: ClientEnvironment,
) -> None:
    installed = client_environment.installed

    assert installed["aggregator-gateway-client"] == VERSION
    assert set(installed) - DECLARED - ALLOWED_EXTRA == {"aggregator-gateway-client"}
    assert not (client_environment.site_packages / "service").exists()


def test_the_installed_packages_are_typed(client_environment: ClientEnvironment) -> None:
    site = client_environment.site_packages

    assert (site / "aggregator_client" / "py.typed").is_file()
    assert (site / "aggregator" / "py.typed").is_file()
    assert (site / "aggregator" / "v1" / "aggregator_service_pb2.pyi").is_file()


def test_the_readme_example_runs_against_a_make_run_gateway(
    client_environment: ClientEnvironment, tmp_path: Path
) -> None:
    address = f"127.0.0.1:{free_port()}"
    with gateway_process(address, {"AGGREGATOR_SANDBOX": "1"}):
        # From an empty folder: nothing of the repository is importable but the package.
        result = run(client_environment.python, "-c", readme_example(), address, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    value, holdings, portfolio, limited = result.stdout.splitlines()
    assert value == "total value 186.03"
    assert re.fullmatch(r"holdings [1-9]\d*", holdings), holdings
    assert portfolio == "portfolio 2 succeeded"
    assert limited == "RESOURCE_EXHAUSTED UPSTREAM_RATE_LIMITED retry after 30.0 s"
