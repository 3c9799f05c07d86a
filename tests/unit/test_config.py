"""Settings come from the documented environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_defaults_match_the_documentation(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)

    settings = Settings()

    assert settings.aggregator_listen == "127.0.0.1:50051"
    assert settings.aggregator_sandbox is False
    assert settings.moneykit_version == "2023-02-18"
    assert settings.mesh_base_url == "https://integration-api.meshconnect.com"
    assert settings.moneykit_base_url == "https://api.moneykit.com"
    assert not settings.mesh_configured
    assert not settings.moneykit_configured


def test_every_setting_is_read_from_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    values = {
        "AGGREGATOR_LISTEN": "0.0.0.0:6000",
        "AGGREGATOR_SANDBOX": "1",
        "AGGREGATOR_GRACE_SECONDS": "3.5",
        "AGGREGATOR_LOG_LEVEL": "DEBUG",
        "AGGREGATOR_UPSTREAM_TIMEOUT_SECONDS": "7",
        "MESH_BASE_URL": "https://mesh.example",
        "MESH_CLIENT_ID": "mesh-id",
        "MESH_CLIENT_SECRET": "mesh-secret",
        "MONEYKIT_BASE_URL": "https://moneykit.example",
        "MONEYKIT_CLIENT_ID": "mk-id",
        "MONEYKIT_CLIENT_SECRET": "mk-secret",
        "MONEYKIT_VERSION": "2024-01-01",
    }
    assert set(values) == {name.upper() for name in Settings.model_fields}
    for name, value in values.items():
        monkeypatch.setenv(name, value)

    settings = Settings()

    assert settings.aggregator_listen == "0.0.0.0:6000"
    assert settings.aggregator_sandbox is True
    assert settings.aggregator_grace_seconds == 3.5
    assert settings.aggregator_log_level == "DEBUG"
    assert settings.aggregator_upstream_timeout_seconds == 7
    assert settings.mesh_base_url == "https://mesh.example"
    assert settings.mesh_client_secret.get_secret_value() == "mesh-secret"
    assert settings.moneykit_client_secret.get_secret_value() == "mk-secret"
    assert settings.moneykit_version == "2024-01-01"
    assert settings.mesh_configured
    assert settings.moneykit_configured


def test_secrets_do_not_show_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESH_CLIENT_SECRET", "mesh-secret-value")

    assert "mesh-secret-value" not in repr(Settings())


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_the_readme_documents_every_setting(name: str) -> None:
    assert f"| `{name.upper()}` |" in README
