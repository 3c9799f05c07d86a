"""JSON text built from exact values.

Money and crypto quantities are `Decimal`s and are written digit for digit: a binary float would
turn `186.03` into the nearest double and lose the tail of an 18-decimal quantity, which is the
very thing the gateway must be tested against.
"""

import json
from decimal import Decimal
from typing import TypeAlias

JsonValue: TypeAlias = "bool | int | Decimal | str | list[JsonValue] | dict[str, JsonValue] | None"
JsonObject: TypeAlias = dict[str, JsonValue]


def dumps(value: JsonValue) -> bytes:
    """Encode `value` as compact UTF-8 JSON, writing each `Decimal` as its own literal."""
    return _encode(value).encode()


def _encode(value: JsonValue) -> str:
    # bool before int: True is an int to Python but `true` to JSON.
    if value is None or isinstance(value, bool | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"JSON has no literal for {value}")
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(_encode(item) for item in value) + "]"
    return "{" + ",".join(f"{_encode(key)}:{_encode(item)}" for key, item in value.items()) + "}"
