"""`python -m service` as a user runs it: sandbox mode, health, reflection, graceful stop."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from tests.e2e import requests
from tests.e2e.processes import MODULE, free_port, gateway_process

ENTRY_POINTS = {
    "module": list(MODULE),
    "console-script": [str(Path(sys.executable).parent / "aggregator-gateway")],
}


@pytest.fixture(params=sorted(ENTRY_POINTS))
def gateway_subprocess(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    address = f"127.0.0.1:{free_port()}"
    with gateway_process(
        address, {"AGGREGATOR_SANDBOX": "1"}, ENTRY_POINTS[request.param]
    ) as process:
        yield process, address


def test_the_entry_point_serves_the_sandbox_with_health_and_reflection(
    gateway_subprocess: tuple[subprocess.Popen[str], str],
) -> None:
    process, address = gateway_subprocess
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="aggregator.v1.AggregatorService"), timeout=10
        )
        listing = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10
        )
        services = {
            service.name for reply in listing for service in reply.list_services_response.service
        }
        value = AggregatorServiceStub(channel).GetHoldingsValue(
            requests.holdings_value(), timeout=10
        )

    assert health.status == health_pb2.HealthCheckResponse.SERVING
    assert "aggregator.v1.AggregatorService" in services
    assert "grpc.health.v1.Health" in services
    assert value.total_value == "186.03"

    process.send_signal(signal.SIGTERM)
    _, log = process.communicate(timeout=30)

    assert process.returncode == 0
    assert "providers ready (sandbox): mesh, moneykit" in log
    assert (
        "rpc method=/aggregator.v1.AggregatorService/GetHoldingsValue provider=mesh code=OK" in log
    )
    assert "stopped" in log
