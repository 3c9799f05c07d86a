"""Who is calling, and may they: one decision per RPC, before the servicer runs.

The rules, in order:

1. `/grpc.health.v1.Health/*` is always allowed, as `"anonymous"`.
2. Server reflection (`grpc.reflection.v1alpha` and `grpc.reflection.v1`) is allowed as
   `"anonymous"` when it is public; otherwise it needs a caller whose methods are `"*"`.
3. Without a registry (authentication not configured) everything is allowed as `"anonymous"`.
4. The caller is the owner of the API key in `authorization: Bearer <key>`; a wrong key is
   refused, never retried as a certificate. Without that metadata the caller is the owner of the
   client certificate, found by its subject. Neither: `CallerUnauthenticated`.
5. A caller not allowed the RPC: `CallerForbidden`. Any other service needs `"*"`.
6. A caller whose token bucket is empty: `CallerRateLimited`. The buckets are in the shared
   state backend (`service.auth.rate_limit`), so with Redis they hold across replicas.

The certificate comes from the call's gRPC auth context, which for an mTLS call in grpcio 1.85
holds `transport_security_type` (`ssl`), `x509_subject` (RFC 2253, as OpenSSL prints it),
`x509_common_name`, `x509_pem_cert` (the client's leaf certificate), `security_level`,
`ssl_session_reused`, `ssl_tls_version` and `ssl_negotiated_key_exchange_group`, plus
`x509_subject_alternative_name`, `peer_dns`, `peer_ip`, `peer_uri`, `peer_email` and
`peer_spiffe_id` when the certificate has such names. The subject is read from
`x509_pem_cert` (with `cryptography`) and compared as a name; `x509_subject` is the fallback.
The context only holds a client certificate that gRPC verified:
`service.process.tls.server_credentials` asks for one only when a client CA is set, and then
requires and verifies it. A plaintext call's context holds no certificate.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterable, Mapping

from cryptography import x509

from service.auth.callers import (
    ALL_METHODS,
    SERVICE,
    Caller,
    CallerRegistry,
    format_subject,
    parse_subject,
)
from service.auth.rate_limit import CallerRateLimits
from service.core.errors import CallerForbidden, CallerRateLimited, CallerUnauthenticated
from service.observability import metrics
from service.state.keys import KeyedDigests
from service.state.memory import InProcessState

ANONYMOUS = "anonymous"
"""The name logged for calls made without authentication."""

HEALTH_SERVICE = "grpc.health.v1.Health"
REFLECTION_SERVICES = frozenset(
    {"grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection"}
)

Metadata = Iterable[tuple[str, str | bytes]]
AuthContext = Mapping[str, Iterable[bytes]]


class Authorizer:
    """Authenticates each call, checks its caller's methods and rate limit."""

    def __init__(
        self,
        registry: CallerRegistry | None,
        reflection_public: bool = True,
        clock: Callable[[], float] = time.monotonic,
        rate_limits: CallerRateLimits | None = None,
    ) -> None:
        """`registry` None means authentication is not configured: every call is allowed.

        `rate_limits` default to buckets in this process (on `clock`).
        """
        self._registry = registry
        self._reflection_public = reflection_public
        self._rate_limits = rate_limits or CallerRateLimits(
            InProcessState(clock), KeyedDigests(os.urandom(32)), clock
        )

    @property
    def authenticates(self) -> bool:
        """Whether callers are identified at all; if not, the auth context is never read."""
        return self._registry is not None

    async def authorize(self, method: str, metadata: Metadata, auth_context: AuthContext) -> str:
        """The name of the caller of `method` (`/aggregator.v1.AggregatorService/GetHoldings`).

        `metadata` is the call's invocation metadata and `auth_context` its
        `ServicerContext.auth_context()`. Raises `CallerUnauthenticated`, `CallerForbidden` or
        `CallerRateLimited`; no message contains the presented key.
        """
        service, method_name = _split(method)
        if service == HEALTH_SERVICE:
            return ANONYMOUS
        if service in REFLECTION_SERVICES and self._reflection_public:
            return ANONYMOUS
        if self._registry is None:
            return ANONYMOUS
        caller = self._identify(self._registry, metadata, auth_context)
        if service == SERVICE.full_name:
            if not caller.may_call(method_name):
                raise CallerForbidden(caller.name, method_name)
        elif ALL_METHODS not in caller.methods:
            raise CallerForbidden(caller.name, method)
        retry_after = await self._rate_limits.take(caller)
        if retry_after is not None:
            metrics.CALLER_RATE_LIMITED.labels(caller.name).inc()
            raise CallerRateLimited(caller.name, retry_after)
        return caller.name

    def _identify(
        self, registry: CallerRegistry, metadata: Metadata, auth_context: AuthContext
    ) -> Caller:
        authorizations = [value for key, value in metadata if key.lower() == "authorization"]
        if authorizations:
            return _by_api_key(registry, authorizations)
        subject = _certificate_subject(auth_context)
        if subject is not None:
            caller = registry.by_mtls_subject(subject)
            if caller is None:
                raise CallerUnauthenticated(
                    f"The client certificate {format_subject(subject)!r} is not a known caller."
                )
            return caller
        raise CallerUnauthenticated(
            "The gateway needs to know the caller: send 'authorization: Bearer <key>' "
            "or a client certificate."
        )


def _split(method: str) -> tuple[str, str]:
    """`/package.Service/Method` as `("package.Service", "Method")`; `("", method)` if not."""
    parts = method.split("/")
    if len(parts) != 3 or parts[0] or not parts[1] or not parts[2]:
        return "", method
    return parts[1], parts[2]


def _by_api_key(registry: CallerRegistry, authorizations: list[str | bytes]) -> Caller:
    if len(authorizations) > 1:
        raise CallerUnauthenticated("Send one 'authorization' metadata entry, not several.")
    value = authorizations[0]
    parts = value.split(maxsplit=1) if isinstance(value, str) else []
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise CallerUnauthenticated("The 'authorization' metadata must be 'Bearer <key>'.")
    caller = registry.by_api_key(parts[1].strip())
    if caller is None:
        raise CallerUnauthenticated("The API key is not valid.")
    return caller


def _certificate_subject(auth_context: AuthContext) -> x509.Name | None:
    """The verified client certificate's subject, or None when the call has no certificate."""
    for pem in auth_context.get("x509_pem_cert", ()):
        subject = _subject_of_pem(pem)
        if subject is not None:
            return subject
    for text in auth_context.get("x509_subject", ()):
        try:
            return parse_subject(text.decode())
        except ValueError:  # UnicodeDecodeError included
            continue
    return None


@functools.lru_cache(maxsize=1024)
def _subject_of_pem(pem: bytes) -> x509.Name | None:
    """The subject of a PEM certificate; cached, since a connection presents the same one."""
    try:
        return x509.load_pem_x509_certificate(pem).subject
    except ValueError:
        return None
