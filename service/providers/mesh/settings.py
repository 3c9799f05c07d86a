"""Mesh's settings section: `MESH_BASE_URL`, `MESH_CLIENT_ID`, `MESH_CLIENT_SECRET`."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from service.providers.settings import ProviderSettings


class MeshSettings(ProviderSettings):
    model_config = SettingsConfigDict(env_prefix="MESH_", case_sensitive=False, extra="ignore")

    base_url: str = Field(default="https://integration-api.meshconnect.com")
    client_id: str = Field(default="")
    client_secret: SecretStr = Field(default=SecretStr(""))

    @classmethod
    def credential_fields(cls) -> frozenset[str]:
        return frozenset({"client_id", "client_secret"})
