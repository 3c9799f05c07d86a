"""The trigger module's tables name every trigger, so the README copied from them is whole."""

import pytest

from service.sandbox import triggers

TRIGGERS = {
    name: value
    for name, value in vars(triggers).items()
    if name.startswith(("MESH_", "MONEYKIT_")) and isinstance(value, str)
}


def test_there_are_13_mesh_and_11_moneykit_triggers() -> None:
    assert sum(name.startswith("MESH_") for name in TRIGGERS) == 13
    assert sum(name.startswith("MONEYKIT_") for name in TRIGGERS) == 11
    assert len(set(TRIGGERS.values())) == len(TRIGGERS)


@pytest.mark.parametrize("value", sorted(TRIGGERS.values()))
def test_every_trigger_has_a_row(value: str) -> None:
    assert triggers.__doc__ is not None
    assert f"| `{value}` |" in triggers.__doc__
