"""A bug in the gateway answers INTERNAL with a generic message; the details stay in the log."""

from __future__ import annotations

import logging

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from aggregator.v1.aggregator_service_pb2 import GetPortfolioRequest
from service.rpc.status import INTERNAL_MESSAGE
from tests.conftest import Gateway
from tests.e2e import requests
from tests.e2e.richstatus import unpack
from tests.support.breakage import break_mesh_holdings_value


async def test_an_unexpected_exception_is_internal_without_its_details(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("internal detail that must not reach callers")

    break_mesh_holdings_value(monkeypatch, broken)

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await gateway.stub.GetHoldingsValue(requests.holdings_value(), timeout=10)

    status = unpack(caught.value)
    assert status.code == grpc.StatusCode.INTERNAL
    assert status.message == INTERNAL_MESSAGE
    assert "internal detail" not in str(caught.value.debug_error_string())
    assert status.error_info is not None
    assert status.error_info.reason == "INTERNAL"
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert any("internal detail" in (record.exc_text or "") for record in errors)


async def test_an_unexpected_exception_in_one_portfolio_connection_is_its_internal_error(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("internal detail that must not reach callers")

    break_mesh_holdings_value(monkeypatch, broken)

    response = await gateway.stub.GetPortfolio(
        GetPortfolioRequest(connections=[requests.mesh(), requests.moneykit()]), timeout=10
    )

    failed, succeeded = response.entries
    status = status_pb2.Status.FromString(failed.error.SerializeToString())
    assert (status.code, status.message) == (grpc.StatusCode.INTERNAL.value[0], INTERNAL_MESSAGE)
    [detail] = status.details
    info = error_details_pb2.ErrorInfo()
    assert detail.Unpack(info)
    assert info.reason == "INTERNAL"
    assert succeeded.WhichOneof("result") == "data"
