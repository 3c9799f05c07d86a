"""The MoneyKit simulator."""

from service.sandbox._moneykit.simulator import MoneyKitSimulator

__all__ = ["MoneyKitSimulator"]
