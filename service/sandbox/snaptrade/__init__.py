"""The SnapTrade simulator; its trigger values are in `service.sandbox.snaptrade.triggers`."""

from service.sandbox.snaptrade.simulator import SnapTradeSimulator

SIMULATOR = SnapTradeSimulator

__all__ = ["SIMULATOR", "SnapTradeSimulator"]
