"""Mesh: holdings value, holdings, balances, and orders (cancel, details, history) at the
institutions Mesh connects."""

from __future__ import annotations

from aggregator.v1.aggregator_service_pb2 import PortfolioEntry
from aggregator.v1.connection_pb2 import Connection, MeshConnection
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.source_pb2 import PROVIDER_MESH
from service.core.validation import Violations
from service.providers.client import HttpProviderClient
from service.providers.declaration import (
    InstitutionRecord,
    Operations,
    ProviderDeclaration,
    SandboxCases,
)
from service.providers.mesh import (
    balances,
    cancel_order,
    get_order,
    holdings,
    holdings_value,
    limits,
    list_orders,
)
from service.providers.mesh.client import MeshClient
from service.providers.mesh.connection import validate_connection
from service.providers.mesh.institutions import MESH_INSTITUTIONS, by_enum
from service.providers.mesh.settings import MeshSettings
from service.providers.settings import ProviderSettings
from service.providers.upstream import UpstreamHttp
from service.resilience.guard import ProviderGuard
from service.sandbox.mesh import triggers


def _sandbox(auth_token: str) -> Connection:
    return Connection(
        mesh=MeshConnection(institution=Institution.INSTITUTION_ROBINHOOD, auth_token=auth_token)
    )


class Mesh(ProviderDeclaration):
    name = "mesh"
    label = "Mesh"
    enum = PROVIDER_MESH
    settings_type = MeshSettings
    operations = Operations(
        get_holdings_value=holdings_value.OPERATION,
        get_holdings=holdings.OPERATION,
        cancel_order=cancel_order.serve,
        get_order=get_order.OPERATION,
        list_orders=list_orders.serve,
        get_balances=balances.OPERATION,
    )
    field_limits = limits.FIELD_LIMITS
    secret_fields = frozenset({"auth_token"})
    institutions = MESH_INSTITUTIONS
    sandbox_cases = SandboxCases(
        ok=_sandbox("alice-robinhood"),
        other_user=_sandbox("bob-robinhood"),
        not_found=_sandbox(triggers.MESH_NOT_FOUND),
        rate_limited=_sandbox(triggers.MESH_RATE_LIMITED),
        unavailable=_sandbox(triggers.MESH_UNAVAILABLE),
        rejected_request=_sandbox(triggers.MESH_BAD_REQUEST),
        user_credentials_rejected=_sandbox(triggers.MESH_HOLDINGS_NOT_AUTHORIZED),
        malformed=_sandbox(triggers.MESH_MALFORMED),
    )

    def connect(
        self, settings: ProviderSettings, http: UpstreamHttp, guard: ProviderGuard
    ) -> HttpProviderClient[MeshSettings]:
        assert isinstance(settings, MeshSettings)
        return MeshClient(self.label, settings, http, guard)

    def validate_connection(
        self, connection: Connection, violations: Violations, field: str
    ) -> None:
        validate_connection(connection.mesh, violations, f"{field}.mesh")

    def institution_of(self, connection: Connection) -> InstitutionRecord | None:
        return by_enum(connection.mesh.institution)

    def entry_label(self, connection: Connection) -> str:
        return self.connection_label(connection)

    def name_entry(self, connection: Connection, entry: PortfolioEntry) -> None:
        super().name_entry(connection, entry)
        entry.institution = connection.mesh.institution


PROVIDER = Mesh()
