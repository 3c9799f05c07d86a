"""Reading a failed answer's error body: the provider's shape when it fits, its empty defaults
when the body is not JSON of that shape (then the HTTP status alone tells the failure)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from pydantic import BaseModel

from service.providers.answers import read_error_body
from service.providers.upstream import UpstreamResponse


class ErrorBody(BaseModel):
    code: str | None = None
    amount: Decimal | None = None


def answer(body: bytes) -> UpstreamResponse:
    return UpstreamResponse(400, httpx.Headers(), body)


def test_an_error_body_of_the_providers_shape_is_read_with_exact_numbers() -> None:
    body = read_error_body(answer(b'{"code": "1076", "amount": 0.1}'), ErrorBody)

    assert body == ErrorBody(code="1076", amount=Decimal("0.1"))


@pytest.mark.parametrize(
    "raw", [b"", b"<html>502</html>", b'{"code": 7}', b"[1, 2]", b'{"code": "x"'], ids=repr
)
def test_an_error_body_of_another_shape_is_the_empty_default(raw: bytes) -> None:
    assert read_error_body(answer(raw), ErrorBody) == ErrorBody()
