"""The servers the bench starts: upstreams, the two ceilings and the gateway, with the settings
each gateway run uses (recorded in the report)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.harness import LOAD_CORE, SERVER_CORE, Server, free_port, pinned, process
from bench.tls import LoopbackPki

PYTHON = sys.executable


def default_env(mesh: str, moneykit: str, port: int, metrics_port: int) -> dict[str, str]:
    """What a user sets: the listen addresses, upstream URLs and credentials, nothing else.

    The metrics address only serves counts the gateway keeps anyway; one worker, because the
    bench measures what one process (each worker is one) serves on one core.
    """
    return {
        "AGGREGATOR_LISTEN": f"127.0.0.1:{port}",
        "AGGREGATOR_METRICS_LISTEN": f"127.0.0.1:{metrics_port}",
        "AGGREGATOR_WORKERS": "1",
        "MESH_BASE_URL": mesh,
        "MESH_CLIENT_ID": "bench",
        "MESH_CLIENT_SECRET": "bench-secret",
        "MONEYKIT_BASE_URL": moneykit,
        "MONEYKIT_CLIENT_ID": "bench",
        "MONEYKIT_CLIENT_SECRET": "bench-secret",
    }


TUNED = {
    "AGGREGATOR_LOG_LEVEL": "WARNING",
    "AGGREGATOR_PORTFOLIO_MAX_CONNECTIONS": "200",
    "AGGREGATOR_PORTFOLIO_CONCURRENCY": "200",
    "AGGREGATOR_MAX_CONCURRENT_UPSTREAM": "256",
    "AGGREGATOR_MAX_WAITING_UPSTREAM": "2048",
    "AGGREGATOR_MAX_RPCS_IN_FLIGHT": "2048",
    "AGGREGATOR_MAX_PENDING_RPCS": "2048",
    "AGGREGATOR_HTTP_MAX_KEEPALIVE_CONNECTIONS": "256",
    "AGGREGATOR_DEFAULT_DEADLINE_SECONDS": "60",
    "AGGREGATOR_MAX_CONCURRENT_STREAMS": "2048",
}
"""The bench's tuned settings, beside the defaults: WARNING logs, pools and limits sized for
1,000 calls in flight and portfolios of 200 connections."""


def tuned_env(mesh: str, moneykit: str, port: int, metrics_port: int) -> dict[str, str]:
    return {**default_env(mesh, moneykit, port, metrics_port), **TUNED}


def settings_shown(env: dict[str, str]) -> dict[str, str]:
    """A run's settings as the report lists them: ports and credentials left out."""
    hidden = ("LISTEN", "SECRET", "CLIENT_ID", "BASE_URL")
    return {name: value for name, value in env.items() if not any(h in name for h in hidden)}


@contextmanager
def upstream(delay: float = 0.0, pki: LoopbackPki | None = None) -> Iterator[str]:
    """The bench upstream on the load core; yields its base URL."""
    port = free_port()
    tls = ["--cert", str(pki.cert_file), "--key", str(pki.key_file)] if pki else []
    command = [PYTHON, "-m", "bench.upstream", "--port", str(port), "--delay", str(delay), *tls]
    with process(pinned(command, LOAD_CORE), port):
        yield f"{'https' if pki else 'http'}://127.0.0.1:{port}"


@contextmanager
def ceiling_a() -> Iterator[Server]:
    port = free_port()
    command = [PYTHON, "-m", "bench.echo", "--port", str(port)]
    with process(pinned(command, SERVER_CORE), port) as pid:
        yield Server(pid, f"http://127.0.0.1:{port}")


@contextmanager
def ceiling_b(mesh: str, moneykit: str, ca_file: Path | None = None) -> Iterator[Server]:
    port = free_port()
    command = [
        PYTHON, "-m", "bench.ceiling_b", "--port", str(port), "--mesh", mesh,
        "--moneykit", moneykit,
    ]  # fmt: skip
    env = {"SSL_CERT_FILE": str(ca_file)} if ca_file else None
    with process(pinned(command, SERVER_CORE), port, env) as pid:
        yield Server(pid, f"http://127.0.0.1:{port}")


@contextmanager
def gateway(
    env: dict[str, str], port: int, metrics_port: int, log: Path, core: str | None = SERVER_CORE
) -> Iterator[Server]:
    """`python -m service` with exactly `env` on top of the bench's environment."""
    with process(pinned([PYTHON, "-m", "service"], core), port, env, log) as pid:
        yield Server(pid, f"http://127.0.0.1:{port}", metrics_port, log)
