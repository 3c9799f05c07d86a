"""The gateway as a separate process, started the way users start it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import grpc
import pytest

from scripts.processes import stop

MODULE = (sys.executable, "-m", "service")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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


@contextmanager
def gateway_process(
    address: str, env: dict[str, str], command: Sequence[str] = MODULE
) -> Iterator[subprocess.Popen[str]]:
    """A gateway process listening on `address` with `env` added to the environment; stopped on
    exit if the test has not stopped it (SIGTERM, so a supervisor removes its metrics
    directory; killed if it has not exited in 15 s)."""
    process = subprocess.Popen(
        [*command],
        env={**os.environ, "AGGREGATOR_LISTEN": address, **env},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_serving(process, address)
        yield process
    finally:
        stop(process, grace_seconds=15)
