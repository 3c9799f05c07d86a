"""Checks on caller input, collected so one INVALID_ARGUMENT names every bad field."""

from __future__ import annotations

from service.core.errors import FieldViolation, InvalidRequest


class Violations:
    """Collects field violations; `raise_if_any` raises them together."""

    def __init__(self) -> None:
        self._violations: list[FieldViolation] = []

    def add(self, field: str, description: str) -> None:
        self._violations.append(FieldViolation(field, description))

    def require_text(self, field: str, value: str) -> None:
        if not value.strip():
            self.add(field, "is required and must not be empty")

    @property
    def collected(self) -> list[FieldViolation]:
        return list(self._violations)

    def raise_if_any(self) -> None:
        if self._violations:
            raise InvalidRequest(self._violations)
