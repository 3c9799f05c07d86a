"""Invalid input: INVALID_ARGUMENT naming the field, before any upstream call."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.message import Message

from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    GetHoldingsRequest,
    GetHoldingsValueRequest,
)
from aggregator.v1.connection_pb2 import Connection, MeshConnection
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.order_pb2 import OrderSide
from tests.conftest import Gateway
from tests.e2e import requests
from tests.e2e.richstatus import unpack

INVALID = [
    ("GetHoldingsValue", GetHoldingsValueRequest(), {"connection"}),
    (
        "GetHoldingsValue",
        requests.holdings_value(institution=Institution.INSTITUTION_UNSPECIFIED),
        {"connection.mesh.institution"},
    ),
    (
        "GetHoldingsValue",
        requests.holdings_value(institution=9999),
        {"connection.mesh.institution"},
    ),
    ("GetHoldingsValue", requests.holdings_value(auth_token=""), {"connection.mesh.auth_token"}),
    ("GetHoldingsValue", requests.holdings_value(auth_token="  "), {"connection.mesh.auth_token"}),
    ("CancelOrder", CancelOrderRequest(), {"connection"}),
    ("CancelOrder", requests.cancel(order_id=""), {"order_id"}),
    (
        "CancelOrder",
        CancelOrderRequest(connection=Connection(mesh=MeshConnection())),
        {"connection.mesh.institution", "connection.mesh.auth_token", "order_id"},
    ),
    ("CancelOrder", requests.cancel(institution=Institution.INSTITUTION_COINBASE), {"side"}),
    *(
        ("CancelOrder", requests.cancel(institution=institution), {"symbol_pair"})
        for institution in (
            Institution.INSTITUTION_BINANCE_US,
            Institution.INSTITUTION_BINANCE_INTERNATIONAL,
            Institution.INSTITUTION_OKX,
            Institution.INSTITUTION_BIT_FLYER,
        )
    ),
    ("CancelOrder", requests.cancel(side=7), {"side"}),
    ("GetHoldings", GetHoldingsRequest(), {"connection"}),
    ("GetHoldings", requests.holdings(""), {"connection.moneykit.link_id"}),
    ("GetHoldings", requests.holdings("mk_1", "acc_1", ""), {"account_ids[1]"}),
]


@pytest.mark.parametrize(
    ("method", "request_message", "fields"),
    INVALID,
    ids=[f"{method}-{sorted(fields)}-{index}" for index, (method, _, fields) in enumerate(INVALID)],
)
async def test_invalid_request_is_rejected_before_any_upstream_call(
    gateway: Gateway, method: str, request_message: Message, fields: set[str]
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await getattr(gateway.stub, method)(request_message, timeout=10)

    status = unpack(caught.value)
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert status.bad_request is not None
    assert {violation.field for violation in status.bad_request.field_violations} == fields
    assert status.error_info is not None
    assert status.error_info.reason == "INVALID_REQUEST"
    assert gateway.sandbox.mesh.requests == []
    assert gateway.sandbox.moneykit.requests == []


async def test_coinbase_cancel_with_a_side_is_accepted(gateway: Gateway) -> None:
    await gateway.stub.CancelOrder(
        requests.cancel(
            institution=Institution.INSTITUTION_COINBASE, side=OrderSide.ORDER_SIDE_BUY
        ),
        timeout=10,
    )

    assert len(gateway.sandbox.mesh.requests) == 1


CAPABILITY_MISSING = [
    (
        "CancelOrder",
        CancelOrderRequest(connection=requests.moneykit(), order_id="1"),
        "connection",
        "ORDER_CANCEL_NOT_SUPPORTED",
    ),
    (
        "CancelOrder",
        requests.cancel(institution=Institution.INSTITUTION_OPEN_SEA),
        "connection.mesh.institution",
        "ORDER_CANCEL_NOT_SUPPORTED",
    ),
    (
        "GetHoldingsValue",
        requests.holdings_value(institution=Institution.INSTITUTION_TD_AMERITRADE),
        "connection.mesh.institution",
        "HOLDINGS_VALUE_NOT_SUPPORTED",
    ),
    (
        "GetHoldings",
        GetHoldingsRequest(connection=requests.mesh(institution=Institution.INSTITUTION_E_TRADE)),
        "connection.mesh.institution",
        "HOLDINGS_NOT_SUPPORTED",
    ),
]


@pytest.mark.parametrize(
    ("method", "request_message", "field", "reason"),
    CAPABILITY_MISSING,
    ids=[reason + "-" + field for _, _, field, reason in CAPABILITY_MISSING],
)
async def test_an_rpc_the_provider_or_institution_lacks_is_refused_naming_the_capability(
    gateway: Gateway, method: str, request_message: Message, field: str, reason: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await getattr(gateway.stub, method)(request_message, timeout=10)

    status = unpack(caught.value)
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert status.error_info is not None
    assert status.error_info.reason == reason
    assert status.bad_request is not None
    assert [v.field for v in status.bad_request.field_violations] == [field]
    assert gateway.sandbox.mesh.requests == []
    assert gateway.sandbox.moneykit.requests == []
