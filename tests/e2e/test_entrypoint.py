"""`python -m service` as a user runs it: sandbox mode, health, reflection, graceful stop."""

from __future__ import annotations

import os
import signal
import socket
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


ENTRY_POINTS = {
    "module": [sys.executable, "-m", "service"],
    "console-script": [str(Path(sys.executable).parent / "aggregator-gateway")],
}


def wait_until_serving(process: subprocess.Popen[str], address: str) -> None:
    """Wait for the gateway to accept connections; fail at once, with its log, if it died."""
    with grpc.insecure_channel(address) as channel:
        for _ in range(60):
            try:
                grpc.channel_ready_future(channel).result(timeout=0.5)
                return
            except grpc.FutureTimeoutError:
                if process.poll() is not None:
                    pytest.fail(f"the gateway exited: {process.communicate()[1]}")
    pytest.fail("the gateway did not start listening")


@pytest.fixture(params=sorted(ENTRY_POINTS))
def gateway_process(request: pytest.FixtureRequest) -> Iterator[tuple[subprocess.Popen[str], str]]:
    address = f"127.0.0.1:{free_port()}"
    env = {**os.environ, "AGGREGATOR_SANDBOX": "1", "AGGREGATOR_LISTEN": address}
    process = subprocess.Popen(
        ENTRY_POINTS[request.param],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_serving(process, address)
        yield process, address
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_entry_point_serves_the_sandbox_with_health_and_reflection(
    gateway_process: tuple[subprocess.Popen[str], str],
) -> None:
    process, address = gateway_process
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
