"""SnapTrade's settings section: `SNAPTRADE_BASE_URL`, `SNAPTRADE_CLIENT_ID`,
`SNAPTRADE_CONSUMER_KEY`, and how the gateway paces its calls."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from service.providers.settings import ProviderSettings


class SnapTradeSettings(ProviderSettings):
    model_config = SettingsConfigDict(env_prefix="SNAPTRADE_", case_sensitive=False, extra="ignore")

    base_url: str = Field(default="https://api.snaptrade.com")
    client_id: str = Field(default="")
    consumer_key: SecretStr = Field(default=SecretStr(""))
    requests_per_minute: int = Field(default=250, ge=1)
    """SnapTrade's documented limit per client id, held across every replica of the gateway
    (lower it only if something else shares the client id)."""
    account_requests_per_minute: int = Field(default=0, ge=0)
    """SnapTrade's per-account limit on account data requests for the plan (10 for Personal
    keys); 0 leaves it to SnapTrade's own 429."""
    confirm_interval_seconds: float = Field(default=15.0, gt=0)
    """The pause between two reads of an order while confirming a cancel: SnapTrade asks not
    to poll an account more often than every 15 s."""
    real_time_data: bool = False
    """Whether the client id's plan reads accounts in real time (Personal, Pay as you Go /
    Real-time) rather than from SnapTrade's daily cache."""

    @classmethod
    def credential_fields(cls) -> frozenset[str]:
        return frozenset({"client_id", "consumer_key"})
