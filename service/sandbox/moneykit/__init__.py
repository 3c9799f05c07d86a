"""The MoneyKit simulator; its trigger values are in `service.sandbox.moneykit.triggers`."""

from service.sandbox.moneykit.simulator import MoneyKitSimulator

SIMULATOR = MoneyKitSimulator

__all__ = ["SIMULATOR", "MoneyKitSimulator"]
