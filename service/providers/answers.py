"""Reading upstream answers: one typed, exact parse of a JSON body (of a success, and of a
failure's error body), and the envelope status an HTTP status means when the body says nothing
more precise."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import msgspec
from pydantic import BaseModel, ValidationError

from service.core.decimals import parse_json_exact
from service.core.envelope import EnvelopeStatus
from service.core.errors import UpstreamBadResponse, UpstreamError
from service.providers.upstream import UpstreamCall, UpstreamResponse, upstream_error

Model = TypeVar("Model", bound=BaseModel)
Struct = TypeVar("Struct", bound=msgspec.Struct)
_NEGATIVE_ZERO = re.compile(rb"-0[\s,\]}]")
DecodeHook = Callable[[type, Any], Any]
"""How msgspec decodes a type it does not know."""

ENVELOPE_STATUS_BY_HTTP_STATUS: Mapping[int, EnvelopeStatus] = {
    400: EnvelopeStatus.BAD_REQUEST,
    403: EnvelopeStatus.PERMISSION_DENIED,
    404: EnvelopeStatus.NOT_FOUND,
    409: EnvelopeStatus.CONFLICT,
    410: EnvelopeStatus.NOT_FOUND,
    422: EnvelopeStatus.CONFLICT,
    423: EnvelopeStatus.LOCKED,
    429: EnvelopeStatus.TOO_MANY_REQUEST,
    451: EnvelopeStatus.UNAVAILABLE_FOR_LEGAL_REASONS,
}
"""The base table; a provider overrides only the statuses its documents give another meaning."""


def envelope_status(
    status_code: int, overrides: Mapping[int, EnvelopeStatus | None] | None = None
) -> EnvelopeStatus | None:
    if overrides is not None and status_code in overrides:
        return overrides[status_code]
    return ENVELOPE_STATUS_BY_HTTP_STATUS.get(status_code)


def read_model(
    response: UpstreamResponse, model: type[Model], call: UpstreamCall, label: str
) -> Model:
    """The body as `model`, numbers exact; a body that is not valid JSON of that shape is a bad
    response."""
    try:
        return model.model_validate(parse_json_exact(response.body))
    except (ValueError, ValidationError) as exc:
        raise _malformed(response, call, label) from exc


def read_struct(
    response: UpstreamResponse,
    struct: type[Struct],
    call: UpstreamCall,
    label: str,
    decode_hook: DecodeHook | None = None,
) -> Struct:
    """The body as `struct`, decoded and validated by msgspec in one pass, numbers exact
    (JSON numbers reach `decode_hook` as `Decimal`s made from their text, never floats); a
    body that is not valid JSON of that shape is a bad response."""
    try:
        if _NEGATIVE_ZERO.search(response.body) is None:
            decoded: Struct = _decoder(struct, decode_hook).decode(response.body)
        else:
            # msgspec reads the integer `-0` as the int 0, losing its sign; such a body (rare:
            # any `-0` before a delimiter, in a string or not) is read through the exact parse.
            decoded = msgspec.convert(parse_json_exact(response.body), struct, dec_hook=decode_hook)
    except (ValueError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise _malformed(response, call, label) from exc
    return decoded


def _malformed(response: UpstreamResponse, call: UpstreamCall, label: str) -> UpstreamError:
    return upstream_error(
        UpstreamBadResponse,
        f"{label} answered with a malformed body.",
        call,
        http_status=response.status_code,
    )


@functools.cache
def _decoder(
    struct: type[msgspec.Struct], decode_hook: DecodeHook | None
) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(struct, dec_hook=decode_hook, float_hook=Decimal)


def read_error_body(response: UpstreamResponse, model: type[Model]) -> Model:
    """A failed answer's body as `model`, or an empty `model` (its defaults) when the body is not
    valid JSON of that shape: the failure is then told by its HTTP status alone."""
    try:
        return model.model_validate(parse_json_exact(response.body))
    except (ValueError, ValidationError):
        return model()
