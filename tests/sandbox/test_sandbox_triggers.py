"""Each provider's trigger tables name every trigger and data set, so the README copied from
them is whole."""

from types import ModuleType

import pytest

import service.sandbox
from service.sandbox.mesh import triggers as mesh_triggers
from service.sandbox.moneykit import triggers as moneykit_triggers


def _values(module: ModuleType, prefix: str) -> dict[str, str]:
    return {
        name: value
        for name, value in vars(module).items()
        if name.startswith(prefix) and isinstance(value, str)
    }


MESH = _values(mesh_triggers, "MESH_")
MONEYKIT = _values(moneykit_triggers, "MONEYKIT_")


def test_there_are_16_mesh_and_15_moneykit_trigger_values() -> None:
    assert len(MESH) == 16
    assert len(MONEYKIT) == 15
    assert len({*MESH.values(), *MONEYKIT.values()}) == len(MESH) + len(MONEYKIT)


@pytest.mark.parametrize(
    ("module", "value"),
    [(mesh_triggers, value) for value in sorted(MESH.values())]
    + [(moneykit_triggers, value) for value in sorted(MONEYKIT.values())],
)
def test_every_trigger_has_a_row(module: ModuleType, value: str) -> None:
    assert module.__doc__ is not None
    assert f"| `{value}` |" in module.__doc__


def test_the_demo_user_is_documented() -> None:
    assert service.sandbox.__doc__ is not None
    for value in ("alice-robinhood", "alice-coinbase", mesh_triggers.MESH_SERVER_FAILURE):
        assert f"`{value}`" in service.sandbox.__doc__
