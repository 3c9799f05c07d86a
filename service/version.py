"""The gateway's version: the release of the API contract it serves (`CHANGELOG.md`)."""

from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "aggregator-gateway"

VERSION = metadata.version(DISTRIBUTION)
"""From the installed package's metadata, so it is `pyproject.toml`'s version, once."""
