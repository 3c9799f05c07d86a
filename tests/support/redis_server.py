"""A real redis-server for a test: on a free loopback port, in the test's temporary directory,
stopped (and its files removed with the directory) when the test ends.

It persists with an append-only file fsynced on every write, so a Redis stopped and started
again mid-test keeps its records, as a production Redis with persistence does.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.tools import require_tool

STARTUP_ATTEMPTS = 200
STARTUP_PAUSE_SECONDS = 0.025


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class RedisServer:
    """One redis-server process; `stop()` and `start()` it to make a fault."""

    directory: Path
    port: int = field(default_factory=free_port)
    password: str | None = None
    tls: tuple[Path, Path, Path] | None = None
    """Certificate, key and CA files: then it speaks TLS only."""
    _process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        scheme = "rediss" if self.tls is not None else "redis"
        return f"{scheme}://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = require_tool("redis-server", "install Debian's redis-server (make test does)")
        arguments = [
            str(binary),
            "--bind", "127.0.0.1",
            "--dir", str(self.directory),
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--protected-mode", "no",
            "--daemonize", "no",
            "--loglevel", "warning",
        ]  # fmt: skip
        if self.password is not None:
            arguments += ["--requirepass", self.password]
        if self.tls is None:
            arguments += ["--port", str(self.port)]
        else:
            cert, key, ca = self.tls
            arguments += ["--port", "0", "--tls-port", str(self.port)]
            arguments += ["--tls-cert-file", str(cert), "--tls-key-file", str(key)]
            arguments += ["--tls-ca-cert-file", str(ca), "--tls-auth-clients", "no"]
        self._process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL)
        for _ in range(STARTUP_ATTEMPTS):
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self._process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(STARTUP_PAUSE_SECONDS)
        raise RuntimeError("redis-server did not start listening")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
        self._process = None


@contextmanager
def redis_server(
    directory: Path,
    password: str | None = None,
    tls: tuple[Path, Path, Path] | None = None,
) -> Iterator[RedisServer]:
    directory.mkdir(parents=True, exist_ok=True)
    server = RedisServer(directory, password=password, tls=tls)
    server.start()
    try:
        yield server
    finally:
        server.stop()
