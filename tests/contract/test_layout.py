"""The README's Layout section lists every package of the gateway, and every package says in its
docstring what lives there."""

from __future__ import annotations

import importlib
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()
LAYOUT = README[README.index("## Layout\n") : README.index("### Adding a provider")]
PACKAGES = sorted(
    str(init.parent.relative_to(REPO)) for init in (REPO / "service").rglob("__init__.py")
)


def test_the_layout_section_is_found_and_lists_packages() -> None:
    assert len(PACKAGES) > 5
    assert "`service/`" in LAYOUT


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_is_in_the_layout_section(package: str) -> None:
    assert f"`{package}/`" in LAYOUT


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_has_a_docstring(package: str) -> None:
    module = importlib.import_module(package.replace("/", "."))
    assert module.__doc__ is not None
    assert len(module.__doc__.split()) >= 8


GIT = shutil.which("git") or "git"
TRACKED_FOLDERS = sorted(
    {
        line.split("/", 1)[0]
        for line in subprocess.run(
            [GIT, "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.splitlines()
        if "/" in line and not line.startswith(".")
    }
)


@pytest.mark.parametrize("folder", TRACKED_FOLDERS)
def test_every_top_level_folder_is_in_the_layout_section(folder: str) -> None:
    assert f"`{folder}/`" in LAYOUT
