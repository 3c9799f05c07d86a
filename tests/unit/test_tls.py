"""TLS and mTLS against a real grpc.aio server, and the listen-address check."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from service.auth import Authorizer, Caller, CallerRegistry
from service.core.errors import GatewayError
from service.process.tls import is_loopback, server_credentials
from service.rpc.status import code_of
from tests.support.certs import KeyPair, Pki, make_pki

PORTFOLIO_SUBJECT = "CN=portfolio-service,O=Example"
STRANGER_SUBJECT = "CN=stranger,O=Example"
ADMIN_KEY = "admin-key-for-tls-tests"
GET_HOLDINGS = "/aggregator.v1.AggregatorService/GetHoldings"
TIMEOUT = 10.0  # only so that a broken test fails instead of hanging

AuthContexts = list[dict[str, list[bytes]]]


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path, {"portfolio": PORTFOLIO_SUBJECT, "stranger": STRANGER_SUBJECT})


@pytest.fixture
def other_pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path / "other", {"portfolio": PORTFOLIO_SUBJECT})


def authorizer() -> Authorizer:
    return Authorizer(
        CallerRegistry(
            [
                (
                    Caller("portfolio-service", frozenset({"GetHoldings"}), PORTFOLIO_SUBJECT),
                    None,
                ),
                (Caller("admin", frozenset({"*"})), hashlib.sha256(ADMIN_KEY.encode()).digest()),
            ]
        )
    )


def whoami_handler(authorizer: Authorizer, seen: AuthContexts) -> grpc.GenericRpcHandler:
    """A bytes-in, bytes-out GetHoldings that answers with the caller's name."""

    async def whoami(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        auth_context = {key: list(values) for key, values in context.auth_context().items()}
        seen.append(auth_context)
        try:
            name = await authorizer.authorize(
                GET_HOLDINGS, tuple(context.invocation_metadata() or ()), auth_context
            )
        except GatewayError as error:
            await context.abort(code_of(error), error.message)
        return name.encode()

    return grpc.method_handlers_generic_handler(
        "aggregator.v1.AggregatorService",
        {"GetHoldings": grpc.unary_unary_rpc_method_handler(whoami)},
    )


@asynccontextmanager
async def serving(
    credentials: grpc.ServerCredentials | None, seen: AuthContexts | None = None
) -> AsyncIterator[int]:
    """A real server on 127.0.0.1, port 0, with health and the whoami handler; yields the port."""
    server = grpc.aio.server()
    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
    server.add_generic_rpc_handlers([whoami_handler(authorizer(), [] if seen is None else seen)])
    if credentials is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        port = server.add_secure_port("127.0.0.1:0", credentials)
    await server.start()
    try:
        yield port
    finally:
        await server.stop(None)


def client_credentials(pki: Pki, client: KeyPair | None = None) -> grpc.ChannelCredentials:
    if client is None:
        return grpc.ssl_channel_credentials(root_certificates=pki.ca.cert_pem)
    return grpc.ssl_channel_credentials(
        root_certificates=pki.ca.cert_pem,
        private_key=client.key_pem,
        certificate_chain=client.cert_pem,
    )


async def health_check(port: int, credentials: grpc.ChannelCredentials) -> int:
    async with grpc.aio.secure_channel(f"127.0.0.1:{port}", credentials) as channel:
        check: Callable[..., grpc.aio.UnaryUnaryCall[Any, health_pb2.HealthCheckResponse]] = (
            channel.unary_unary(
                "/grpc.health.v1.Health/Check",
                request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                response_deserializer=health_pb2.HealthCheckResponse.FromString,
            )
        )
        response = await check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT)
        return response.status


def get_holdings(channel: grpc.aio.Channel) -> Callable[..., grpc.aio.UnaryUnaryCall[bytes, bytes]]:
    """GetHoldings with raw bytes in and out, as the whoami handler takes and gives them."""
    return channel.unary_unary(GET_HOLDINGS)


async def whoami(
    port: int,
    credentials: grpc.ChannelCredentials,
    metadata: tuple[tuple[str, str], ...] = (),
) -> str:
    async with grpc.aio.secure_channel(f"127.0.0.1:{port}", credentials) as channel:
        answer: bytes = await get_holdings(channel)(b"", metadata=metadata, timeout=TIMEOUT)
        return answer.decode()


# server_credentials


def test_no_certificate_and_no_key_means_plaintext() -> None:
    assert server_credentials(None, None, None) is None


def test_tls_and_mtls_credentials_are_built_from_the_files(pki: Pki) -> None:
    tls = server_credentials(pki.server.cert_file, pki.server.key_file, None)
    mtls = server_credentials(pki.server.cert_file, pki.server.key_file, pki.ca.cert_file)

    assert isinstance(tls, grpc.ServerCredentials)
    assert isinstance(mtls, grpc.ServerCredentials)


@pytest.mark.parametrize(
    ("cert", "key", "ca", "problem"),
    [
        (True, False, False, "the private key file is not set"),
        (False, True, False, "the certificate file is not set"),
        (True, False, True, "the private key file is not set"),
        (False, False, True, "A client CA file (mTLS) needs TLS"),
    ],
)
def test_certificate_and_key_go_together(
    pki: Pki, cert: bool, key: bool, ca: bool, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        server_credentials(
            pki.server.cert_file if cert else None,
            pki.server.key_file if key else None,
            pki.ca.cert_file if ca else None,
        )


def test_an_unreadable_file_is_named(pki: Pki, tmp_path: Path) -> None:
    missing = tmp_path / "missing.key"

    with pytest.raises(ValueError, match=f"Cannot read the server private key file {missing}"):
        server_credentials(pki.server.cert_file, missing, None)


def test_swapped_files_are_refused_without_quoting_the_key(pki: Pki) -> None:
    with pytest.raises(ValueError, match="holds no PEM 'CERTIFICATE' block") as raised:
        server_credentials(pki.server.key_file, pki.server.cert_file, None)

    assert "PRIVATE KEY" not in str(raised.value)
    with pytest.raises(ValueError, match=r"client CA file .* holds no PEM 'CERTIFICATE'"):
        server_credentials(pki.server.cert_file, pki.server.key_file, pki.server.key_file)


# A real server


async def test_a_tls_client_that_trusts_the_ca_is_served(pki: Pki) -> None:
    credentials = server_credentials(pki.server.cert_file, pki.server.key_file, None)

    async with serving(credentials) as port:
        status = await health_check(port, client_credentials(pki))

    assert status == health_pb2.HealthCheckResponse.SERVING


async def test_a_tls_client_that_does_not_trust_the_ca_is_refused(pki: Pki, other_pki: Pki) -> None:
    credentials = server_credentials(pki.server.cert_file, pki.server.key_file, None)

    async with serving(credentials) as port:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await health_check(port, client_credentials(other_pki))

    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_without_a_client_ca_a_client_certificate_identifies_nobody(pki: Pki) -> None:
    credentials = server_credentials(pki.server.cert_file, pki.server.key_file, None)
    seen: AuthContexts = []

    async with serving(credentials, seen) as port:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await whoami(port, client_credentials(pki, pki.clients["portfolio"]))

    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "x509_pem_cert" not in seen[0]
    assert seen[0]["transport_security_type"] == [b"ssl"]


async def test_mtls_refuses_a_client_without_a_certificate(pki: Pki) -> None:
    credentials = server_credentials(pki.server.cert_file, pki.server.key_file, pki.ca.cert_file)

    async with serving(credentials) as port:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await health_check(port, client_credentials(pki))

    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_mtls_refuses_a_certificate_from_another_ca(pki: Pki, other_pki: Pki) -> None:
    credentials = server_credentials(pki.server.cert_file, pki.server.key_file, pki.ca.cert_file)
    impostor = client_credentials(pki, other_pki.clients["portfolio"])

    async with serving(credentials) as port:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await health_check(port, impostor)

    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_mtls_serves_a_client_with_a_certificate(pki: Pki) -> None:
    credentials = server_credentials(pki.server.cert_file, pki.server.key_file, pki.ca.cert_file)

    async with serving(credentials) as port:
        status = await health_check(port, client_credentials(pki, pki.clients["portfolio"]))

    assert status == health_pb2.HealthCheckResponse.SERVING


async def test_the_authorizer_identifies_an_mtls_caller_by_its_certificate(pki: Pki) -> None:
    credentials = server_credentials(pki.server.cert_file, pki.server.key_file, pki.ca.cert_file)
    seen: AuthContexts = []

    async with serving(credentials, seen) as port:
        name = await whoami(port, client_credentials(pki, pki.clients["portfolio"]))

    assert name == "portfolio-service"
    # What grpcio 1.85 gives for an mTLS call; the authorizer relies on x509_pem_cert.
    assert {
        "transport_security_type",
        "x509_subject",
        "x509_common_name",
        "x509_pem_cert",
        "security_level",
    } <= seen[0].keys()
    assert seen[0]["x509_subject"] == [PORTFOLIO_SUBJECT.encode()]
    assert seen[0]["x509_common_name"] == [b"portfolio-service"]
    assert seen[0]["x509_pem_cert"] == [pki.clients["portfolio"].cert_pem]


async def test_an_mtls_caller_with_an_unknown_subject_is_unauthenticated(pki: Pki) -> None:
    credentials = server_credentials(pki.server.cert_file, pki.server.key_file, pki.ca.cert_file)

    async with serving(credentials) as port:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await whoami(port, client_credentials(pki, pki.clients["stranger"]))

    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert raised.value.details() == (
        f"The client certificate '{STRANGER_SUBJECT}' is not a known caller."
    )


async def test_over_mtls_an_api_key_still_names_the_caller(pki: Pki) -> None:
    credentials = server_credentials(pki.server.cert_file, pki.server.key_file, pki.ca.cert_file)

    async with serving(credentials) as port:
        name = await whoami(
            port,
            client_credentials(pki, pki.clients["stranger"]),
            (("authorization", f"Bearer {ADMIN_KEY}"),),
        )

    assert name == "admin"


async def test_a_plaintext_call_has_no_certificate_to_identify(pki: Pki) -> None:
    seen: AuthContexts = []

    async with (
        serving(None, seen) as port,
        grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel,
    ):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await get_holdings(channel)(b"", timeout=TIMEOUT)

    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "x509_pem_cert" not in seen[0]


# is_loopback


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1:1",
        "127.0.0.1:50051",
        "127.1.2.3:1",
        "[::1]:1",
        "localhost:1",
        "LOCALHOST:1",
        "[::ffff:127.0.0.1]:1",
    ],
)
def test_loopback_addresses_are_loopback(address: str) -> None:
    assert is_loopback(address)


@pytest.mark.parametrize(
    "address",
    [
        "0.0.0.0:1",
        "[::]:1",
        "10.0.0.1:1",
        "192.168.1.10:50051",
        "[2001:db8::1]:1",
        ":1",
        "example.com:1",
        "localhost.example.com:1",
        "::1",
        "[::1]",
        "[::1]1",
        "127.0.0.1",
        "",
        "unix:/tmp/socket",
    ],
)
def test_other_addresses_are_not_loopback(address: str) -> None:
    assert not is_loopback(address)
