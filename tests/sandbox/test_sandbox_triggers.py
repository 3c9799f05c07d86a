"""The trigger tables name every trigger and data set, so the README copied from them is whole."""

import pytest

from service.sandbox import triggers

TRIGGERS = {
    name: value
    for name, value in vars(triggers).items()
    if name.startswith(("MESH_", "MONEYKIT_")) and isinstance(value, str)
}


def test_there_are_16_mesh_and_15_moneykit_trigger_values() -> None:
    assert sum(name.startswith("MESH_") for name in TRIGGERS) == 16
    assert sum(name.startswith("MONEYKIT_") for name in TRIGGERS) == 15
    assert len(set(TRIGGERS.values())) == len(TRIGGERS)


@pytest.mark.parametrize("value", sorted(TRIGGERS.values()))
def test_every_trigger_has_a_row(value: str) -> None:
    assert triggers.__doc__ is not None
    assert f"| `{value}` |" in triggers.__doc__


def test_the_demo_user_is_documented() -> None:
    assert triggers.__doc__ is not None
    for value in ("alice-robinhood", "alice-coinbase", triggers.MESH_SERVER_FAILURE):
        assert f"`{value}`" in triggers.__doc__
