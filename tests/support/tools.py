"""External tools the tests drive (buf, h2load, promtool, node): `make test` installs them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def missing(reason: str) -> None:
    """Fail under CI, where every tool must be there; skip elsewhere, saying how to get it."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def require_tool(name: str, how_to_install: str) -> Path:
    """The tool on PATH, or the test stops with `how_to_install`."""
    found = shutil.which(name)
    if found is None:
        missing(f"{name} is not on PATH: {how_to_install}")
    assert found is not None
    return Path(found)
