"""Each provider's trigger tables name every trigger and data set, so the README copied from
them is whole."""

import importlib
import pkgutil
from types import ModuleType

import pytest

import service.sandbox
from service.sandbox.mesh import triggers as mesh_triggers

TRIGGER_MODULES = [
    importlib.import_module(f"service.sandbox.{package.name}.triggers")
    for package in pkgutil.iter_modules(service.sandbox.__path__)
    if package.ispkg and not package.name.startswith("_")
]


def trigger_values(module: ModuleType) -> list[str]:
    """The module's trigger values: its upper-case text constants."""
    return [
        value for name, value in vars(module).items() if name.isupper() and isinstance(value, str)
    ]


def test_every_simulator_has_triggers_and_no_value_selects_two_answers() -> None:
    assert len(TRIGGER_MODULES) >= 2
    values = [value for module in TRIGGER_MODULES for value in trigger_values(module)]
    assert all(trigger_values(module) for module in TRIGGER_MODULES)
    assert len(set(values)) == len(values)


@pytest.mark.parametrize(
    ("module", "value"),
    [(module, value) for module in TRIGGER_MODULES for value in trigger_values(module)],
)
def test_every_trigger_has_a_row(module: ModuleType, value: str) -> None:
    assert module.__doc__ is not None
    assert f"| `{value}` |" in module.__doc__


def test_the_demo_user_is_documented() -> None:
    assert service.sandbox.__doc__ is not None
    for value in ("alice-robinhood", "alice-coinbase", mesh_triggers.MESH_SERVER_FAILURE):
        assert f"`{value}`" in service.sandbox.__doc__
