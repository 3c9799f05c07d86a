"""Amounts stay exact: JSON numbers and decimal strings in, plain decimal text out."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from service.core.decimals import (
    MAX_FRACTION_DIGITS,
    MAX_INTEGER_DIGITS,
    ExactDecimal,
    decimal_text,
    parse_json_exact,
    percent_change,
    to_decimal,
)


def within_amount_bounds(number: Decimal) -> bool:
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    return number.adjusted() < MAX_INTEGER_DIGITS and -exponent <= MAX_FRACTION_DIGITS


finite_decimals = (
    st.builds(
        lambda sign, digits, exponent: Decimal((sign, tuple(digits), exponent)),
        st.integers(0, 1),
        st.lists(st.integers(0, 9), min_size=1, max_size=40),
        st.integers(-40, 40),
    )
    | st.decimals(allow_nan=False, allow_infinity=False)
).filter(within_amount_bounds)


class Amount(BaseModel):
    value: ExactDecimal


@given(finite_decimals)
def test_json_numbers_round_trip_exactly(number: Decimal) -> None:
    text = str(number)  # JSON number syntax, scientific notation included

    parsed = parse_json_exact(f'{{"amount": {text}, "list": [{text}]}}')
    result = decimal_text(parsed["amount"])

    assert result == format(number, "f")
    assert Decimal(result) == number
    assert decimal_text(parsed["list"][0]) == result
    assert "E" not in result
    assert "e" not in result


@given(finite_decimals)
def test_decimal_strings_round_trip_exactly(number: Decimal) -> None:
    for text in (str(number), format(number, "f")):
        result = decimal_text(to_decimal(text))

        assert result == format(number, "f")
        assert Decimal(result) == number


@given(finite_decimals)
def test_the_pydantic_field_accepts_numbers_and_strings_alike(number: Decimal) -> None:
    from_number = Amount.model_validate(parse_json_exact(f'{{"value": {number}}}'))
    from_string = Amount.model_validate(parse_json_exact(json.dumps({"value": str(number)})))

    assert from_number.value == from_string.value == number
    assert from_number.model_dump(mode="json") == {"value": format(number, "f")}


@given(st.integers(-(10**39) + 1, 10**39 - 1))
def test_integers_are_exact(number: int) -> None:
    assert decimal_text(to_decimal(number)) == str(number)
    assert decimal_text(parse_json_exact(str(number))) == str(number)


def test_json_numbers_are_never_floats() -> None:
    parsed = parse_json_exact(b'{"a": 0.1, "b": 10, "c": 1E+2, "d": [186.03]}')

    assert parsed == {
        "a": Decimal("0.1"),
        "b": Decimal(10),
        "c": Decimal("1E+2"),
        "d": [Decimal("186.03")],
    }
    assert all(type(value) is Decimal for value in (parsed["a"], parsed["b"], parsed["c"]))
    assert decimal_text(parsed["c"]) == "100"


@given(st.floats())
def test_floats_are_rejected(number: float) -> None:
    with pytest.raises(ValueError, match="float"):
        to_decimal(number)


@pytest.mark.parametrize("value", [True, False])
def test_bools_are_rejected(value: bool) -> None:
    with pytest.raises(ValueError, match="float"):
        to_decimal(value)


@pytest.mark.parametrize(
    "value",
    [
        "NaN",
        "nan",
        "-NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        "inf",
        "-inf",
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
    ],
)
def test_nan_and_infinity_are_rejected(value: object) -> None:
    with pytest.raises(ValueError, match=r"finite|not a decimal number"):
        to_decimal(value)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", '{"a": NaN}', "[Infinity]"])
def test_json_nan_and_infinity_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="not a valid amount"):
        parse_json_exact(text)


@pytest.mark.parametrize(
    "value",
    [
        "",
        " ",
        "abc",
        "12abc",
        "1,000.00",
        "1.2.3",
        "0x10",
        "1e",
        "--1",
        "$5",
        "5 USD",
        None,
        [],
        {},
        object(),
    ],
)
def test_garbage_is_rejected(value: object) -> None:
    with pytest.raises(ValueError, match="not a decimal number"):
        to_decimal(value)


@given(st.text().filter(lambda text: not _looks_numeric(text)))
def test_arbitrary_text_without_digits_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="not a decimal number"):
        to_decimal(text)


def _looks_numeric(text: str) -> bool:
    lowered = text.strip().lower().lstrip("+-")
    return any(ch.isdigit() for ch in text) or lowered in {"nan", "snan", "inf", "infinity"}


@pytest.mark.parametrize("text", ["1_000", "\u0661\u0662\u0663", "\uff11\uff12"])
def test_non_json_numerals_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="not a decimal number"):
        to_decimal(text)


def test_the_pydantic_field_rejects_floats() -> None:
    with pytest.raises(ValidationError):
        Amount.model_validate({"value": 0.1})


@pytest.mark.parametrize(
    "text", ["1e40", "1" * 41, "0." + "0" * 40 + "1", "1e-41", "1E+999999999", "-1e400"]
)
def test_numbers_too_large_or_fine_for_an_amount_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_json_exact(f"[{text}]")
    with pytest.raises(ValueError, match="out of range"):
        to_decimal(text)


def test_json_nested_past_the_recursion_limit_is_rejected() -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        parse_json_exact("[" * 100_000 + "]" * 100_000)


def test_a_loss_too_small_to_show_is_zero_not_negative_zero() -> None:
    assert str(percent_change(Decimal("99.999999"), Decimal("100"))) == "0.0000"


json_documents = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(json_documents, st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-32-be"]))
def test_json_bytes_are_read_in_the_encoding_they_show_as_json_loads_reads_them(
    document: object, encoding: str
) -> None:
    text = json.dumps(document)

    assert parse_json_exact(text.encode(encoding)) == parse_json_exact(text)
    assert parse_json_exact(bytearray(text.encode(encoding))) == parse_json_exact(text)
    assert parse_json_exact(text) == json.loads(text, parse_int=Decimal)


def test_text_that_starts_with_a_byte_order_mark_is_rejected_as_json_loads_rejects_it() -> None:
    with pytest.raises(ValueError, match="BOM"):
        parse_json_exact('\ufeff{"a": 1}')
