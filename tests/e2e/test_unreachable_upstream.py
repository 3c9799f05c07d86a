"""An upstream that refuses connections: reads are UNAVAILABLE, and so is a cancel never sent."""

from __future__ import annotations

import grpc
import pytest

from service.sandbox import SandboxUpstreams
from tests.conftest import gateway_settings, sandbox_providers, start_gateway
from tests.e2e import requests
from tests.e2e.processes import free_port
from tests.e2e.richstatus import unpack


@pytest.mark.parametrize("method", ["GetHoldingsValue", "CancelOrder", "GetHoldings"])
async def test_a_refused_connection_is_unavailable(sandbox: SandboxUpstreams, method: str) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    providers = sandbox_providers(sandbox, mesh={"base_url": closed}, moneykit={"base_url": closed})
    request = {
        "GetHoldingsValue": requests.holdings_value(),
        "CancelOrder": requests.cancel(),
        "GetHoldings": requests.holdings(),
    }[method]
    async for gateway in start_gateway(gateway_settings(sandbox), sandbox, providers):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await getattr(gateway.stub, method)(request, timeout=10)

    status = unpack(caught.value)
    assert status.code == grpc.StatusCode.UNAVAILABLE
    assert status.error_info is not None
    assert status.error_info.reason == "UPSTREAM_UNAVAILABLE"
    assert "not sent" in status.message
