"""`make run-cluster` (scripts/run_cluster.py) as a newcomer runs it: started, one real call
through its Envoy, stopped with Ctrl-C (SIGINT), leaving nothing listening."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from scripts import run_cluster
from tests.deploy.support import REPO, configmap_settings
from tests.e2e import requests
from tests.e2e.processes import free_port
from tests.support.tools import require_tool

READY_LINES = 20


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def consecutive_free_ports(count: int) -> list[int]:
    """The script numbers the replicas from the first port: `count` free ports in a row."""
    for _ in range(50):
        first = free_port()
        ports = [first + n for n in range(count)]
        if ports[-1] < 65536 and not any(listening(port) for port in ports):
            return ports
    pytest.fail("no free ports in a row")


def test_run_cluster_serves_a_call_through_envoy_and_stops_everything_on_ctrl_c() -> None:
    require_tool("redis-server", "install Debian's redis-server (make test does)")
    listen, admin, redis = free_port(), free_port(), free_port()
    replicas = consecutive_free_ports(run_cluster.REPLICAS)
    first = replicas[0]
    command = [
        sys.executable, "-m", "scripts.run_cluster", "--listen", str(listen),
        "--admin", str(admin), "--redis", str(redis), "--first-replica", str(first),
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = []
        for _ in range(READY_LINES):
            line = process.stdout.readline()
            banner.append(line)
            if not line or "Ctrl-C stops everything" in line:
                break
        text = "".join(banner)
        assert "Ctrl-C stops everything" in text, text
        assert f"http://127.0.0.1:{listen}/aggregator.v1.AggregatorService/GetHoldingsValue" in text

        with grpc.insecure_channel(f"127.0.0.1:{listen}") as channel:
            answer = AggregatorServiceStub(channel).GetHoldingsValue(
                requests.holdings_value(), timeout=30
            )
        assert answer.total_value

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=90) == 0
        assert "run-cluster: stopping" in process.stdout.read()
        for port in (listen, admin, redis, *replicas):
            assert not listening(port), port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
            pytest.fail("run-cluster did not stop on SIGINT")


def test_run_cluster_drains_replicas_as_the_deployment_does() -> None:
    assert (
        (configmap_settings()["AGGREGATOR_SHUTDOWN_DRAIN_DELAY_SECONDS"])
        == run_cluster.DRAIN_DELAY_SECONDS
    )
    assert Path(REPO / "Makefile").read_text().count("-m scripts.run_cluster") == 1
