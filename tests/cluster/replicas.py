"""Gateway replicas as separate processes behind a real Envoy, each in front of its own
fault-injecting upstream, so that what reached each replica's upstream is counted apart.

The upstreams run on an event loop of their own in a thread: they keep answering while a test
blocks (starting a replica, waiting on Envoy's admin), as real upstreams would.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from scripts.envoy_config import loopback
from scripts.envoy_process import EnvoyAdmin, running_envoy
from service.process.server import SERVICE_NAME
from tests.deploy.support import configmap_settings
from tests.e2e.processes import free_port
from tests.faults.upstream import Behaviour, FaultyUpstream, Reply

T = TypeVar("T")
START_ATTEMPTS = 1200
START_PAUSE_SECONDS = 0.05
UPSTREAM_DELAY_SECONDS = 0.04
"""Each upstream answer takes this long, so that calls are in flight on a replica when it is
killed and can be counted there."""


class UpstreamLoop:
    """An event loop in a daemon thread, for the upstreams."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[object, object, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def call(self, function: object, *arguments: object) -> None:
        self.loop.call_soon_threadsafe(function, *arguments)  # type: ignore[arg-type]

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


@dataclass
class Replica:
    """One gateway process, its ports and its own upstream."""

    index: int
    upstream: FaultyUpstream
    environment: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    command: list[str] = field(default_factory=lambda: [sys.executable, "-m", "service"])
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def spawn(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                env={**os.environ, **self.environment, "AGGREGATOR_LISTEN": self.address},
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    def wait_until_serving(self) -> None:
        """Until its health service answers SERVING (60 s at most); fails at once, with its log,
        if it died. Each check uses a new channel: one channel would back off between
        reconnections (up to two minutes) while the process starts."""
        for _ in range(START_ATTEMPTS):
            assert self.process is not None
            if self.process.poll() is not None:
                pytest.fail(f"replica {self.index} exited: {self.log.read_text()[-3000:]}")
            if self._serving():
                return
            threading.Event().wait(START_PAUSE_SECONDS)
        pytest.fail(f"replica {self.index} did not start serving: {self.log.read_text()[-3000:]}")

    def _serving(self) -> bool:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", self.port)) != 0:
                return False
        with grpc.insecure_channel(self.address) as channel:
            try:
                answer = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service=SERVICE_NAME), timeout=5
                )
            except grpc.RpcError:
                return False
        return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)

    def start(self) -> None:
        self.spawn()
        self.wait_until_serving()

    def signal(self, number: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(number)

    def wait(self, timeout: float = 60) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def drain_delay_seconds() -> str:
    """The deploy default (the gateway's ConfigMap): longer than Envoy's health checks need."""
    return configmap_settings()["AGGREGATOR_SHUTDOWN_DRAIN_DELAY_SECONDS"]


def replica_environment(upstream_url: str, extra: dict[str, str]) -> dict[str, str]:
    return {
        "AGGREGATOR_SANDBOX": "0",
        "AGGREGATOR_WORKERS": "1",
        "AGGREGATOR_LOG_LEVEL": "WARNING",
        "AGGREGATOR_SHUTDOWN_DRAIN_DELAY_SECONDS": drain_delay_seconds(),
        "AGGREGATOR_SHUTDOWN_GRACE_SECONDS": "10",
        "MESH_BASE_URL": upstream_url,
        "MESH_CLIENT_ID": "cluster-client",
        "MESH_CLIENT_SECRET": "cluster-secret",
        **extra,
    }


@dataclass
class Cluster:
    """Replicas behind Envoy (the loopback rendering of the shipped configuration)."""

    replicas: list[Replica]
    admin: EnvoyAdmin
    envoy: subprocess.Popen[bytes]
    envoy_port: int
    upstreams: UpstreamLoop

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.envoy_port}"

    def script(self, replica: Replica, *behaviours: Behaviour) -> None:
        self.upstreams.call(replica.upstream.script, *behaviours)

    def wait_for_hosts(self, predicate: object, what: str, attempts: int = 600) -> None:
        """Poll Envoy's /clusters (every 50 ms, 30 s at most) until `predicate(hosts)`."""
        for _ in range(attempts):
            if predicate(self.admin.hosts()):  # type: ignore[operator]
                return
            threading.Event().wait(0.05)
        pytest.fail(f"Envoy never saw {what}: {self.admin.hosts()}")


@contextmanager
def cluster(
    directory: Path,
    count: int = 3,
    environment: dict[str, str] | None = None,
    render: Callable[[list[int], int, int], str] = loopback,
    first_command: Callable[[Replica], list[str]] | None = None,
) -> Iterator[Cluster]:
    """`count` replicas started together, then Envoy with `render`'s configuration (the
    loopback rendering unless a test says otherwise), until every host is healthy.
    `first_command` replaces the first replica's command (a stand-in replica)."""
    with ExitStack() as stack:
        upstreams = UpstreamLoop()
        stack.callback(upstreams.close)
        replicas = []
        for index in range(count):
            upstream = FaultyUpstream(default=Reply(delay=UPSTREAM_DELAY_SECONDS))
            upstreams.run(upstream.start())
            stack.callback(upstreams.run, upstream.stop())
            replica = Replica(
                index,
                upstream,
                replica_environment(upstream.url, environment or {}),
                directory / f"replica-{index}.log",
            )
            if index == 0 and first_command is not None:
                replica.command = first_command(replica)
            stack.callback(replica.stop)
            replicas.append(replica)
        for replica in replicas:
            replica.spawn()
        for replica in replicas:
            replica.wait_until_serving()
        envoy_port, admin_port = free_port(), free_port()
        ports = [replica.port for replica in replicas]
        envoy, admin = stack.enter_context(
            running_envoy(
                directory / "envoy",
                ports,
                envoy_port,
                admin_port,
                config_text=render(ports, envoy_port, admin_port),
            )
        )
        running = Cluster(replicas, admin, envoy, envoy_port, upstreams)
        running.wait_for_hosts(
            lambda hosts: len(hosts) == count and all(host.healthy for host in hosts.values()),
            "every replica healthy",
        )
        yield running
