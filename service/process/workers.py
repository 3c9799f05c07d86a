"""Many gateway processes on one port: a supervisor that starts N workers sharing the
listening port (SO_REUSEPORT), restarts one that dies, forwards SIGTERM and SIGINT so every
worker drains, and serves their metrics together on one endpoint. A worker whose supervisor
is gone (killed with SIGKILL, so it forwarded nothing) drains and exits by itself."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from types import FrameType
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, multiprocess, start_http_server

from service.config import Settings

logger = logging.getLogger(__name__)

WORKER_ENV = "AGGREGATOR_WORKER_INDEX"
"""Set in each worker's environment: the worker serves, the supervisor does not."""
RESTART_PAUSE_SECONDS = 0.5
POLL_SECONDS = 0.2


def worker_count(settings: Settings) -> int:
    """Workers to run: the setting, else one per core; one when the port is chosen by the OS
    (port 0), since each worker would get its own."""
    if settings.aggregator_listen.endswith(":0"):
        return 1
    return settings.aggregator_workers or os.cpu_count() or 1


def supervise(settings: Settings, count: int) -> int:
    """Run `count` workers until SIGTERM or SIGINT; the exit status for the process."""
    with tempfile.TemporaryDirectory(prefix="aggregator-metrics-") as metrics_dir:
        environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": metrics_dir}
        metrics_server = _serve_metrics(settings, metrics_dir)
        supervisor = _Supervisor(count, environment, metrics_dir)
        try:
            return supervisor.run()
        finally:
            if metrics_server is not None:
                metrics_server.shutdown()


class _Supervisor:
    def __init__(self, count: int, environment: dict[str, str], metrics_dir: str) -> None:
        self._environment = environment
        self._metrics_dir = metrics_dir
        self._workers: list[subprocess.Popen[bytes] | None] = [None] * count
        self._stopping = False

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for index in range(len(self._workers)):
            self._start(index)
        logger.info("supervising %d workers", len(self._workers))
        while not self._stopping:
            for index, worker in enumerate(self._workers):
                if worker is not None and worker.poll() is not None and not self._stopping:
                    logger.error(
                        "worker %d (pid %d) exited with %s; restarting it",
                        index,
                        worker.pid,
                        worker.returncode,
                    )
                    # Its gauges (in-flight calls) must stop counting in the sum.
                    multiprocess.mark_process_dead(worker.pid, self._metrics_dir)  # type: ignore[no-untyped-call]
                    time.sleep(RESTART_PAUSE_SECONDS)
                    self._start(index)
            time.sleep(POLL_SECONDS)
        return self._drain()

    def _start(self, index: int) -> None:
        environment = {**self._environment, WORKER_ENV: str(index)}
        self._workers[index] = subprocess.Popen([sys.executable, "-m", "service"], env=environment)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if self._stopping:
            return
        self._stopping = True
        logger.info("signal %d: draining every worker", signum)
        for worker in self._workers:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)

    def _drain(self) -> int:
        statuses = [worker.wait() for worker in self._workers if worker is not None]
        logger.info("every worker stopped: %s", statuses)
        # A worker still starting when the signal came ends by it before it can drain.
        clean = {0, -signal.SIGTERM, -signal.SIGINT}
        return 0 if all(status in clean for status in statuses) else 1


def _serve_metrics(settings: Settings, metrics_dir: str) -> WSGIServer | None:
    """One Prometheus endpoint summing every worker's metrics (prometheus-client's multiprocess
    mode: each worker writes its values to files in `metrics_dir`)."""
    if not settings.aggregator_metrics_listen:
        return None
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=metrics_dir)  # type: ignore[no-untyped-call]
    host, _, port = settings.aggregator_metrics_listen.rpartition(":")
    server: WSGIServer
    server, _thread = start_http_server(int(port), addr=host.strip("[]"), registry=registry)
    logger.info("metrics of every worker on %s", settings.aggregator_metrics_listen)
    return server


def is_worker() -> bool:
    return WORKER_ENV in os.environ


async def stop_when_orphaned(stop: Callable[[], None]) -> None:
    """Call `stop` once this worker's supervisor is gone: a worker left serving alone would
    hold the port, and its metrics would be summed by no one."""
    supervisor = os.getppid()
    # Polled: no portable event says a parent died (Linux's PR_SET_PDEATHSIG would kill, not
    # drain), and a re-parented worker sees another parent id.
    while os.getppid() == supervisor:  # noqa: ASYNC110
        await asyncio.sleep(POLL_SECONDS)
    logger.warning("the supervisor (pid %d) is gone: draining and exiting", supervisor)
    stop()
