"""SIGTERM and SIGINT let in-flight calls finish before the process exits."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from tests.e2e import requests
from tests.e2e.processes import free_port, gateway_process


class HeldUpstream:
    """A Mesh stand-in that holds each answer until the test releases it."""

    def __init__(self) -> None:
        self.received = threading.Event()
        self.release = threading.Event()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                upstream.received.set()
                upstream.release.wait(timeout=60)
                body = json.dumps({"status": "ok", "content": {"totalValue": 1.5}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def held_upstream() -> Iterator[HeldUpstream]:
    upstream = HeldUpstream()
    yield upstream
    upstream.close()


def mesh_at(upstream: HeldUpstream) -> dict[str, str]:
    """Settings for a live (not sandbox) gateway whose Mesh is `upstream`."""
    return {
        "AGGREGATOR_SANDBOX": "0",
        "MESH_BASE_URL": upstream.url,
        "MESH_CLIENT_ID": "id",
        "MESH_CLIENT_SECRET": "secret",
    }


def test_a_draining_gateway_reports_not_serving_before_it_refuses_calls(
    held_upstream: HeldUpstream,
) -> None:
    address = f"127.0.0.1:{free_port()}"
    env = {**mesh_at(held_upstream), "AGGREGATOR_SHUTDOWN_DRAIN_DELAY_SECONDS": "1.5"}
    with gateway_process(address, env) as process:
        with grpc.insecure_channel(address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            in_flight = AggregatorServiceStub(channel).GetHoldingsValue.future(
                requests.holdings_value(), timeout=60
            )
            assert held_upstream.received.wait(timeout=30)
            before = health.Check(health_pb2.HealthCheckRequest(), timeout=5).status

            process.send_signal(signal.SIGTERM)
            during = wait_for_status(health, health_pb2.HealthCheckResponse.NOT_SERVING)
            held_upstream.release.set()
            response = in_flight.result(timeout=60)
        _, log = process.communicate(timeout=60)

    assert before == health_pb2.HealthCheckResponse.SERVING
    assert during == health_pb2.HealthCheckResponse.NOT_SERVING
    assert response.total_value == "1.5"
    assert process.returncode == 0, log


def wait_for_status(health: health_pb2_grpc.HealthStub, wanted: int) -> int:
    """Poll health until it reports `wanted` (bounded), returning the last status seen."""
    status = -1
    for _ in range(100):
        status = health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
        if status == wanted:
            break
        time.sleep(0.01)
    return status


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_lets_the_in_flight_call_finish(
    held_upstream: HeldUpstream, signum: signal.Signals
) -> None:
    address = f"127.0.0.1:{free_port()}"
    with gateway_process(address, mesh_at(held_upstream)) as process:
        with grpc.insecure_channel(address) as channel:
            call = AggregatorServiceStub(channel).GetHoldingsValue.future(
                requests.holdings_value(), timeout=60
            )
            assert held_upstream.received.wait(timeout=30)
            process.send_signal(signum)
            held_upstream.release.set()
            response = call.result(timeout=60)
        _, log = process.communicate(timeout=60)

    assert response.total_value == "1.5"
    assert process.returncode == 0, log
    assert "draining in-flight calls" in log
    assert "providers ready (live): mesh; not configured: moneykit" in log
