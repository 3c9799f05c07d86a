"""The gateway's own settings, read from `AGGREGATOR_*` environment variables (see the README's
configuration table); each provider reads its own section (`service.providers.settings`)."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_REDIS_SCHEMES = frozenset({"redis", "rediss", "unix"})


class Settings(BaseSettings):
    """Every setting of the gateway; names are the environment variables."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    aggregator_listen: str = Field(default="127.0.0.1:50051")
    aggregator_sandbox: bool = Field(default=False)
    aggregator_shutdown_grace_seconds: float = Field(default=10.0, gt=0)
    aggregator_shutdown_drain_delay_seconds: float = Field(default=0.0, ge=0)
    aggregator_log_level: str = Field(default="INFO")
    aggregator_log_format: Literal["json", "text"] | None = Field(default=None)
    aggregator_metrics_listen: str | None = Field(default=None)
    aggregator_tracing: Literal["off", "console", "otlp"] = Field(default="off")
    aggregator_reflection: bool = Field(default=True)
    aggregator_callers_file: Path | None = Field(default=None)
    aggregator_tls_cert_file: Path | None = Field(default=None)
    aggregator_tls_key_file: Path | None = Field(default=None)
    aggregator_tls_client_ca_file: Path | None = Field(default=None)
    aggregator_keepalive_time_seconds: float = Field(default=60.0, gt=0)
    aggregator_keepalive_timeout_seconds: float = Field(default=20.0, gt=0)
    aggregator_keepalive_min_client_ping_seconds: float = Field(default=10.0, gt=0)
    aggregator_max_concurrent_streams: int = Field(default=1024, ge=1)
    aggregator_max_rpcs_in_flight: int = Field(default=256, ge=1)
    aggregator_max_pending_rpcs: int = Field(default=256, ge=1)
    aggregator_max_connection_age_seconds: float = Field(default=300.0, gt=0)
    aggregator_max_connection_age_grace_seconds: float = Field(default=30.0, ge=0)
    aggregator_upstream_timeout_seconds: float = Field(default=30.0, gt=0)
    aggregator_workers: int | None = Field(default=None, ge=1)
    aggregator_event_loop: Literal["uvloop", "asyncio"] = Field(default="uvloop")
    aggregator_http_transport: Literal["http1", "aiohttp", "httpx"] = Field(default="http1")
    aggregator_default_deadline_seconds: float = Field(default=15.0, gt=0)
    aggregator_deadline_margin_seconds: float = Field(default=0.05, ge=0)
    aggregator_retry_max_attempts: int = Field(default=3, ge=1)
    aggregator_retry_base_delay_seconds: float = Field(default=0.1, ge=0)
    aggregator_retry_max_delay_seconds: float = Field(default=2.0, ge=0)
    aggregator_retry_budget_ratio: float = Field(default=0.2, ge=0)
    aggregator_retry_budget_min_per_second: float = Field(default=3.0, ge=0)
    aggregator_retry_budget_window_seconds: float = Field(default=10.0, gt=0)
    aggregator_breaker_failure_threshold: int = Field(default=5, ge=0)
    aggregator_breaker_cooldown_seconds: float = Field(default=30.0, ge=0)
    aggregator_max_concurrent_upstream: int = Field(default=256, ge=1)
    aggregator_max_waiting_upstream: int = Field(default=256, ge=0)
    aggregator_max_response_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    aggregator_http_max_connections: int = Field(default=1024, ge=1)
    aggregator_http_max_keepalive_connections: int = Field(default=1024, ge=0)
    aggregator_upstream_ca_file: Path | None = Field(default=None)
    aggregator_portfolio_max_connections: int = Field(default=50, ge=1)
    aggregator_portfolio_concurrency: int = Field(default=50, ge=1)
    aggregator_grpc_max_receive_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    aggregator_grpc_max_send_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    aggregator_state_secret: SecretStr | None = Field(default=None)
    """Base64 of at least 32 bytes, the same on every replica: the keys of page tokens (and of
    shared state) are derived from it."""
    aggregator_redis_url: SecretStr | None = Field(default=None)
    """`redis://` or `rediss://` (TLS) URL of the shared state; unset, state is per process.
    A secret, since it may hold a password."""
    aggregator_redis_password: SecretStr | None = Field(default=None)
    aggregator_redis_ca_file: Path | None = Field(default=None)
    aggregator_redis_timeout_seconds: float = Field(default=0.5, gt=0)
    aggregator_idempotency_retention_seconds: float = Field(default=24 * 3600.0, gt=0)
    aggregator_read_cache_retention_seconds: float = Field(default=300.0, gt=0)
    """How long an answer fetched for a read with a `max_age` is kept; a longer `max_age`
    finds nothing older."""

    @field_validator("aggregator_state_secret")
    @classmethod
    def _at_least_32_bytes(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(state_secret_bytes(value)) < 32:
            raise ValueError("must be base64 of at least 32 bytes")
        return value

    @field_validator("aggregator_redis_url")
    @classmethod
    def _a_redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            scheme = urlsplit(value.get_secret_value()).scheme
            if scheme not in _REDIS_SCHEMES:
                raise ValueError("must be a redis://, rediss:// (TLS) or unix:// URL")
        return value

    @model_validator(mode="after")
    def _shared_state_needs_the_secret(self) -> Settings:
        if self.aggregator_redis_url is not None and self.aggregator_state_secret is None:
            raise ValueError(
                "AGGREGATOR_REDIS_URL is set but AGGREGATOR_STATE_SECRET is not: replicas "
                "sharing state must derive the same keys, so set AGGREGATOR_STATE_SECRET to the "
                "same base64 of 32 random bytes on every replica (head -c 32 /dev/urandom | "
                "base64)"
            )
        if self.aggregator_redis_ca_file is not None and (
            self.aggregator_redis_url is None
            or urlsplit(self.aggregator_redis_url.get_secret_value()).scheme != "rediss"
        ):
            raise ValueError("AGGREGATOR_REDIS_CA_FILE needs a rediss:// AGGREGATOR_REDIS_URL")
        return self

    def derived_key(self, purpose: str) -> bytes | None:
        """A 32-byte key for `purpose`, derived (HKDF-SHA256) from the state secret."""
        if self.aggregator_state_secret is None:
            return None
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
            state_secret_bytes(self.aggregator_state_secret)
        )

    @property
    def log_format(self) -> Literal["json", "text"]:
        """JSON lines for log shippers; text, for people, by default in the sandbox."""
        if self.aggregator_log_format is not None:
            return self.aggregator_log_format
        return "text" if self.aggregator_sandbox else "json"


def state_secret_bytes(secret: SecretStr) -> bytes:
    try:
        return base64.b64decode(secret.get_secret_value(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("must be base64") from exc
