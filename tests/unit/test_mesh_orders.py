"""Mesh orders as `Order`s: every documented value mapped, amounts exact, unknown values kept
and logged once; the details answer read as the envelope or as the bare order."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregator.v1.order_pb2 import (
    AssetType,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from service.core.decimals import parse_json_exact
from service.core.errors import UpstreamBadResponse, UpstreamNotFound
from service.providers.mesh import get_order
from service.providers.mesh.models import BrokerOrder
from service.providers.mesh.orders import FINAL_STATUSES, to_order
from service.providers.upstream import UpstreamResponse
from tests.contract.mesh_openapi import document


def order_of(**fields: object) -> BrokerOrder:
    return BrokerOrder.model_validate(parse_json_exact(json.dumps(fields)))


def documented_enum(name: str) -> list[str]:
    values: list[str] = document()["components"]["schemas"][name]["enum"]
    return values


@pytest.mark.parametrize(
    ("schema", "field", "unspecified"),
    [
        ("BrokerOrderStatus", "status", OrderStatus.ORDER_STATUS_UNSPECIFIED),
        ("BrokerOrderPlaceType", "orderType", OrderType.ORDER_TYPE_UNSPECIFIED),
        ("BrokerOrderTimeInForceType", "timeInForce", TimeInForce.TIME_IN_FORCE_UNSPECIFIED),
        ("B2BAssetType", "assetType", AssetType.ASSET_TYPE_UNSPECIFIED),
    ],
)
def test_every_documented_value_has_its_own_enum_value(
    schema: str, field: str, unspecified: int
) -> None:
    attribute = {
        "status": "status",
        "orderType": "order_type",
        "timeInForce": "time_in_force",
        "assetType": "asset_type",
    }[field]
    converted = [
        getattr(to_order(order_of(**{field: value})), attribute)
        for value in documented_enum(schema)
    ]

    assert unspecified not in converted
    assert len(set(converted)) == len(converted)


def test_the_documented_sides_are_mapped() -> None:
    sides = [to_order(order_of(side=side)).side for side in documented_enum("BrokerOrderType")]

    assert sides == [
        OrderSide.ORDER_SIDE_UNSPECIFIED,
        OrderSide.ORDER_SIDE_BUY,
        OrderSide.ORDER_SIDE_SELL,
    ]


def test_final_statuses_are_the_ones_an_order_never_leaves() -> None:
    final = {
        status
        for status in documented_enum("BrokerOrderStatus")
        if to_order(order_of(status=status)).status in FINAL_STATUSES
    }

    assert final == {"cancelled", "rejected", "failed", "success", "expired"}


def test_an_unknown_status_is_unspecified_kept_as_written_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="service.providers.mesh.orders"):
        orders = [
            to_order(order_of(status="pendingReview", orderType="trailingStop")) for _ in range(3)
        ]

    assert {order.status for order in orders} == {OrderStatus.ORDER_STATUS_UNSPECIFIED}
    assert {order.order_type for order in orders} == {OrderType.ORDER_TYPE_UNSPECIFIED}
    assert {order.provider_status for order in orders} == {"pendingReview"}
    logged = [record.getMessage() for record in caplog.records]
    assert sum("'pendingReview'" in message for message in logged) == 1
    assert sum("'trailingStop'" in message for message in logged) == 1


amounts = st.decimals(allow_nan=False, allow_infinity=False, places=18).filter(
    lambda value: abs(value) < Decimal(10) ** 20
)


@given(amount=amounts, price=amounts, fee=amounts, value=amounts)
def test_amounts_are_the_upstream_numbers_digit_for_digit(
    amount: Decimal, price: Decimal, fee: Decimal, value: Decimal
) -> None:
    body = f'{{"amount": {amount}, "price": {price}, "fee": {fee}, "value": {value}}}'

    order = to_order(BrokerOrder.model_validate(parse_json_exact(body)))

    assert [Decimal(getattr(order, name)) for name in ("amount", "price", "fee", "value")] == [
        amount,
        price,
        fee,
        value,
    ]


def test_unreported_amounts_and_times_stay_unset() -> None:
    order = to_order(order_of(id="o", amount=None, createdTimestamp=0))

    for name in ("amount", "price", "fee", "value", "created_at", "updated_at"):
        assert not order.HasField(name), name


@given(seconds=st.integers(min_value=1, max_value=253402300799))
def test_unix_seconds_become_the_same_instant(seconds: int) -> None:
    order = to_order(order_of(createdTimestamp=seconds, updatedTimestamp=seconds))

    assert order.created_at.seconds == order.updated_at.seconds == seconds
    assert order.created_at.nanos == 0


def answer(status: int, body: object) -> UpstreamResponse:
    return UpstreamResponse(status, httpx.Headers(), json.dumps(body).encode())


ORDER = {"id": "o-1", "status": "inProgress", "amount": 1, "createdTimestamp": 1653215676}


def test_the_details_answer_is_read_as_the_envelope() -> None:
    result = get_order.read(answer(200, {"status": "ok", "content": ORDER}))

    assert result.content is not None
    assert result.content.id == "o-1"


def test_the_details_answer_is_read_as_the_bare_order_of_the_example() -> None:
    result = get_order.read(answer(200, ORDER))

    assert result.status == "ok"
    assert result.content is not None
    assert result.content.status == "inProgress"


@pytest.mark.parametrize(
    "body",
    [{"status": "ok", "content": None}, {"status": "ok"}, {}, {"id": "o", "amount": "lots"}],
    ids=["null-content", "no-content", "empty", "malformed-bare-order"],
)
def test_a_details_answer_without_a_readable_order_is_a_bad_response(body: object) -> None:
    with pytest.raises(UpstreamBadResponse):
        get_order.read(answer(200, body))


def test_a_missing_order_is_not_found() -> None:
    problem = {"title": "Not Found", "status": 404, "detail": "Transaction is not found."}

    with pytest.raises(UpstreamNotFound):
        get_order.read(answer(404, problem))
