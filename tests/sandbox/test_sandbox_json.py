"""The sandbox writes JSON numbers from their decimal literals, never through a float."""

import json
from decimal import Decimal

import pytest

from service.sandbox._json import dumps


@pytest.mark.parametrize(
    ("literal", "text"),
    [
        ("186.03", b"186.03"),
        ("20.2", b"20.2"),
        ("0.1", b"0.1"),
        ("1.234567890123456789", b"1.234567890123456789"),
        ("-2.4113", b"-2.4113"),
        ("98.53125", b"98.53125"),
        ("1E+3", b"1E+3"),
    ],
)
def test_decimals_are_written_digit_for_digit(literal: str, text: bytes) -> None:
    assert dumps(Decimal(literal)) == text
    assert json.loads(text, parse_float=Decimal) == Decimal(literal)


def test_nested_values_keep_their_order_and_types() -> None:
    value = {"b": [1, True, None, "x"], "a": {"n": Decimal("0.30")}}

    assert dumps(value) == b'{"b":[1,true,null,"x"],"a":{"n":0.30}}'


def test_strings_are_escaped() -> None:
    assert (
        json.loads(dumps('quote " backslash \\ newline \n ü'))
        == 'quote " backslash \\ newline \n ü'
    )


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_values_json_cannot_write_are_refused(literal: str) -> None:
    with pytest.raises(ValueError, match="no literal"):
        dumps(Decimal(literal))
