"""Validation of a `MeshConnection`, shared by every Mesh operation."""

from __future__ import annotations

from aggregator.v1.connection_pb2 import MeshConnection
from aggregator.v1.institution_pb2 import Institution
from service.core.validation import Violations
from service.providers.mesh.institutions import MeshInstitution, by_enum


def validate_connection(
    mesh: MeshConnection, violations: Violations, field: str = "connection.mesh"
) -> MeshInstitution | None:
    institution = by_enum(mesh.institution)
    if mesh.institution == Institution.INSTITUTION_UNSPECIFIED:
        violations.add(f"{field}.institution", "is required")
    elif institution is None:
        violations.add(f"{field}.institution", f"{mesh.institution} is not a known institution")
    violations.require_text(f"{field}.auth_token", mesh.auth_token)
    return institution
