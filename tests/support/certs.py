"""Throwaway certificates, made at test time and written to a temporary directory.

`make_pki` makes a CA, a server certificate for `localhost`, `127.0.0.1` and `::1`, and one
client certificate per requested subject, all signed by that CA. Nothing here is committed:
each test gets fresh keys in its own `tmp_path`.

Subjects are RFC 4514 strings, so the last RDN of the DER sequence comes first:
`"CN=portfolio-service,O=Example"` is the name `O=Example` then `CN=portfolio-service`, and
its certificate's `subject.rfc4514_string()` gives back the same string.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

_VALIDITY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class KeyPair:
    """A certificate and its private key, as files and as PEM bytes."""

    subject: str
    cert_file: Path
    key_file: Path
    cert_pem: bytes
    key_pem: bytes


@dataclass(frozen=True)
class Pki:
    """A CA, a server certificate, and client certificates by the names the test chose."""

    ca: KeyPair
    server: KeyPair
    clients: dict[str, KeyPair]


def make_pki(directory: Path, client_subjects: dict[str, str]) -> Pki:
    """Write a fresh CA, server and client certificates into `directory`.

    `client_subjects` maps a name the test picks (also the file name stem) to the RFC 4514
    subject of that client's certificate, for example
    `{"portfolio": "CN=portfolio-service,O=Example"}`.
    """
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = _new_key()
    ca_name = x509.Name.from_rfc4514_string("CN=Test CA,O=Aggregator Gateway Tests")
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    ca = _write(directory, "ca", ca_cert, ca_key)

    server = _write(
        directory,
        "server",
        *_leaf(
            ca_cert,
            ca_key,
            x509.Name.from_rfc4514_string("CN=localhost"),
            ExtendedKeyUsageOID.SERVER_AUTH,
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
        ),
    )

    clients = {
        name: _write(
            directory,
            f"client-{name}",
            *_leaf(
                ca_cert,
                ca_key,
                x509.Name.from_rfc4514_string(subject),
                ExtendedKeyUsageOID.CLIENT_AUTH,
                None,
            ),
        )
        for name, subject in client_subjects.items()
    }
    return Pki(ca=ca, server=server, clients=clients)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _VALIDITY)
        .not_valid_after(now + _VALIDITY)
    )


def _leaf(
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    subject: x509.Name,
    usage: x509.ObjectIdentifier,
    alternative_names: x509.SubjectAlternativeName | None,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _new_key()
    builder = (
        _builder(subject, ca_cert.subject, key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
    )
    if alternative_names is not None:
        builder = builder.add_extension(alternative_names, critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def _write(
    directory: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> KeyPair:
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert_file = directory / f"{stem}.crt"
    key_file = directory / f"{stem}.key"
    cert_file.write_bytes(cert_pem)
    key_file.write_bytes(key_pem)
    key_file.chmod(0o600)
    return KeyPair(cert.subject.rfc4514_string(), cert_file, key_file, cert_pem, key_pem)
