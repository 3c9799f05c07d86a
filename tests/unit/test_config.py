"""Settings come from the documented environment variables."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pydantic import SecretStr

from service.config import Settings
from service.providers.mesh.settings import MeshSettings
from service.providers.moneykit.settings import MoneyKitSettings
from service.providers.plaid.settings import PlaidSettings
from service.providers.registry import PROVIDERS
from service.providers.settings import ProviderSettings

SECTIONS: list[tuple[str, type[Settings] | type[ProviderSettings]]] = [("", Settings)] + [
    (provider.settings_type.model_config.get("env_prefix", ""), provider.settings_type)
    for provider in PROVIDERS
]
"""Each settings section with the prefix of its environment variables."""
SETTING_NAMES = {
    f"{prefix}{name}".upper(): (section, name)
    for prefix, section in SECTIONS
    for name in section.model_fields
}

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_defaults_match_the_documentation(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)

    settings = Settings()
    mesh, moneykit, plaid = MeshSettings(), MoneyKitSettings(), PlaidSettings()

    assert settings.aggregator_listen == "127.0.0.1:50051"
    assert settings.aggregator_sandbox is False
    assert moneykit.version == "2023-02-18"
    assert mesh.base_url == "https://integration-api.meshconnect.com"
    assert moneykit.base_url == "https://api.moneykit.com"
    assert not mesh.configured
    assert not moneykit.configured
    assert plaid.base_url == "https://production.plaid.com"
    assert not plaid.configured


STATE_SECRET = base64.b64encode(bytes(range(32))).decode()

ENVIRONMENT: dict[str, tuple[str, object]] = {
    "AGGREGATOR_LISTEN": ("0.0.0.0:6000", "0.0.0.0:6000"),
    "AGGREGATOR_SANDBOX": ("1", True),
    "AGGREGATOR_SHUTDOWN_GRACE_SECONDS": ("3.5", 3.5),
    "AGGREGATOR_SHUTDOWN_DRAIN_DELAY_SECONDS": ("0.5", 0.5),
    "AGGREGATOR_LOG_FORMAT": ("text", "text"),
    "AGGREGATOR_METRICS_LISTEN": ("127.0.0.1:9464", "127.0.0.1:9464"),
    "AGGREGATOR_TRACING": ("console", "console"),
    "AGGREGATOR_REFLECTION": ("0", False),
    "AGGREGATOR_CALLERS_FILE": ("/etc/gateway/callers.toml", Path("/etc/gateway/callers.toml")),
    "AGGREGATOR_TLS_CERT_FILE": ("/tls/cert.pem", Path("/tls/cert.pem")),
    "AGGREGATOR_TLS_KEY_FILE": ("/tls/key.pem", Path("/tls/key.pem")),
    "AGGREGATOR_TLS_CLIENT_CA_FILE": ("/tls/ca.pem", Path("/tls/ca.pem")),
    "AGGREGATOR_KEEPALIVE_TIME_SECONDS": ("30", 30.0),
    "AGGREGATOR_KEEPALIVE_TIMEOUT_SECONDS": ("5", 5.0),
    "AGGREGATOR_KEEPALIVE_MIN_CLIENT_PING_SECONDS": ("3", 3.0),
    "AGGREGATOR_MAX_CONCURRENT_STREAMS": ("64", 64),
    "AGGREGATOR_MAX_RPCS_IN_FLIGHT": ("300", 300),
    "AGGREGATOR_MAX_PENDING_RPCS": ("400", 400),
    "AGGREGATOR_MAX_CONNECTION_AGE_SECONDS": ("120", 120.0),
    "AGGREGATOR_MAX_CONNECTION_AGE_GRACE_SECONDS": ("10", 10.0),
    "AGGREGATOR_LOG_LEVEL": ("DEBUG", "DEBUG"),
    "AGGREGATOR_UPSTREAM_TIMEOUT_SECONDS": ("7", 7.0),
    "AGGREGATOR_WORKERS": ("3", 3),
    "AGGREGATOR_EVENT_LOOP": ("asyncio", "asyncio"),
    "AGGREGATOR_HTTP_TRANSPORT": ("httpx", "httpx"),
    "AGGREGATOR_DEFAULT_DEADLINE_SECONDS": ("4", 4.0),
    "AGGREGATOR_DEADLINE_MARGIN_SECONDS": ("0.2", 0.2),
    "AGGREGATOR_RETRY_MAX_ATTEMPTS": ("5", 5),
    "AGGREGATOR_RETRY_BASE_DELAY_SECONDS": ("0.3", 0.3),
    "AGGREGATOR_RETRY_MAX_DELAY_SECONDS": ("4.5", 4.5),
    "AGGREGATOR_RETRY_BUDGET_RATIO": ("0.1", 0.1),
    "AGGREGATOR_RETRY_BUDGET_MIN_PER_SECOND": ("2", 2.0),
    "AGGREGATOR_RETRY_BUDGET_WINDOW_SECONDS": ("20", 20.0),
    "AGGREGATOR_BREAKER_FAILURE_THRESHOLD": ("9", 9),
    "AGGREGATOR_BREAKER_COOLDOWN_SECONDS": ("11", 11.0),
    "AGGREGATOR_MAX_CONCURRENT_UPSTREAM": ("12", 12),
    "AGGREGATOR_MAX_WAITING_UPSTREAM": ("13", 13),
    "AGGREGATOR_MAX_RESPONSE_BYTES": ("65536", 65536),
    "AGGREGATOR_HTTP_MAX_CONNECTIONS": ("14", 14),
    "AGGREGATOR_HTTP_MAX_KEEPALIVE_CONNECTIONS": ("15", 15),
    "AGGREGATOR_UPSTREAM_CA_FILE": ("/tls/upstream-ca.pem", Path("/tls/upstream-ca.pem")),
    "AGGREGATOR_PORTFOLIO_MAX_CONNECTIONS": ("20", 20),
    "AGGREGATOR_PORTFOLIO_CONCURRENCY": ("8", 8),
    "AGGREGATOR_GRPC_MAX_RECEIVE_BYTES": ("2048", 2048),
    "AGGREGATOR_GRPC_MAX_SEND_BYTES": ("4096", 4096),
    "MESH_BASE_URL": ("https://mesh.example", "https://mesh.example"),
    "MESH_CLIENT_ID": ("mesh-id", "mesh-id"),
    "MESH_CLIENT_SECRET": ("mesh-secret", "mesh-secret"),
    "MONEYKIT_BASE_URL": ("https://moneykit.example", "https://moneykit.example"),
    "MONEYKIT_CLIENT_ID": ("mk-id", "mk-id"),
    "MONEYKIT_CLIENT_SECRET": ("mk-secret", "mk-secret"),
    "MONEYKIT_VERSION": ("2024-01-01", "2024-01-01"),
    "MONEYKIT_TOKEN_FAILURE_BACKOFF_SECONDS": ("8", 8.0),
    "PLAID_BASE_URL": ("https://sandbox.plaid.com", "https://sandbox.plaid.com"),
    "PLAID_CLIENT_ID": ("plaid-id", "plaid-id"),
    "PLAID_SECRET": ("plaid-secret", "plaid-secret"),
    "PLAID_ITEM_RATE_LIMITS": ("0", False),
    "PLAID_CLIENT_RATE_LIMITS": ("false", False),
    "SNAPTRADE_BASE_URL": ("https://snaptrade.example", "https://snaptrade.example"),
    "SNAPTRADE_CLIENT_ID": ("st-id", "st-id"),
    "SNAPTRADE_CONSUMER_KEY": ("st-key", "st-key"),
    "SNAPTRADE_REQUESTS_PER_MINUTE": ("100", 100),
    "SNAPTRADE_ACCOUNT_REQUESTS_PER_MINUTE": ("10", 10),
    "SNAPTRADE_CONFIRM_INTERVAL_SECONDS": ("20", 20.0),
    "SNAPTRADE_REAL_TIME_DATA": ("true", True),
    "AGGREGATOR_STATE_SECRET": (STATE_SECRET, STATE_SECRET),
    "AGGREGATOR_REDIS_URL": ("rediss://redis.internal:6380/0", "rediss://redis.internal:6380/0"),
    "AGGREGATOR_REDIS_PASSWORD": ("redis-password", "redis-password"),
    "AGGREGATOR_REDIS_CA_FILE": ("/tls/redis-ca.pem", Path("/tls/redis-ca.pem")),
    "AGGREGATOR_REDIS_TIMEOUT_SECONDS": ("0.2", 0.2),
    "AGGREGATOR_IDEMPOTENCY_RETENTION_SECONDS": ("3600", 3600.0),
    "AGGREGATOR_READ_CACHE_RETENTION_SECONDS": ("60", 60.0),
}


def test_every_setting_is_read_from_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert set(ENVIRONMENT) == set(SETTING_NAMES)
    for name, (text, _) in ENVIRONMENT.items():
        monkeypatch.setenv(name, text)

    parsed = {section: section() for _, section in SECTIONS}

    for name, (_, expected) in ENVIRONMENT.items():
        section, field = SETTING_NAMES[name]
        value = getattr(parsed[section], field)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        assert value == expected, name
    assert MeshSettings().configured
    assert MoneyKitSettings().configured
    assert PlaidSettings().configured


def test_secrets_do_not_show_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESH_CLIENT_SECRET", "mesh-secret-value")

    assert "mesh-secret-value" not in repr(MeshSettings())


@pytest.mark.parametrize("name", sorted(SETTING_NAMES))
def test_the_readme_documents_every_setting(name: str) -> None:
    assert f"| `{name}` |" in README


@pytest.mark.parametrize("secret", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_state_secret_that_is_not_32_bytes_of_base64_is_refused(secret: str) -> None:
    with pytest.raises(ValueError, match="base64"):
        Settings(aggregator_state_secret=secret)  # type: ignore[arg-type]


def test_keys_derived_for_two_purposes_differ_and_are_stable() -> None:
    settings = Settings(aggregator_state_secret=STATE_SECRET)  # type: ignore[arg-type]

    first = settings.derived_key("page-tokens")
    assert first is not None
    assert len(first) == 32
    assert first == Settings(aggregator_state_secret=STATE_SECRET).derived_key("page-tokens")  # type: ignore[arg-type]
    assert first != settings.derived_key("cache")
    assert Settings().derived_key("page-tokens") is None


def test_redis_without_the_state_secret_is_refused_saying_what_to_set() -> None:
    with pytest.raises(ValueError, match="AGGREGATOR_STATE_SECRET is not") as raised:
        Settings(aggregator_redis_url="redis://:hunter2@127.0.0.1:6379/0")  # type: ignore[arg-type]

    assert "head -c 32 /dev/urandom | base64" in str(raised.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "127.0.0.1:6379", "redis-host"])
def test_a_redis_url_must_be_a_redis_url(url: str) -> None:
    with pytest.raises(ValueError, match=r"redis://, rediss://"):
        Settings(aggregator_redis_url=url, aggregator_state_secret=STATE_SECRET)  # type: ignore[arg-type]


def test_a_redis_ca_file_needs_tls() -> None:
    with pytest.raises(ValueError, match="needs a rediss://"):
        Settings(
            aggregator_redis_url="redis://127.0.0.1:6379",  # type: ignore[arg-type]
            aggregator_redis_ca_file=Path("/tls/ca.pem"),
            aggregator_state_secret=STATE_SECRET,  # type: ignore[arg-type]
        )


def test_shared_state_is_off_by_default_and_records_last_a_day() -> None:
    settings = Settings()

    assert settings.aggregator_redis_url is None
    assert settings.aggregator_idempotency_retention_seconds == 24 * 3600
