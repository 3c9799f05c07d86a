"""`make run-cluster`: Redis, three gateway replicas in sandbox mode sharing it, and Envoy in
front of them, all on loopback, until Ctrl-C.

Envoy listens where `make run` does (127.0.0.1:50051) and runs the loopback rendering of
deploy/envoy/envoy.yaml; the replicas listen on 50061-50063 and share one Redis and one
AGGREGATOR_STATE_SECRET (made up for the run), so callers' rate limits and keyed cancels hold
across them. Each replica runs its own embedded sandbox upstreams. Logs go to a temporary
directory, printed at start; everything is stopped, and the directory removed, on exit.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from scripts.envoy_process import running_envoy
from scripts.processes import stop

REPLICAS = 3
DRAIN_DELAY_SECONDS = "5"
"""As deploy/kubernetes/configmap.yaml: longer than Envoy's health checks need to see a
draining replica (2 checks 1 s apart), so a replica stopped on its own drains with no failed
call."""
START_ATTEMPTS = 600
START_PAUSE_SECONDS = 0.05
STOP_GRACE_SECONDS = 30
BUF_EXAMPLE = (
    "  BUF=.tools/node_modules/.bin/buf\n"
    "  $BUF curl --protocol grpc --http2-prior-knowledge \\\n"
    """    -d '{"connection": {"mesh": {"institution": "INSTITUTION_ROBINHOOD", """
    """"authToken": "my-token"}}}' \\\n"""
    "    http://127.0.0.1:{port}/aggregator.v1.AggregatorService/GetHoldingsValue"
)


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    for _ in range(START_ATTEMPTS):
        if process.poll() is not None:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise SystemExit(f"run-cluster: {what} exited with {process.returncode}\n{tail}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(START_PAUSE_SECONDS)
    raise SystemExit(f"run-cluster: {what} did not start listening on {port}")


def start(
    command: list[str], log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 (our own commands)
            command,
            env={**os.environ, **(env or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches this script only; it stops them in order
        )


def replica_environment(port: int, redis_port: int, secret: str) -> dict[str, str]:
    return {
        "AGGREGATOR_SANDBOX": "1",
        "AGGREGATOR_WORKERS": "1",
        "AGGREGATOR_LISTEN": f"127.0.0.1:{port}",
        "AGGREGATOR_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "AGGREGATOR_STATE_SECRET": secret,
        "AGGREGATOR_SHUTDOWN_DRAIN_DELAY_SECONDS": DRAIN_DELAY_SECONDS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", type=int, default=50051, help="Envoy's port (50051)")
    parser.add_argument("--admin", type=int, default=9901, help="Envoy's admin port (9901)")
    parser.add_argument("--redis", type=int, default=6390, help="Redis's port (6390)")
    parser.add_argument("--first-replica", type=int, default=50061, help="50061, then +1")
    arguments = parser.parse_args()
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        raise SystemExit("run-cluster: redis-server is missing: `make redis-server` installs it")
    stopping = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stopping.set())
    ports = [arguments.first_replica + index for index in range(REPLICAS)]
    secret = base64.b64encode(secrets.token_bytes(32)).decode()
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cluster-")))
        redis_log = directory / "redis.log"
        redis = start(
            [redis_server, "--bind", "127.0.0.1", "--port", str(arguments.redis),
             "--dir", str(directory), "--save", "", "--appendonly", "yes"],
            redis_log,
        )  # fmt: skip
        stack.callback(stop, redis, grace_seconds=STOP_GRACE_SECONDS)
        wait_for_port(arguments.redis, redis, "redis-server", redis_log)
        replicas = []
        for index, port in enumerate(ports):
            log = directory / f"replica-{index}.log"
            environment = replica_environment(port, arguments.redis, secret)
            replicas.append((start([sys.executable, "-m", "service"], log, environment), port, log))
        stack.callback(
            stop, *(replica for replica, _, _ in replicas), grace_seconds=STOP_GRACE_SECONDS
        )
        for index, (replica, port, log) in enumerate(replicas):
            wait_for_port(port, replica, f"replica {index}", log)
        _, admin = stack.enter_context(
            running_envoy(directory / "envoy", ports, arguments.listen, arguments.admin)
        )
        for _ in range(START_ATTEMPTS):
            hosts = admin.hosts()
            if len(hosts) == REPLICAS and all(host.healthy for host in hosts.values()):
                break
            time.sleep(START_PAUSE_SECONDS)
        print(
            f"run-cluster: Envoy on 127.0.0.1:{arguments.listen} in front of {REPLICAS} "
            f"replicas (127.0.0.1:{ports[0]}-{ports[-1]}, sandbox mode) sharing Redis on "
            f"127.0.0.1:{arguments.redis}; Envoy's admin (per-replica stats: /clusters) on "
            f"http://127.0.0.1:{arguments.admin}; logs in {directory}\n"
            f"Call it:\n{BUF_EXAMPLE.replace('{port}', str(arguments.listen))}\n"
            "Ctrl-C stops everything.",
            flush=True,
        )
        while not stopping.wait(0.5):
            if any(replica.poll() is not None for replica, _, _ in replicas):
                print("run-cluster: a replica exited; stopping", flush=True)
                break
        print("run-cluster: stopping", flush=True)


if __name__ == "__main__":
    main()
