"""The MoneyKit simulator."""

from service.sandbox.moneykit.simulator import MoneyKitSimulator

__all__ = ["MoneyKitSimulator"]
