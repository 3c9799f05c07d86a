"""MoneyKit's settings section: `MONEYKIT_BASE_URL`, `MONEYKIT_CLIENT_ID`,
`MONEYKIT_CLIENT_SECRET`, `MONEYKIT_VERSION` and `MONEYKIT_TOKEN_FAILURE_BACKOFF_SECONDS`."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from service.providers.settings import ProviderSettings


class MoneyKitSettings(ProviderSettings):
    model_config = SettingsConfigDict(env_prefix="MONEYKIT_", case_sensitive=False, extra="ignore")

    base_url: str = Field(default="https://api.moneykit.com")
    client_id: str = Field(default="")
    client_secret: SecretStr = Field(default=SecretStr(""))
    version: str = Field(default="2023-02-18")
    token_failure_backoff_seconds: float = Field(default=5.0, ge=0)

    @classmethod
    def credential_fields(cls) -> frozenset[str]:
        return frozenset({"client_id", "client_secret"})
