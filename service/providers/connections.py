"""What every upstream transport's connections share: how certificates are verified and how
long an idle connection is kept."""

from __future__ import annotations

import ssl
from pathlib import Path

KEEPALIVE_SECONDS = 5.0
"""How long an idle connection is kept: under load every connection is busy long before, and a
short idle life stays below the idle timeouts of most servers, so the gateway seldom sends on a
connection the server is closing."""


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Certificates are always verified; against `ca_file` instead of the system's roots when
    one is given (a private CA, or the benchmark's throwaway one)."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
