"""The image's runtime lock is complete, current, and consistent with requirements.lock."""

from __future__ import annotations

import ast
import sys
from importlib import metadata

import pytest
from packaging.utils import canonicalize_name

from tests.deploy.runtime_lock import (
    FULL_LOCK,
    REPO,
    RUNTIME_LOCK,
    read_lock,
    render,
    runtime_closure,
)

FIRST_PARTY = {"service", "aggregator"}


def test_the_runtime_lock_is_the_dependency_closure_at_the_locked_versions() -> None:
    try:
        expected = render(runtime_closure())
    except LookupError as problems:
        pytest.fail(f"cannot compute the runtime closure: {problems}")
    assert RUNTIME_LOCK.read_text() == expected, (
        "deploy/requirements-runtime.lock is stale; regenerate it with "
        "`.venv/bin/python -m tests.deploy.runtime_lock > deploy/requirements-runtime.lock`"
    )


def test_every_runtime_pin_is_the_pin_of_requirements_lock() -> None:
    full = read_lock(FULL_LOCK)
    runtime = read_lock(RUNTIME_LOCK)
    assert {name: full.get(name) for name in runtime} == runtime
    assert "pytest" not in runtime
    assert "mypy" not in runtime


def third_party_imports() -> dict[str, set[str]]:
    """Top-level modules imported by the shipped code (service/, generated/), by importer."""
    found: dict[str, set[str]] = {}
    for root in (REPO / "service", REPO / "generated"):
        for path in root.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in FIRST_PARTY:
                        found.setdefault(top, set()).add(str(path.relative_to(REPO)))
    return found


def test_every_module_the_gateway_imports_is_installed_by_the_runtime_lock() -> None:
    """What the image lacks would be a ModuleNotFoundError at start-up, not at build time."""
    runtime = set(read_lock(RUNTIME_LOCK))
    providers = metadata.packages_distributions()
    missing = {}
    for module, importers in sorted(third_party_imports().items()):
        distributions = {canonicalize_name(name) for name in providers.get(module, [])}
        if not distributions & runtime:
            missing[module] = sorted(importers)
    assert missing == {}, (
        "imported by the gateway but not in deploy/requirements-runtime.lock (declare them in "
        "pyproject.toml's dependencies and requirements.lock, then regenerate the runtime lock)"
    )
