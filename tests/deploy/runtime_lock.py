"""The runtime lock of the container image: the gateway's dependency closure, pinned.

`requirements.lock` pins everything in `.venv`, dev tools included. The image installs only
what the gateway needs at run time: `pyproject.toml`'s dependencies and theirs, transitively
(no extras), markers evaluated for Linux and this interpreter (CPython 3.11, as in the image),
each at the version `requirements.lock` pins.

Regenerate after changing dependencies (`make install` first, so `.venv` matches the lock):

    .venv/bin/python -m tests.deploy.runtime_lock > deploy/requirements-runtime.lock
"""

from __future__ import annotations

import platform
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from typing import cast

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
FULL_LOCK = REPO / "requirements.lock"
PYPROJECT = REPO / "pyproject.toml"
RUNTIME_LOCK = REPO / "deploy" / "requirements-runtime.lock"

HEADER = (
    "# Runtime dependencies of the container image: the closure of aggregator-gateway's\n"
    "# dependencies, at the versions requirements.lock pins. Generated, do not edit:\n"
    "#   .venv/bin/python -m tests.deploy.runtime_lock > deploy/requirements-runtime.lock\n"
    "# tests/deploy/test_runtime_lock.py fails when it is stale.\n"
)


def read_lock(path: Path) -> dict[str, str]:
    """`name==version` lines of a lock file, by canonical name."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, separator, version = line.partition("==")
        if not separator:
            raise ValueError(f"{path.name}: not an exact pin: {line!r}")
        pins[canonicalize_name(name)] = version.strip()
    return pins


def project_dependencies() -> list[Requirement]:
    """The runtime dependencies `pyproject.toml` declares (`[project].dependencies`)."""
    with PYPROJECT.open("rb") as file:
        project = tomllib.load(file)["project"]
    return [Requirement(line) for line in project.get("dependencies", [])]


def runtime_closure() -> dict[str, str]:
    """Every distribution the gateway needs at run time, by canonical name, at its locked pin.

    The roots are `pyproject.toml`'s dependencies (read from the file, so an editable install
    that predates a change does not hide it); their own dependencies come from the metadata of
    the distributions installed in this environment, which `make install` builds from
    `requirements.lock`. Raises `LookupError` naming what is missing from the lock or from
    the environment.
    """
    if sys.platform != "linux" or sys.version_info[:2] != (3, 11):
        raise RuntimeError(
            "compute the runtime lock on Linux with CPython 3.11, like the image "
            f"(this is {platform.system()} with Python {platform.python_version()})"
        )
    locked = read_lock(FULL_LOCK)
    environment = {**cast("dict[str, str]", default_environment()), "extra": ""}
    closure: dict[str, str] = {}
    problems: list[str] = []
    pending = project_dependencies()
    while pending:
        requirement = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        name = canonicalize_name(requirement.name)
        if name in closure:
            continue
        if name not in locked:
            problems.append(f"{requirement} is not pinned in requirements.lock")
            continue
        closure[name] = locked[name]
        try:
            distribution = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed in this environment (make install)")
            continue
        if canonicalize_name(distribution.version) != canonicalize_name(locked[name]):
            problems.append(
                f"{name} {distribution.version} is installed, requirements.lock pins "
                f"{locked[name]} (make install)"
            )
        pending.extend(Requirement(line) for line in distribution.requires or [])
    if problems:
        raise LookupError("; ".join(sorted(problems)))
    return dict(sorted(closure.items()))


def render(closure: dict[str, str]) -> str:
    return HEADER + "".join(f"{name}=={version}\n" for name, version in closure.items())


def main() -> None:
    sys.stdout.write(render(runtime_closure()))


if __name__ == "__main__":
    main()
