"""Validation of a `MeshConnection`, shared by every Mesh operation and the portfolio pre-check."""

from __future__ import annotations

from aggregator.v1.connection_pb2 import MeshConnection
from aggregator.v1.institution_pb2 import Institution
from service.core.validation import Violations
from service.providers.declaration import InstitutionRecord
from service.providers.mesh.institutions import by_enum


def validate_connection(
    mesh: MeshConnection, violations: Violations, field: str = "connection.mesh"
) -> InstitutionRecord | None:
    institution = by_enum(mesh.institution)
    if mesh.institution == Institution.INSTITUTION_UNSPECIFIED:
        violations.add(f"{field}.institution", "is required")
    elif institution is None:
        violations.add(f"{field}.institution", f"{mesh.institution} is not a known institution")
    violations.require_text(f"{field}.auth_token", mesh.auth_token)
    return institution


def valid_institution(mesh: MeshConnection) -> InstitutionRecord:
    """The connection's institution, or INVALID_ARGUMENT naming every bad field."""
    violations = Violations()
    institution = validate_connection(mesh, violations)
    violations.raise_if_any()
    assert institution is not None
    return institution
