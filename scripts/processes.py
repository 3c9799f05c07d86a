"""Stopping the servers the scripts, the tests and the bench start."""

from __future__ import annotations

import subprocess
from typing import Any


def stop(*processes: subprocess.Popen[Any], grace_seconds: float) -> None:
    """SIGTERM to all at once (they drain side by side), then wait for each; one still running
    after `grace_seconds` is killed."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
