"""Plaid's settings section: `PLAID_BASE_URL`, `PLAID_CLIENT_ID`, `PLAID_SECRET` and
`PLAID_ITEM_RATE_LIMITS` and `PLAID_CLIENT_RATE_LIMITS`.

Plaid has one host per environment: `https://production.plaid.com` (the default) and
`https://sandbox.plaid.com`, where Plaid's own test Items live. The secret is per environment.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from service.providers.settings import ProviderSettings

PRODUCTION_URL = "https://production.plaid.com"
SANDBOX_URL = "https://sandbox.plaid.com"


class PlaidSettings(ProviderSettings):
    model_config = SettingsConfigDict(env_prefix="PLAID_", case_sensitive=False, extra="ignore")

    base_url: str = Field(default=PRODUCTION_URL)
    client_id: str = Field(default="")
    secret: SecretStr = Field(default=SecretStr(""))
    item_rate_limits: bool = Field(default=True)
    """Whether the gateway keeps Plaid's per-Item limits itself, refusing a call past them."""
    client_rate_limits: bool = Field(default=True)
    """Whether the gateway keeps Plaid's per-client limits itself (off for a client id whose
    limits Plaid raised)."""

    @classmethod
    def credential_fields(cls) -> frozenset[str]:
        return frozenset({"client_id", "secret"})
