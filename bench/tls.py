"""A throwaway certificate authority and a loopback server certificate, made at run time, so the
fast upstream can be served over TLS and its clients told to trust it (SSL_CERT_FILE). The
certificates are the tests' own (`tests.support.certs`), as the bench's Redis is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support.certs import make_pki


@dataclass(frozen=True)
class LoopbackPki:
    ca_file: Path
    cert_file: Path
    key_file: Path


def loopback_pki(directory: Path) -> LoopbackPki:
    """A CA valid for a day and a certificate it signed for 127.0.0.1 and localhost."""
    pki = make_pki(directory, {})
    return LoopbackPki(pki.ca.cert_file, pki.server.cert_file, pki.server.key_file)
