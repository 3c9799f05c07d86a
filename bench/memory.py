"""Scenario 7: memory does not grow with calls served: a fresh gateway's resident memory after
10,000 calls against after 100,000 (one tenth of each in the smoke run)."""

from __future__ import annotations

from bench.environment import VALUE_BODY, Environment
from bench.harness import free_port, rss_mib
from bench.scenarios import GATEWAY
from bench.servers import default_env, gateway, settings_shown

GROWTH = "RSS MiB after 10,000 / 100,000 calls"
CONCURRENCY = 64


def growth(env: Environment) -> None:
    first, total = (100, 1_000) if env.smoke else (10_000, 100_000)
    port, metrics_port = free_port(), free_port()
    settings = default_env(env.fast, env.fast, port, metrics_port)
    label = f"{GATEWAY}, fresh process"
    env.settings[label] = settings_shown(settings)
    samples: list[float] = []
    with gateway(settings, port, metrics_port, env.scratch / "memory.log") as server:
        for calls in (first, total - first):
            env.bench.load(
                "7. memory growth",
                f"{label}, {calls:,} calls",
                server,
                "GetHoldingsValue",
                VALUE_BODY,
                CONCURRENCY,
                calls=calls,
            )
            samples.append(rss_mib(server.pid))
    env.bench.notes[GROWTH] = {"calls": [first, total], "rss_mib": samples}
