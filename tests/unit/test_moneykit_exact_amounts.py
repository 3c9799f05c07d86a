"""MoneyKit holdings decoded by msgspec keep every amount exact, as a JSON number or a string."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.core.decimals import decimal_text
from service.core.errors import UpstreamBadResponse
from service.providers.moneykit import holdings
from service.providers.upstream import UpstreamResponse

AMOUNTS = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda number: -30 < number.adjusted() < 30 and -number.as_tuple().exponent <= 40  # type: ignore[operator]
)


def answer(quantity: str, price: str) -> bytes:
    return (
        '{"link": {"link_id": "mk_1"}, "holdings": [{"account_id": "a", "security_id": "s", '
        f'"quantity": {quantity}, "price": {price}}}]}}'
    ).encode()


def converted(body: bytes) -> tuple[str, str]:
    response = holdings.convert(
        holdings.read(UpstreamResponse(200, httpx.Headers(), body)), datetime.now(UTC)
    )
    return response.holdings[0].quantity, response.holdings[0].price


@given(quantity=AMOUNTS, price=AMOUNTS)
def test_any_amount_as_a_json_number_or_string_comes_out_as_its_exact_decimal_text(
    quantity: Decimal, price: Decimal
) -> None:
    number, text = format(quantity, "f"), json.dumps(format(price, "f"))

    assert converted(answer(number, text)) == (
        decimal_text(Decimal(number)),
        decimal_text(Decimal(format(price, "f"))),
    )


@pytest.mark.parametrize("amount", ['"NaN"', '"Infinity"', "1e40", '"0.' + "0" * 40 + '1"', "true"])
def test_an_amount_that_is_not_a_bounded_number_is_a_bad_response(amount: str) -> None:
    with pytest.raises(UpstreamBadResponse):
        converted(answer(amount, '"1"'))


@pytest.mark.parametrize("amount", ['"1_000"', '"\u0661\u0662"', '"12abc"', '""', '"0x1A"'])
def test_a_string_amount_that_is_not_plain_decimal_text_is_a_bad_response(amount: str) -> None:
    with pytest.raises(UpstreamBadResponse):
        converted(answer(amount, '"1"'))


def test_an_integer_minus_zero_keeps_its_sign() -> None:
    assert converted(answer("-0", "-0.0")) == ("-0", "-0.0")
