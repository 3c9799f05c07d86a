"""Exact decimal amounts: upstream JSON numbers and decimal strings, never floats."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Context, Decimal, Inexact, Rounded
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator

MAX_INTEGER_DIGITS = 40
MAX_FRACTION_DIGITS = 40
"""Bounds on an amount's digits: far beyond any money, short of text that costs memory."""


def parse_json_exact(text: str | bytes | bytearray) -> Any:
    """Decode JSON with every number as a `Decimal`, so no amount passes through a float.

    Raises ValueError for anything that is not sane JSON, including nesting deep enough to
    exhaust the parser's recursion and numbers too large to be amounts.
    """
    if isinstance(text, bytes | bytearray):
        # As `json.loads` reads bytes: in the encoding their first bytes show (UTF-8, -16, -32).
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    elif text.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM", text, 0)
    try:
        return _EXACT_DECODER.decode(text)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def _bounded(text: str) -> Decimal:
    if len(text) <= _SHORT_TEXT and "e" not in text and "E" not in text:
        # A JSON number's text without an exponent is within the bounds by its length alone.
        return Decimal(text)
    return _check_magnitude(Decimal(text))


def _check_magnitude(number: Decimal) -> Decimal:
    exponent = number.as_tuple().exponent
    if number.is_finite() and (
        number.adjusted() >= MAX_INTEGER_DIGITS
        or (isinstance(exponent, int) and -exponent > MAX_FRACTION_DIGITS)
    ):
        raise ValueError("number out of range for an amount")
    return number


def _reject(constant: str) -> None:
    raise ValueError(f"{constant} is not a valid amount")


_EXACT_DECODER = json.JSONDecoder(parse_float=_bounded, parse_int=_bounded, parse_constant=_reject)
"""Made once: `json.loads` given these hooks makes a decoder and its scanner on every call, which
cost as much as decoding a short upstream answer (measured: 10.3 against 6.3 us)."""


_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
"""Decimal text as JSON and the upstreams write it; `Decimal()` alone also takes `1_000`."""

_PLAIN_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_SHORT_TEXT = min(MAX_INTEGER_DIGITS, MAX_FRACTION_DIGITS)


def to_decimal(value: object) -> Decimal:
    """Accept a JSON number (already a Decimal), an int or a decimal string."""
    if (
        isinstance(value, str)
        and len(value) <= _SHORT_TEXT
        and _PLAIN_DECIMAL_TEXT.fullmatch(value)
    ):
        # Thousands of amounts per answer take this way: short plain text is within the
        # bounds by its length alone.
        return Decimal(value)
    if isinstance(value, bool | float):
        raise ValueError("amounts must be decoded exactly, not as floats")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value.strip()):
            raise ValueError(f"{value!r} is not a decimal number")
        number = Decimal(value.strip())
    else:
        raise ValueError(f"{type(value).__name__} is not a decimal number")
    return _within_bounds(number)


def _within_bounds(number: Decimal) -> Decimal:
    if not number.is_finite():
        raise ValueError("amounts must be finite")
    if number.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValueError("number out of range for an amount")
    # The fraction's digits from the text, which is plain (no exponent) for the usual
    # magnitudes; `as_tuple` builds a tuple of every digit, and a holdings answer has thousands.
    text = str(number)
    if "E" in text:
        return _check_magnitude(number)
    point = text.find(".")
    if point >= 0 and len(text) - point - 1 > MAX_FRACTION_DIGITS:
        raise ValueError("number out of range for an amount")
    return number


def decimal_text(value: Decimal) -> str:
    """The plain (never scientific) decimal text of an amount, as exact as its source."""
    return format(value, "f")


ExactDecimal = Annotated[
    Decimal, PlainValidator(to_decimal), PlainSerializer(decimal_text, return_type=str)
]
"""A pydantic field type for upstream amounts. `to_decimal` alone validates it: pydantic's own
decimal check after it would find nothing more (it returns finite, bounded `Decimal`s)."""


EXACT = Context(prec=400, traps=[Inexact, Rounded])
"""Arithmetic on amounts: precise enough for any bounded amount, and it raises rather than
round, so a sum or product is exact or an error."""


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    total = Decimal(0)
    for value in values:
        total = EXACT.add(total, value)
    return total


def exact_product(left: Decimal, right: Decimal) -> Decimal:
    return EXACT.multiply(left, right)


PERCENT_PLACES = Decimal("0.0001")


def percent_change(value: Decimal, cost: Decimal) -> Decimal | None:
    """(value - cost) / cost x 100, rounded half-even to 4 places; None when cost is zero.

    The one rounded figure: a ratio has no exact decimal form in general.
    """
    if cost == 0:
        return None
    context = Context(prec=400)
    change = context.divide(context.multiply(context.subtract(value, cost), 100), cost)
    rounded = change.quantize(PERCENT_PLACES, rounding=ROUND_HALF_EVEN, context=context)
    # A loss too small to show is no change, not "-0.0000".
    return rounded.copy_abs() if rounded.is_zero() else rounded
