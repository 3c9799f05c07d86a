"""The registry the servicer looks up by the request's provider, and how it is built."""

from __future__ import annotations

from collections.abc import Mapping

from aggregator.v1.connection_pb2 import Connection
from service.config import Settings
from service.core.errors import FieldViolation, InvalidRequest
from service.providers.base import ProviderAdapter
from service.providers.capabilities import Rpc, require
from service.providers.mesh import MeshAdapter
from service.providers.mesh.client import MeshClient, MeshCredentials
from service.providers.moneykit import MoneyKitAdapter
from service.providers.moneykit.auth import MoneyKitCredentials, TokenSource
from service.providers.moneykit.client import MoneyKitClient
from service.providers.upstream import UpstreamHttp
from service.resilience.guard import ProviderGuard


class ProviderRegistry:
    def __init__(self, adapters: Mapping[str, ProviderAdapter]) -> None:
        self._adapters = dict(adapters)

    def for_connection(
        self, connection: Connection, rpc: Rpc, field: str = "connection"
    ) -> ProviderAdapter:
        """The adapter of the connection's provider (the name of its `provider` oneof branch),
        once the provider and institution are known to serve `rpc`."""
        provider = connection.WhichOneof("provider")
        if provider is None:
            raise InvalidRequest(
                [FieldViolation(field, "is required: set one of mesh or moneykit")]
            )
        require(rpc, connection, field)
        return self._adapters[provider]


def build_registry(settings: Settings, http: UpstreamHttp) -> ProviderRegistry:
    mesh_credentials = (
        MeshCredentials(settings.mesh_client_id, settings.mesh_client_secret)
        if settings.mesh_configured
        else None
    )
    tokens = (
        TokenSource(
            http,
            settings.moneykit_base_url,
            MoneyKitCredentials(settings.moneykit_client_id, settings.moneykit_client_secret),
            settings.moneykit_token_failure_backoff_seconds,
        )
        if settings.moneykit_configured
        else None
    )
    mesh_client = MeshClient(
        http,
        settings.mesh_base_url,
        mesh_credentials,
        ProviderGuard.from_settings("mesh", settings),
    )
    moneykit_client = MoneyKitClient(
        http,
        settings.moneykit_base_url,
        settings.moneykit_version,
        tokens,
        ProviderGuard.from_settings("moneykit", settings),
    )
    return ProviderRegistry(
        {"mesh": MeshAdapter(mesh_client), "moneykit": MoneyKitAdapter(moneykit_client)}
    )
