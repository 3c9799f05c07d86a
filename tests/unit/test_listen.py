"""Plaintext on a non-loopback address is allowed, but never silently."""

from __future__ import annotations

import logging

import pytest

from service.config import Settings
from service.process.server import _listen


class RecordingServer:
    """Records the port the gateway asks for, without binding anything."""

    def __init__(self) -> None:
        self.insecure: list[str] = []

    def add_insecure_port(self, address: str) -> int:
        self.insecure.append(address)
        return 1234


@pytest.mark.parametrize(
    ("address", "warned"),
    [("0.0.0.0:50051", True), ("10.1.2.3:50051", True), ("127.0.0.1:50051", False)],
)
def test_plaintext_off_loopback_logs_a_warning(
    caplog: pytest.LogCaptureFixture, address: str, warned: bool
) -> None:
    server = RecordingServer()

    port = _listen(server, Settings(aggregator_listen=address))  # type: ignore[arg-type]

    assert (port, server.insecure) == (1234, [address])
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert bool(warnings) is warned
    if warned:
        assert "plaintext" in warnings[0].getMessage()
