"""A provider's settings section: its own environment variables, under its own prefix."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ProviderSettings(BaseSettings):
    """Base of every provider's settings; a subclass sets `env_prefix` (for example `MESH_`) and
    adds its fields. Every `SecretStr` field is a secret the logs never show."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    base_url: str = ""
    """Every provider sets its own default: the provider's production host."""

    @property
    def configured(self) -> bool:
        """Whether every credential is set; an unconfigured provider refuses its calls."""
        return all(
            bool(value.get_secret_value() if isinstance(value, SecretStr) else value)
            for name, value in self
            if name in self.credential_fields()
        )

    @classmethod
    def credential_fields(cls) -> frozenset[str]:
        """The fields the provider cannot be called without."""
        return frozenset()

    def secrets(self) -> tuple[str, ...]:
        """The values of every `SecretStr` field, for the redaction layer."""
        return tuple(
            value.get_secret_value()
            for _, value in self
            if isinstance(value, SecretStr) and value.get_secret_value()
        )
