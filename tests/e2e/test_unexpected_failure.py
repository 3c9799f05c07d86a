"""A bug in the gateway answers INTERNAL with a generic message; the details stay in the log."""

from __future__ import annotations

import logging

import grpc
import pytest

from service.providers.mesh import holdings_value
from service.status import INTERNAL_MESSAGE
from tests.conftest import Gateway
from tests.e2e import requests
from tests.e2e.richstatus import unpack


async def test_an_unexpected_exception_is_internal_without_its_details(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("internal detail that must not reach callers")

    monkeypatch.setattr(holdings_value, "to_response", broken)

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
