"""The Plaid simulator; its trigger values are in `service.sandbox.plaid.triggers`."""

from service.sandbox.plaid.simulator import PlaidSimulator

SIMULATOR = PlaidSimulator

__all__ = ["SIMULATOR", "PlaidSimulator"]
