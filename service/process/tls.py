"""Transport security: the server's TLS or mTLS credentials, and whether an address is local."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import grpc


def server_credentials(
    cert_file: Path | None, key_file: Path | None, client_ca_file: Path | None
) -> grpc.ServerCredentials | None:
    """The server's credentials: None for plaintext, TLS, or mTLS when a client CA is given.

    `cert_file` (the certificate chain, leaf first) and `key_file` (its private key) go together;
    neither means plaintext. With `client_ca_file` every client must present a certificate
    signed by one of its CAs, so the certificate that reaches `ServicerContext.auth_context()`
    has been verified. Without it the server does not ask for client certificates.
    Raises `ValueError` for a missing half of the pair, a client CA without a server
    certificate, or a file that cannot be read or holds no PEM block of the right kind.
    """
    if cert_file is None and key_file is None:
        if client_ca_file is not None:
            raise ValueError(
                "A client CA file (mTLS) needs TLS: set the server certificate and key files too."
            )
        return None
    if cert_file is None or key_file is None:
        missing = "certificate" if cert_file is None else "private key"
        raise ValueError(
            f"TLS needs both the server certificate and its private key; the {missing} "
            "file is not set."
        )
    certificate_chain = _read_pem(cert_file, "server certificate", b"CERTIFICATE-----")
    private_key = _read_pem(key_file, "server private key", b"PRIVATE KEY-----")
    if client_ca_file is None:
        return grpc.ssl_server_credentials([(private_key, certificate_chain)])
    client_ca = _read_pem(client_ca_file, "client CA", b"CERTIFICATE-----")
    return grpc.ssl_server_credentials(
        [(private_key, certificate_chain)],
        root_certificates=client_ca,
        require_client_auth=True,
    )


def _read_pem(path: Path, what: str, block: bytes) -> bytes:
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"Cannot read the {what} file {path}: {exc.strerror}.") from exc
    if b"-----BEGIN " not in content or block not in content:
        # Never quote the content: it may be a private key.
        raise ValueError(f"The {what} file {path} holds no PEM '{block[:-5].decode()}' block.")
    return content


def is_loopback(address: str) -> bool:
    """Whether a `host:port` listen address is reachable from this machine only.

    `127.0.0.1:1`, `[::1]:1` and `localhost:1` are; `0.0.0.0:1`, `[::]:1`, `:1`, other hosts
    and anything that is not `host:port` are not.
    """
    if address.startswith("["):
        host, bracket, rest = address[1:].partition("]")
        if not bracket or not rest.startswith(":"):
            return False
    elif address.count(":") == 1:
        host = address.partition(":")[0]
    else:
        return False
    if host.lower() == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback
