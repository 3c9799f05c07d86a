"""SnapTrade's pieces on their own: the signature, the statuses, the page mapping and the exact
per-share arithmetic (its rate limits: `test_call_limits.py`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from decimal import Decimal, localcontext
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from aggregator.v1.order_pb2 import OrderStatus
from service.providers.snaptrade import holdings, holdings_value, list_orders, orders
from service.providers.snaptrade.models import AllPositions
from service.providers.snaptrade.signing import canonical_text, signature

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "upstreams" / "snaptrade-openapi.yaml"


def test_the_signed_text_is_the_documented_canonical_json() -> None:
    """The example of SnapTrade's "Request Signatures" guide, character for character."""
    text = canonical_text(
        b'{"userId": "new_user_123"}',
        "/api/v1/snapTrade/registerUser",
        "clientId=PASSIVTEST&timestamp=1635790389",
    )

    assert text == (
        '{"content":{"userId":"new_user_123"},"path":"/api/v1/snapTrade/registerUser",'
        '"query":"clientId=PASSIVTEST&timestamp=1635790389"}'
    )


def test_a_request_without_a_body_signs_null_content() -> None:
    assert canonical_text(None, "/accounts", "clientId=A&timestamp=1").startswith(
        '{"content":null,'
    )


def test_the_signature_is_the_base64_hmac_sha256_under_the_consumer_key() -> None:
    text = canonical_text(None, "/accounts", "clientId=A&timestamp=1")
    expected = base64.b64encode(hmac.new(b"key", text.encode(), hashlib.sha256).digest()).decode()

    assert signature("key", None, "/accounts", "clientId=A&timestamp=1") == expected
    assert signature("other", None, "/accounts", "clientId=A&timestamp=1") != expected


def documented_statuses() -> set[str]:
    schemas = yaml.safe_load(DOCUMENT.read_text())["components"]["schemas"]
    return {
        *schemas["AccountOrderRecordStatus"]["enum"],
        *schemas["AccountOrderRecordStatusV2"]["enum"],
    }


def test_every_documented_status_is_mapped() -> None:
    assert documented_statuses() == set(orders.STATUSES)


def test_snaptrade_has_no_open_status_pending_and_its_kin_are_in_progress() -> None:
    for status in ("PENDING", "ACCEPTED", "QUEUED", "CANCEL_PENDING", "TRIGGERED"):
        assert orders.status_of(status) == OrderStatus.ORDER_STATUS_IN_PROGRESS


def test_an_unknown_status_is_unspecified_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    assert orders.status_of("MOONWALKING") == OrderStatus.ORDER_STATUS_UNSPECIFIED
    assert "does not know" in caplog.text


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        ((), "all"),
        ((OrderStatus.ORDER_STATUS_IN_PROGRESS,), "open"),
        ((OrderStatus.ORDER_STATUS_FILLED,), "executed"),
        ((OrderStatus.ORDER_STATUS_FILLED, OrderStatus.ORDER_STATUS_CANCELLED), "all"),
        ((OrderStatus.ORDER_STATUS_REJECTED,), "all"),
    ],
)
def test_only_statuses_snaptrade_can_filter_become_its_state(
    statuses: tuple[OrderStatus.ValueType, ...], state: str
) -> None:
    assert list_orders.state_for(frozenset(statuses)) == state


NOW = datetime(2026, 6, 2, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("created_after", "days"),
    [
        (None, 90),
        (NOW - timedelta(hours=1), 1),
        (NOW - timedelta(days=2, hours=1), 3),
        (NOW - timedelta(days=400), 90),
        (NOW + timedelta(days=1), 1),
    ],
)
def test_days_reach_back_to_created_after_within_snaptrades_90(
    created_after: datetime | None, days: int
) -> None:
    assert list_orders.days_for(created_after, NOW) == days


amounts = st.decimals(
    min_value=Decimal("-1e9"), max_value=Decimal("1e9"), allow_nan=False, places=8
)


@given(units=amounts, price=amounts, cost=amounts, multiplier=st.sampled_from([None, "100", "10"]))
def test_value_and_cost_basis_are_exact_per_share_products(
    units: Decimal, price: Decimal, cost: Decimal, multiplier: str | None
) -> None:
    instrument: dict[str, object] = {"kind": "option" if multiplier else "stock", "symbol": "X"}
    if multiplier:
        instrument["multiplier"] = multiplier
    answer = AllPositions.model_validate(
        {
            "results": [
                {
                    "instrument": instrument,
                    "units": str(units),
                    "price": str(price),
                    "cost_basis": str(cost),
                    "currency": "USD",
                }
            ],
            "data_freshness": {"as_of": "2026-06-02T14:30:00Z"},
        }
    )
    times = Decimal(multiplier or 1)

    response = holdings.convert(answer, "acc")
    value = holdings_value.convert(answer)

    (holding,) = response.holdings
    with localcontext(prec=100):
        assert Decimal(holding.value) == units * price * times
        assert Decimal(holding.cost_basis) == units * cost * times
        assert Decimal(value.total_value) == units * price * times


def test_an_unknown_kind_is_an_unspecified_security() -> None:
    answer = AllPositions.model_validate(
        {
            "results": [{"instrument": {"kind": "bond", "symbol": "T"}, "units": "1"}],
            "data_freshness": {"as_of": "2026-06-02T14:30:00Z"},
        }
    )

    (security,) = holdings.convert(answer, "acc").securities
    assert security.type == 0
