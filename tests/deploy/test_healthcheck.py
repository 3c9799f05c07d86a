"""The image's HEALTHCHECK command, run against real gateway processes started as the image does.

The command and the environment come from the Dockerfile (its HEALTHCHECK and its final
stage's ENV), with the image's paths mapped to this checkout: the venv's Python is this
interpreter, the script is the file the Dockerfile copies. The gateway is the console script
the image's ENTRYPOINT names, in sandbox mode, on free ports.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from service.providers.registry import PROVIDERS
from tests.deploy.support import REPO, VENV_BIN, Instruction, dockerfile_stages
from tests.e2e.processes import free_port
from tests.support.certs import make_pki

OWN_ENVIRONMENT = (
    "AGGREGATOR_",
    *(provider.settings_type.model_config.get("env_prefix", "") for provider in PROVIDERS),
)


def image_environment() -> dict[str, str]:
    """This process's environment without gateway settings, plus the image's settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(OWN_ENVIRONMENT)}
    image = {k: v for k, v in dockerfile_stages()[-1].env().items() if k.startswith("AGGREGATOR_")}
    return {**base, **image}


def healthcheck_command() -> tuple[list[str], float]:
    """The HEALTHCHECK command mapped to this checkout, and its --timeout in seconds."""
    stage = dockerfile_stages()[-1]
    instruction = stage.one("HEALTHCHECK")
    options, _, command = instruction.value.partition("CMD")
    timeout = next(
        float(option.removeprefix("--timeout=").rstrip("s"))
        for option in options.split()
        if option.startswith("--timeout=")
    )
    exec_form = Instruction("CMD", command, instruction.line).json_form()
    assert exec_form is not None
    python, script = exec_form
    copied = {destination: sources for sources, destination, _ in stage.copies()}
    assert python == "/opt/venv/bin/python"
    return [sys.executable, str(REPO / copied[script][0])], timeout


def run_healthcheck(env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    command, timeout = healthcheck_command()
    started = time.monotonic()
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=timeout + 10, check=False
    )
    return result, time.monotonic() - started


@contextmanager
def gateway(
    log: Path, arguments: tuple[str, ...] = (), **settings: str
) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, str]]]:
    """The image's entry point (plus `arguments`, as after `docker run IMAGE`) with the image's
    environment plus `settings`, once its health check passes.

    Ports are chosen by the OS (`:0`, read back from the log) unless `settings` name them, so
    that no other process can take them in between.
    """
    env = {
        **image_environment(),
        "AGGREGATOR_SANDBOX": "1",
        "AGGREGATOR_LISTEN": "0.0.0.0:0",
        "AGGREGATOR_METRICS_LISTEN": "127.0.0.1:0",
        **settings,
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(VENV_BIN / "aggregator-gateway"), *arguments],
            env=env,
            stdout=output,
            stderr=output,
        )
    try:
        deadline = time.monotonic() + 30
        while env["AGGREGATOR_LISTEN"].endswith(":0"):
            listening = re.search(r"listening on port (\d+)", log.read_text())
            if listening:
                env["AGGREGATOR_LISTEN"] = f"0.0.0.0:{listening[1]}"
            elif process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the gateway did not start listening:\n{log.read_text()}")
            else:
                time.sleep(0.1)
        while True:
            result, _ = run_healthcheck(env)
            if result.returncode == 0:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"never SERVING: {result.stdout}\n{log.read_text()}")
            time.sleep(0.2)
        yield process, env
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def outcome(result: subprocess.CompletedProcess[str]) -> tuple[int, str]:
    return result.returncode, result.stdout.strip()


def test_a_serving_gateway_passes_well_within_the_healthcheck_timeout(tmp_path: Path) -> None:
    _, limit = healthcheck_command()
    log = tmp_path / "gateway.log"
    with gateway(log) as (_, env):
        result, elapsed = run_healthcheck(env)
        assert outcome(result) == (0, "SERVING"), log.read_text()
    assert elapsed < limit


def test_a_draining_gateway_fails_the_check_then_exits_cleanly(tmp_path: Path) -> None:
    log = tmp_path / "gateway.log"
    with gateway(log, AGGREGATOR_SHUTDOWN_DRAIN_DELAY_SECONDS="2") as (process, env):
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        result, _ = run_healthcheck(env)
        assert process.poll() is None, f"no longer draining:\n{log.read_text()}"
        assert outcome(result) == (1, "NOT_SERVING"), log.read_text()
        assert process.wait(timeout=20) == 0, log.read_text()


def test_several_workers_pass_the_check_and_all_drain_on_sigterm(tmp_path: Path) -> None:
    """`docker run IMAGE --workers 2`: the supervisor is PID 1 and forwards the signal."""
    log = tmp_path / "gateway.log"
    # Workers share a fixed port (with port 0 each would get its own, so the gateway runs one).
    with gateway(log, ("--workers", "2"), AGGREGATOR_LISTEN=f"0.0.0.0:{free_port()}") as (
        process,
        env,
    ):
        for _ in range(4):  # the kernel picks a worker per connection
            result, _ = run_healthcheck(env)
            assert outcome(result) == (0, "SERVING"), log.read_text()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0, log.read_text()
    assert "every worker stopped: [0, 0]" in log.read_text()


def test_no_gateway_fails_the_check_quickly() -> None:
    _, limit = healthcheck_command()
    env = {**image_environment(), "AGGREGATOR_LISTEN": f"0.0.0.0:{free_port()}"}
    result, elapsed = run_healthcheck(env)
    assert result.returncode == 1
    assert "UNAVAILABLE" in result.stdout
    assert elapsed < limit


@pytest.mark.parametrize("mutual", [False, True], ids=["tls", "mtls"])
def test_the_check_speaks_tls_and_mtls_when_the_gateway_does(tmp_path: Path, mutual: bool) -> None:
    pki = make_pki(tmp_path / "pki", {"probe": "CN=healthcheck,O=Example"})
    tls = {
        "AGGREGATOR_TLS_CERT_FILE": str(pki.server.cert_file),
        "AGGREGATOR_TLS_KEY_FILE": str(pki.server.key_file),
        "AGGREGATOR_HEALTHCHECK_CA_FILE": str(pki.ca.cert_file),
    }
    if mutual:
        tls |= {
            "AGGREGATOR_TLS_CLIENT_CA_FILE": str(pki.ca.cert_file),
            "AGGREGATOR_HEALTHCHECK_CLIENT_CERT_FILE": str(pki.clients["probe"].cert_file),
            "AGGREGATOR_HEALTHCHECK_CLIENT_KEY_FILE": str(pki.clients["probe"].key_file),
        }
    log = tmp_path / "gateway.log"
    with gateway(log, (), **tls) as (_, env):
        result, _ = run_healthcheck(env)
        assert outcome(result) == (0, "SERVING"), log.read_text()

        without_ca = {k: v for k, v in env.items() if k != "AGGREGATOR_HEALTHCHECK_CA_FILE"}
        result, _ = run_healthcheck(without_ca)
        assert result.returncode == 1
        assert "AGGREGATOR_HEALTHCHECK_CA_FILE must be set" in result.stdout

        if mutual:
            anonymous = {
                k: v for k, v in env.items() if not k.startswith("AGGREGATOR_HEALTHCHECK_CLIENT")
            }
            result, _ = run_healthcheck(anonymous)
            assert result.returncode == 1, result.stdout
