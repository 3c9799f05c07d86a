"""Scenario 10: one replica called directly against replicas behind Envoy (the loopback
rendering of deploy/envoy/envoy.yaml), GetHoldingsValue against the fast upstream.

Rows: 1 replica direct and 1 replica behind Envoy, at concurrency 1 and 64 (the hop's cost: the
latency difference, and Envoy's own CPU per call), and 3 replicas behind Envoy at 64 (what
spreading the calls buys). Unpinned: the replicas, Envoy and h2load share the machine's cores,
so on two cores the 3-replica row says more about contention than about scaling. In the Envoy
rows `cpu_ms_per_call` is Envoy's CPU per call, not the gateways'; `ok` sums the replicas'.
"""

from __future__ import annotations

import time
from contextlib import ExitStack

from bench.environment import VALUE_BODY, Environment
from bench.harness import SERVICE, LoadResult, Server, free_port, rpc_counts
from bench.servers import default_env, gateway
from scripts.envoy_process import running_envoy

SCENARIO = "10. cluster (GetHoldingsValue)"
METHOD = "GetHoldingsValue"
REPLICAS = 3
HEALTH_CHECKS_SECONDS = 2.0
"""Envoy's first health checks (1 s apart) pass before any load."""


def cluster(env: Environment) -> None:
    with ExitStack() as stack:
        replicas = []
        for index in range(REPLICAS):
            port, metrics_port = free_port(), free_port()
            settings = default_env(env.fast, env.fast, port, metrics_port)
            log = env.scratch / f"cluster-replica-{index}.log"
            replicas.append(stack.enter_context(gateway(settings, port, metrics_port, log, None)))
        for concurrency in (1, 64):
            env.bench.load(SCENARIO, "1 replica direct", replicas[0], METHOD, VALUE_BODY,
                           concurrency)  # fmt: skip
            for count in (1, REPLICAS) if concurrency > 1 else (1,):
                _behind_envoy(env, replicas[:count], concurrency)


def _behind_envoy(env: Environment, replicas: list[Server], concurrency: int) -> LoadResult:
    listen, admin = free_port(), free_port()
    ports = [int(replica.url.rpartition(":")[2]) for replica in replicas]
    directory = env.scratch / f"envoy-{len(replicas)}-{concurrency}"
    with running_envoy(directory, ports, listen, admin) as (envoy, _):
        time.sleep(HEALTH_CHECKS_SECONDS)
        before = _ok(replicas)
        # Envoy has no gateway metrics: load it as a server without them, then count the
        # replicas' OK calls around the run.
        front = Server(envoy.pid, f"http://127.0.0.1:{listen}")
        label = f"{len(replicas)} replica{'s' if len(replicas) > 1 else ''} behind Envoy"
        result = env.bench.load(SCENARIO, f"{label} (CPU: Envoy's)", front, METHOD, VALUE_BODY,
                                concurrency)  # fmt: skip
        result.ok = _ok(replicas) - before
    return result


def _ok(replicas: list[Server]) -> int:
    return sum(
        rpc_counts(replica.metrics_port, f"{SERVICE}/{METHOD}").get("OK", 0)
        for replica in replicas
        if replica.metrics_port
    )
