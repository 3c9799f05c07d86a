"""Exact decimal amounts: upstream JSON numbers and decimal strings, never floats."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer


def parse_json_exact(text: str | bytes) -> Any:
    """Decode JSON with every number as a `Decimal`, so no amount passes through a float."""
    return json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=_reject)


def _reject(constant: str) -> None:
    raise ValueError(f"{constant} is not a valid amount")


_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
"""Decimal text as JSON and the upstreams write it; `Decimal()` alone also takes `1_000`."""


def to_decimal(value: object) -> Decimal:
    """Accept a JSON number (already a Decimal), an int or a decimal string."""
    if isinstance(value, bool | float):
        raise ValueError("amounts must be decoded exactly, not as floats")
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    elif isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value.strip()):
            raise ValueError(f"{value!r} is not a decimal number")
        number = Decimal(value.strip())
    else:
        raise ValueError(f"{type(value).__name__} is not a decimal number")
    if not number.is_finite():
        raise ValueError("amounts must be finite")
    return number


def decimal_text(value: Decimal) -> str:
    """The plain (never scientific) decimal text of an amount, as exact as its source."""
    return format(value, "f")


ExactDecimal = Annotated[
    Decimal, BeforeValidator(to_decimal), PlainSerializer(decimal_text, return_type=str)
]
"""A pydantic field type for upstream amounts."""
