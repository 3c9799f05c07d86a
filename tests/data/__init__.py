"""Recorded upstream bodies shared by the test suites."""

from __future__ import annotations

from pathlib import Path

SEED_HOLDINGS_EXAMPLE = (Path(__file__).parent / "moneykit_seed_holdings.json").read_text()
"""The example body of MoneyKit's holdings documentation (seed 004), as published."""
