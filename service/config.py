"""Settings, read from environment variables (see the README's configuration table)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of the gateway; names are the environment variables."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    aggregator_listen: str = Field(default="127.0.0.1:50051")
    aggregator_sandbox: bool = Field(default=False)
    aggregator_grace_seconds: float = Field(default=10.0, gt=0)
    aggregator_log_level: str = Field(default="INFO")
    aggregator_upstream_timeout_seconds: float = Field(default=30.0, gt=0)

    mesh_base_url: str = Field(default="https://integration-api.meshconnect.com")
    mesh_client_id: str = Field(default="")
    mesh_client_secret: SecretStr = Field(default=SecretStr(""))

    moneykit_base_url: str = Field(default="https://api.moneykit.com")
    moneykit_client_id: str = Field(default="")
    moneykit_client_secret: SecretStr = Field(default=SecretStr(""))
    moneykit_version: str = Field(default="2023-02-18")

    @property
    def mesh_configured(self) -> bool:
        return bool(self.mesh_client_id and self.mesh_client_secret.get_secret_value())

    @property
    def moneykit_configured(self) -> bool:
        return bool(self.moneykit_client_id and self.moneykit_client_secret.get_secret_value())
