"""The authorizer: every rule, from health checks to rate limits."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

import service.auth
from service.auth import ANONYMOUS, Authorizer, Caller, CallerRegistry, load_callers
from service.core.errors import CallerForbidden, CallerRateLimited, CallerUnauthenticated
from tests.support.certs import Pki, make_pki

PORTFOLIO_KEY = "pk-portfolio-2f1e0d"
ADMIN_KEY = "pk-admin-7c6b5a"
LIMITED_KEY = "pk-limited-998877"
UNKNOWN_KEY = "pk-unknown-112233"

PORTFOLIO_SUBJECT = "CN=portfolio-service,O=Example"
CERT_ONLY_SUBJECT = "CN=cert-only,O=Example"
STRANGER_SUBJECT = "CN=stranger,O=Example"

GET_HOLDINGS = "/aggregator.v1.AggregatorService/GetHoldings"
CANCEL_ORDER = "/aggregator.v1.AggregatorService/CancelOrder"
HEALTH_CHECK = "/grpc.health.v1.Health/Check"
HEALTH_WATCH = "/grpc.health.v1.Health/Watch"
REFLECTION = [
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
]

NO_METADATA: tuple[tuple[str, str | bytes], ...] = ()
NO_AUTH_CONTEXT: Mapping[str, Iterable[bytes]] = {}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def bearer(key: str, scheme: str = "Bearer") -> tuple[tuple[str, str | bytes], ...]:
    return (("user-agent", "test"), ("authorization", f"{scheme} {key}"))


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(
        tmp_path_factory.mktemp("pki"),
        {
            "portfolio": PORTFOLIO_SUBJECT,
            "cert-only": CERT_ONLY_SUBJECT,
            "stranger": STRANGER_SUBJECT,
        },
    )


def cert_context(pki: Pki, client: str) -> dict[str, list[bytes]]:
    """What grpcio 1.85 puts in the auth context of an mTLS call (see test_tls)."""
    return {
        "transport_security_type": [b"ssl"],
        "x509_subject": [pki.clients[client].subject.encode()],
        "x509_pem_cert": [pki.clients[client].cert_pem],
        "security_level": [b"TSI_PRIVACY_AND_INTEGRITY"],
    }


@pytest.fixture
def registry() -> CallerRegistry:
    return CallerRegistry(
        [
            (
                Caller(
                    "portfolio-service",
                    frozenset({"GetHoldings", "GetPortfolio"}),
                    mtls_subject=PORTFOLIO_SUBJECT,
                ),
                digest(PORTFOLIO_KEY),
            ),
            (Caller("admin", frozenset({"*"})), digest(ADMIN_KEY)),
            (
                Caller("limited", frozenset({"GetHoldings"}), rate_per_second=1.0, burst=2.0),
                digest(LIMITED_KEY),
            ),
            (
                Caller("cert-only", frozenset({"GetHoldings"}), mtls_subject=CERT_ONLY_SUBJECT),
                None,
            ),
        ]
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def authorizer(registry: CallerRegistry, clock: FakeClock) -> Authorizer:
    return Authorizer(registry, clock=clock)


def test_the_package_exports_its_public_names() -> None:
    assert sorted(service.auth.__all__) == [
        "ANONYMOUS",
        "Authorizer",
        "Caller",
        "CallerRateLimits",
        "CallerRegistry",
        "CallersFileError",
        "TokenBucket",
        "load_callers",
    ]


# Health and reflection


@pytest.mark.parametrize("method", [HEALTH_CHECK, HEALTH_WATCH])
@pytest.mark.parametrize("reflection_public", [True, False])
async def test_health_checks_are_always_allowed_even_with_a_wrong_key(
    registry: CallerRegistry, method: str, reflection_public: bool
) -> None:
    authorizer = Authorizer(registry, reflection_public=reflection_public)

    assert await authorizer.authorize(method, NO_METADATA, NO_AUTH_CONTEXT) == ANONYMOUS
    assert await authorizer.authorize(method, bearer(UNKNOWN_KEY), NO_AUTH_CONTEXT) == ANONYMOUS


@pytest.mark.parametrize("method", REFLECTION)
async def test_public_reflection_needs_no_caller(authorizer: Authorizer, method: str) -> None:
    assert await authorizer.authorize(method, NO_METADATA, NO_AUTH_CONTEXT) == ANONYMOUS


@pytest.mark.parametrize("method", REFLECTION)
async def test_private_reflection_needs_a_caller_allowed_everything(
    registry: CallerRegistry, method: str
) -> None:
    authorizer = Authorizer(registry, reflection_public=False)

    with pytest.raises(CallerUnauthenticated):
        await authorizer.authorize(method, NO_METADATA, NO_AUTH_CONTEXT)
    with pytest.raises(CallerForbidden) as forbidden:
        await authorizer.authorize(method, bearer(PORTFOLIO_KEY), NO_AUTH_CONTEXT)
    assert forbidden.value.caller == "portfolio-service"
    assert forbidden.value.method == method
    assert await authorizer.authorize(method, bearer(ADMIN_KEY), NO_AUTH_CONTEXT) == "admin"


# Authentication not configured


@pytest.mark.parametrize(
    "metadata", [NO_METADATA, bearer(UNKNOWN_KEY), (("authorization", "garbage"),)]
)
async def test_without_a_registry_every_call_is_allowed_as_anonymous(
    metadata: tuple[tuple[str, str | bytes], ...],
) -> None:
    authorizer = Authorizer(None, reflection_public=False)

    for method in [GET_HOLDINGS, CANCEL_ORDER, REFLECTION[0], "/other.Service/Do"]:
        assert await authorizer.authorize(method, metadata, NO_AUTH_CONTEXT) == ANONYMOUS


# API keys


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
async def test_an_api_key_identifies_its_caller_whatever_the_scheme_case(
    authorizer: Authorizer, scheme: str
) -> None:
    metadata = bearer(PORTFOLIO_KEY, scheme)

    assert (
        await authorizer.authorize(GET_HOLDINGS, metadata, NO_AUTH_CONTEXT) == "portfolio-service"
    )


async def test_spaces_around_the_key_are_ignored(authorizer: Authorizer) -> None:
    metadata = (("authorization", f"  Bearer   {ADMIN_KEY}  "),)

    assert await authorizer.authorize(GET_HOLDINGS, metadata, NO_AUTH_CONTEXT) == "admin"


async def test_an_unknown_key_is_refused_without_quoting_it(authorizer: Authorizer) -> None:
    with pytest.raises(CallerUnauthenticated) as raised:
        await authorizer.authorize(GET_HOLDINGS, bearer(UNKNOWN_KEY), NO_AUTH_CONTEXT)

    assert raised.value.message == "The API key is not valid."


async def test_a_wrong_key_is_refused_even_with_a_known_certificate(
    authorizer: Authorizer, pki: Pki
) -> None:
    with pytest.raises(CallerUnauthenticated) as raised:
        await authorizer.authorize(
            GET_HOLDINGS, bearer(UNKNOWN_KEY), cert_context(pki, "portfolio")
        )

    assert UNKNOWN_KEY not in raised.value.message


async def test_a_valid_key_wins_over_the_certificate(authorizer: Authorizer, pki: Pki) -> None:
    name = await authorizer.authorize(
        GET_HOLDINGS, bearer(ADMIN_KEY), cert_context(pki, "portfolio")
    )

    assert name == "admin"


@pytest.mark.parametrize(
    "value",
    [
        f"Basic {PORTFOLIO_KEY}",
        PORTFOLIO_KEY,
        "Bearer",
        "Bearer ",
        "",
        f"Token {PORTFOLIO_KEY}",
        f"Bearer{PORTFOLIO_KEY}",
        PORTFOLIO_KEY.encode(),
    ],
)
async def test_a_malformed_authorization_is_refused_without_quoting_it(
    authorizer: Authorizer, value: str | bytes
) -> None:
    with pytest.raises(CallerUnauthenticated) as raised:
        await authorizer.authorize(GET_HOLDINGS, (("authorization", value),), NO_AUTH_CONTEXT)

    assert raised.value.message == "The 'authorization' metadata must be 'Bearer <key>'."


async def test_two_authorization_entries_are_refused(authorizer: Authorizer) -> None:
    metadata = (("authorization", f"Bearer {ADMIN_KEY}"), ("authorization", "Bearer other"))

    with pytest.raises(CallerUnauthenticated, match="one 'authorization'") as raised:
        await authorizer.authorize(GET_HOLDINGS, metadata, NO_AUTH_CONTEXT)
    assert ADMIN_KEY not in raised.value.message


# Client certificates


async def test_a_client_certificate_identifies_its_caller(authorizer: Authorizer, pki: Pki) -> None:
    assert await authorizer.authorize(
        GET_HOLDINGS, NO_METADATA, cert_context(pki, "portfolio")
    ) == ("portfolio-service")
    assert await authorizer.authorize(
        GET_HOLDINGS, NO_METADATA, cert_context(pki, "cert-only")
    ) == ("cert-only")


async def test_the_pem_certificate_decides_over_the_subject_text(
    authorizer: Authorizer, pki: Pki
) -> None:
    context = cert_context(pki, "cert-only")
    context["x509_subject"] = [PORTFOLIO_SUBJECT.encode()]

    assert await authorizer.authorize(GET_HOLDINGS, NO_METADATA, context) == "cert-only"


async def test_the_subject_text_serves_when_there_is_no_pem_certificate() -> None:
    authorizer = Authorizer(
        CallerRegistry(
            [(Caller("multi", frozenset({"*"}), mtls_subject="CN=a+UID=7,O=Example"), None)]
        )
    )
    # BoringSSL's order for the attributes of a multi-valued RDN differs from the config's.
    context = {"x509_subject": [b"UID=7+CN=a,O=Example"]}

    assert await authorizer.authorize(GET_HOLDINGS, NO_METADATA, context) == "multi"


async def test_an_unknown_certificate_is_refused_by_its_subject(
    authorizer: Authorizer, pki: Pki
) -> None:
    with pytest.raises(CallerUnauthenticated) as raised:
        await authorizer.authorize(GET_HOLDINGS, NO_METADATA, cert_context(pki, "stranger"))

    assert raised.value.message == (
        f"The client certificate '{STRANGER_SUBJECT}' is not a known caller."
    )


async def test_an_unreadable_certificate_counts_as_none(authorizer: Authorizer) -> None:
    context = {"x509_pem_cert": [b"not a certificate"], "x509_subject": [b"\xff\xfe"]}

    with pytest.raises(CallerUnauthenticated, match="send 'authorization: Bearer <key>'"):
        await authorizer.authorize(GET_HOLDINGS, NO_METADATA, context)


async def test_without_key_or_certificate_the_caller_is_told_what_to_send(
    authorizer: Authorizer,
) -> None:
    with pytest.raises(CallerUnauthenticated) as raised:
        await authorizer.authorize(
            GET_HOLDINGS, (("user-agent", "x"),), {"transport": [b"insecure"]}
        )

    assert "send 'authorization: Bearer <key>' or a client certificate" in raised.value.message


# Permissions


async def test_a_caller_may_not_call_an_rpc_it_is_not_allowed(authorizer: Authorizer) -> None:
    with pytest.raises(CallerForbidden) as raised:
        await authorizer.authorize(CANCEL_ORDER, bearer(PORTFOLIO_KEY), NO_AUTH_CONTEXT)

    assert raised.value.caller == "portfolio-service"
    assert raised.value.method == "CancelOrder"


async def test_a_certificate_caller_gets_the_same_permission_check(
    authorizer: Authorizer, pki: Pki
) -> None:
    with pytest.raises(CallerForbidden):
        await authorizer.authorize(CANCEL_ORDER, NO_METADATA, cert_context(pki, "cert-only"))


async def test_star_allows_every_rpc(authorizer: Authorizer) -> None:
    for method in ["GetHoldings", "CancelOrder", "StreamPortfolio", "ListInstitutions"]:
        full_method = f"/aggregator.v1.AggregatorService/{method}"
        assert (
            await authorizer.authorize(full_method, bearer(ADMIN_KEY), NO_AUTH_CONTEXT) == "admin"
        )


@pytest.mark.parametrize(
    "method",
    ["/other.v1.Service/GetHoldings", "GetHoldings", "/aggregator.v1.AggregatorService/", ""],
)
async def test_another_service_needs_star_even_for_a_listed_rpc_name(
    authorizer: Authorizer, method: str
) -> None:
    with pytest.raises(CallerForbidden) as raised:
        await authorizer.authorize(method, bearer(PORTFOLIO_KEY), NO_AUTH_CONTEXT)

    assert raised.value.method == method
    assert await authorizer.authorize(method, bearer(ADMIN_KEY), NO_AUTH_CONTEXT) == "admin"


# Rate limits


async def test_a_caller_past_its_rate_is_told_when_to_retry(
    authorizer: Authorizer, clock: FakeClock
) -> None:
    metadata = bearer(LIMITED_KEY)
    assert await authorizer.authorize(GET_HOLDINGS, metadata, NO_AUTH_CONTEXT) == "limited"
    assert await authorizer.authorize(GET_HOLDINGS, metadata, NO_AUTH_CONTEXT) == "limited"

    with pytest.raises(CallerRateLimited) as raised:
        await authorizer.authorize(GET_HOLDINGS, metadata, NO_AUTH_CONTEXT)
    assert raised.value.caller == "limited"
    assert raised.value.retry_after_seconds == pytest.approx(1.0)

    clock.now += 0.25
    with pytest.raises(CallerRateLimited) as raised:
        await authorizer.authorize(GET_HOLDINGS, metadata, NO_AUTH_CONTEXT)
    assert raised.value.retry_after_seconds == pytest.approx(0.75)

    clock.now += 0.75
    assert await authorizer.authorize(GET_HOLDINGS, metadata, NO_AUTH_CONTEXT) == "limited"


async def test_forbidden_and_unauthenticated_calls_spend_no_tokens(
    authorizer: Authorizer,
) -> None:
    for _ in range(5):
        with pytest.raises(CallerForbidden):
            await authorizer.authorize(CANCEL_ORDER, bearer(LIMITED_KEY), NO_AUTH_CONTEXT)

    assert (
        await authorizer.authorize(GET_HOLDINGS, bearer(LIMITED_KEY), NO_AUTH_CONTEXT) == "limited"
    )
    assert (
        await authorizer.authorize(GET_HOLDINGS, bearer(LIMITED_KEY), NO_AUTH_CONTEXT) == "limited"
    )


async def test_each_caller_has_its_own_bucket_and_unlimited_callers_have_none(
    authorizer: Authorizer,
) -> None:
    for _ in range(2):
        await authorizer.authorize(GET_HOLDINGS, bearer(LIMITED_KEY), NO_AUTH_CONTEXT)
    with pytest.raises(CallerRateLimited):
        await authorizer.authorize(GET_HOLDINGS, bearer(LIMITED_KEY), NO_AUTH_CONTEXT)

    for _ in range(100):
        await authorizer.authorize(GET_HOLDINGS, bearer(ADMIN_KEY), NO_AUTH_CONTEXT)


async def test_a_caller_without_a_burst_gets_a_bucket_of_its_rate() -> None:
    clock = FakeClock()
    caller = Caller("fast", frozenset({"*"}), rate_per_second=3.0)
    authorizer = Authorizer(CallerRegistry([(caller, digest("k"))]), clock=clock)

    for _ in range(3):
        await authorizer.authorize(GET_HOLDINGS, bearer("k"), NO_AUTH_CONTEXT)
    with pytest.raises(CallerRateLimited):
        await authorizer.authorize(GET_HOLDINGS, bearer("k"), NO_AUTH_CONTEXT)


async def test_a_loaded_callers_file_drives_keys_methods_and_rates(tmp_path: Path) -> None:
    path = tmp_path / "callers.toml"
    path.write_text(
        "[[callers]]\n"
        'name = "svc"\n'
        f'api_key_sha256 = "{hashlib.sha256(b"s3cret").hexdigest()}"\n'
        'methods = ["GetHoldings"]\n'
        "rate_per_second = 0.5\n"
    )
    authorizer = Authorizer(load_callers(path), clock=FakeClock())

    assert await authorizer.authorize(GET_HOLDINGS, bearer("s3cret"), NO_AUTH_CONTEXT) == "svc"
    with pytest.raises(CallerRateLimited) as raised:
        await authorizer.authorize(GET_HOLDINGS, bearer("s3cret"), NO_AUTH_CONTEXT)
    assert raised.value.retry_after_seconds == pytest.approx(2.0)
