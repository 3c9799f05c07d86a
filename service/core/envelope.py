"""The upstream status envelope, normalised for every provider.

Mesh answers every call with `{status, message, displayMessage, errorType, errorHash,
errorData}`; MoneyKit's errors are mapped onto the same vocabulary, so callers see one
shape whichever provider answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

JsonValue = Any
"""A value decoded from JSON (numbers as `Decimal`)."""


class EnvelopeStatus(StrEnum):
    """Mesh's status vocabulary, which the gateway uses for every provider."""

    OK = "ok"
    SERVER_FAILURE = "serverFailure"
    PERMISSION_DENIED = "permissionDenied"
    BAD_REQUEST = "badRequest"
    NOT_FOUND = "notFound"
    CONFLICT = "conflict"
    TOO_MANY_REQUEST = "tooManyRequest"
    LOCKED = "locked"
    UNAVAILABLE_FOR_LEGAL_REASONS = "unavailableForLegalReasons"


@dataclass(frozen=True)
class Envelope:
    """What the upstream said about the outcome of a call."""

    status: EnvelopeStatus | None = None
    message: str = ""
    display_message: str = ""
    error_type: str = ""
    error_hash: str = ""
    error_data: JsonValue = None
