"""Bugs planted on purpose, to see what a caller gets when the gateway fails unexpectedly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from service.providers.mesh import PROVIDER as MESH


def break_mesh_holdings_value(
    monkeypatch: pytest.MonkeyPatch, convert: Callable[..., None]
) -> None:
    """Make Mesh's holdings value conversion raise `convert`'s exception."""
    operation = MESH.operations.get_holdings_value
    assert operation is not None
    broken = replace(MESH.operations, get_holdings_value=replace(operation, convert=convert))
    monkeypatch.setattr(MESH, "operations", broken)
