"""MoneyKit's refresh outcomes and investment transactions, converted without a network."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregator.v1.transaction_pb2 import InvestmentTransactionType
from service.core.errors import (
    UpstreamFailedPrecondition,
    UpstreamRateLimited,
    UpstreamUnavailable,
    UserCredentialsRejected,
)
from service.providers.moneykit import investment_transactions, models
from service.providers.moneykit.product_errors import refresh_failure
from service.providers.moneykit.refresh_wait import _completed, _failed
from service.providers.upstream import UpstreamResponse

LINK = {"link_id": "mk_1", "products": {}}


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("rate_limit", UpstreamRateLimited),
        ("auth_expired", UserCredentialsRejected),
        ("not_supported", UpstreamFailedPrecondition),
        ("no_accounts", UpstreamFailedPrecondition),
        ("no_permission", UpstreamFailedPrecondition),
        ("timeout", UpstreamUnavailable),
        ("institution_error", UpstreamUnavailable),
        ("unknown", UpstreamUnavailable),
    ],
)
def test_each_documented_product_error_code_is_its_gateway_error(code: str, kind: type) -> None:
    error = refresh_failure(models.Product(error_code=code, error_message="why"))

    assert type(error) is kind
    assert error.context.envelope.error_type == code
    assert error.context.envelope.message == "why"


@given(code=st.text(min_size=1, max_size=40))
def test_a_code_moneykit_adds_later_is_unavailable_not_a_crash(code: str) -> None:
    documented = {"rate_limit", "auth_expired", "not_supported", "no_accounts", "no_permission"}
    error = refresh_failure(models.Product(error_code=code))

    if code not in documented:
        assert type(error) is UpstreamUnavailable


def product(**fields: str | None) -> models.Product:
    return msgspec.convert(fields, models.Product)


def link(**fields: str | None) -> models.Link:
    return msgspec.convert({**LINK, "products": {"investments": fields}}, models.Link)


def test_a_zoneless_refresh_time_is_utc_and_compares_with_a_zoned_one() -> None:
    before = product(refreshed_at="2024-03-14T09:14:11")

    assert before.refreshed_at == datetime(2024, 3, 14, 9, 14, 11, tzinfo=UTC)
    assert _completed(before, link(refreshed_at="2024-03-14T09:14:12Z"))
    assert not _completed(before, link(refreshed_at="2024-03-14T09:14:11+00:00"))


def test_an_error_left_by_an_earlier_attempt_is_not_this_refresh_s_outcome() -> None:
    before = product(error_code="timeout", last_attempted_at="2024-03-14T09:00:00Z")

    assert not _failed(before, link(error_code="timeout", last_attempted_at="2024-03-14T09:00:00Z"))
    assert _failed(before, link(error_code="timeout", last_attempted_at="2024-03-14T10:00:00Z"))
    assert _failed(product(), link(error_code="rate_limit"))


def answer(transactions: list[dict[str, object]], total: int) -> UpstreamResponse:
    body = {"total": total, "investment_transactions": transactions, "link": LINK}
    return UpstreamResponse(200, httpx.Headers(), json.dumps(body).encode())


def test_amounts_sent_as_json_numbers_stay_exact() -> None:
    raw = (
        b'{"total": 1, "link": {"link_id": "mk_1"}, "investment_transactions": [{'
        b'"investment_transaction_id": "t", "account_id": "a", "date": "2024-01-02",'
        b'"amount": 1234567890.123456789012345678, "quantity": 0.000000000000000001,'
        b'"price": 1E+2, "fees": 0.10}]}'
    )
    body = investment_transactions.read(UpstreamResponse(200, httpx.Headers(), raw))
    page = investment_transactions.Page(1, 100)

    [transaction] = investment_transactions.convert(
        body, page, b"scope", datetime.now(UTC)
    ).transactions
    assert transaction.amount == "1234567890.123456789012345678"
    assert transaction.quantity == "0.000000000000000001"
    assert transaction.price == "100"
    assert transaction.fees == "0.10"


@given(kind=st.sampled_from(["buy", "sell", "cash", "fee", "transfer"]), sub=st.text(max_size=20))
def test_a_dotted_subtype_keeps_its_type_s_kind_and_its_text(kind: str, sub: str) -> None:
    provider_type = f"{kind}.{sub}"
    body = investment_transactions.read(
        answer(
            [
                {
                    "investment_transaction_id": "t",
                    "account_id": "a",
                    "date": "2024-01-02",
                    "type": provider_type,
                }
            ],
            1,
        )
    )

    [transaction] = investment_transactions.convert(
        body, investment_transactions.Page(1, 10), b"scope", datetime.now(UTC)
    ).transactions
    assert InvestmentTransactionType.Name(transaction.type).endswith(kind.upper())
    assert transaction.provider_type == provider_type


def test_an_unknown_type_is_unspecified_with_its_text_kept() -> None:
    body = investment_transactions.read(
        answer(
            [
                {
                    "investment_transaction_id": "t",
                    "account_id": "a",
                    "date": "2024-01-02",
                    "type": "split",
                }
            ],
            1,
        )
    )

    [transaction] = investment_transactions.convert(
        body, investment_transactions.Page(1, 10), b"scope", datetime.now(UTC)
    ).transactions
    assert transaction.type == InvestmentTransactionType.INVESTMENT_TRANSACTION_TYPE_UNSPECIFIED
    assert transaction.provider_type == "split"


@given(number=st.integers(1, 50), size=st.integers(1, 1000), total=st.integers(0, 60000))
def test_a_next_page_token_exactly_when_pages_remain(number: int, size: int, total: int) -> None:
    returned = max(0, min(size, total - (number - 1) * size))
    rows = [
        {"investment_transaction_id": f"t{i}", "account_id": "a", "date": "2024-01-02"}
        for i in range(min(returned, 3))
    ]
    body = investment_transactions.read(answer(rows, total))

    response = investment_transactions.convert(
        body, investment_transactions.Page(number, size), b"scope", datetime.now(UTC)
    )
    assert bool(response.next_page_token) == (bool(rows) and number * size < total)
