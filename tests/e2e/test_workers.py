"""Several worker processes on one port: a killed worker is replaced and calls keep
succeeding; SIGTERM drains them all; their metrics are served together."""

from __future__ import annotations

import os
import re
import shutil
import signal
import time

import grpc
import httpx

from aggregator.v1.aggregator_service_pb2 import ListInstitutionsRequest
from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from tests.e2e import requests
from tests.e2e.processes import MODULE, free_port, gateway_process


def worker_pids(supervisor: int) -> list[int]:
    path = f"/proc/{supervisor}/task/{supervisor}/children"
    with open(path) as children:
        return [int(pid) for pid in children.read().split()]


def wait_for_workers(supervisor: int, count: int, excluding: set[int] = frozenset()) -> list[int]:  # type: ignore[assignment]
    for _ in range(300):
        pids = [pid for pid in worker_pids(supervisor) if pid not in excluding]
        if len(pids) == count:
            return pids
        time.sleep(0.05)
    raise AssertionError(f"expected {count} workers, found {worker_pids(supervisor)}")


def calls_succeed(address: str, count: int) -> int:
    succeeded = 0
    for _ in range(count):
        # A new channel each time: new connections are spread over the live workers.
        with grpc.insecure_channel(address) as channel:
            stub = AggregatorServiceStub(channel)
            response = stub.GetHoldingsValue(
                requests.holdings_value(), timeout=10, wait_for_ready=True
            )
            succeeded += response.total_value == "186.03"
    return succeeded


def test_two_workers_survive_a_killed_worker_and_drain_on_sigterm() -> None:
    address = f"127.0.0.1:{free_port()}"
    metrics = free_port()
    env = {"AGGREGATOR_SANDBOX": "1", "AGGREGATOR_METRICS_LISTEN": f"127.0.0.1:{metrics}"}
    with gateway_process(address, env, (*MODULE, "--workers", "2")) as supervisor:
        first, second = wait_for_workers(supervisor.pid, 2)
        assert calls_succeed(address, 10) == 10

        os.kill(first, signal.SIGKILL)
        assert calls_succeed(address, 20) == 20
        replacement = wait_for_workers(supervisor.pid, 1, excluding={first, second})
        assert replacement
        with grpc.insecure_channel(address) as channel:
            AggregatorServiceStub(channel).ListInstitutions(ListInstitutionsRequest(), timeout=10)
        scraped = httpx.get(f"http://127.0.0.1:{metrics}/metrics", timeout=10).text

        supervisor.send_signal(signal.SIGTERM)
        _, log = supervisor.communicate(timeout=60)

    assert supervisor.returncode == 0, log
    assert "restarting it" in log
    ok_calls = re.search(
        r'aggregator_rpcs_total\{code="OK",method="/aggregator.v1.AggregatorService/'
        r'GetHoldingsValue"\} ([0-9.]+)',
        scraped,
    )
    assert ok_calls is not None
    # The killed worker's counts die with it; the survivors' add up across processes.
    assert float(ok_calls.group(1)) >= 10


def test_workers_drain_and_exit_when_their_supervisor_is_killed() -> None:
    address = f"127.0.0.1:{free_port()}"
    with gateway_process(address, {"AGGREGATOR_SANDBOX": "1"}, (*MODULE, "--workers", "2")) as (
        supervisor
    ):
        workers = wait_for_workers(supervisor.pid, 2)
        metrics_dir = metrics_dir_of(workers[0])
        os.kill(supervisor.pid, signal.SIGKILL)
        supervisor.wait()
        for _ in range(300):
            alive = [
                pid for pid in workers if os.path.exists(f"/proc/{pid}/status") and not zombie(pid)
            ]
            if not alive:
                break
            time.sleep(0.05)
        # A killed supervisor cannot remove its metrics directory: the test does.
        shutil.rmtree(metrics_dir, ignore_errors=True)
        assert alive == []


def metrics_dir_of(worker: int) -> str:
    with open(f"/proc/{worker}/environ", "rb") as environ:
        variables = dict(
            entry.split(b"=", 1) for entry in environ.read().split(b"\0") if b"=" in entry
        )
    return variables[b"PROMETHEUS_MULTIPROC_DIR"].decode()


def zombie(pid: int) -> bool:
    with open(f"/proc/{pid}/status") as status:
        return any(line.startswith("State:") and "Z" in line for line in status)
