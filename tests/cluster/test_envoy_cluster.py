"""Three gateway processes behind a real Envoy running the shipped configuration (its loopback
rendering): what callers see when a replica is killed, drained or restarted under load, and
that Envoy never sends a cancel a second time.

Counts come from places that do not depend on each other: the callers (every outcome), Envoy's
admin interface (per-host requests, health flags, ejections, retries), and the replicas
themselves (what reached each one's own upstream; what the stand-in replica recorded).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
import yaml

from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from scripts.envoy_config import loopback
from scripts.envoy_process import Host
from tests.cluster.load import Load
from tests.cluster.replicas import Cluster, Replica, cluster
from tests.e2e import requests

CAUGHT_UP_CALLS = 200
"""Calls that must succeed after each event before its failures are counted."""
CANCEL_ATTEMPTS = 6
"""Round-robin over 3 hosts reaches the stand-in within 3 calls; twice that bounds the loop."""


async def until(running: Cluster, predicate: Callable[[dict[int, Host]], bool], what: str) -> float:
    """Poll Envoy's hosts (every 20 ms, 60 s at most) until `predicate`; the seconds it took."""
    started = time.monotonic()
    for _ in range(3000):
        if predicate(await asyncio.to_thread(running.admin.hosts)):
            return time.monotonic() - started
        await asyncio.sleep(0.02)
    pytest.fail(f"Envoy never saw {what}: {running.admin.hosts()}")


async def test_a_killed_replica_fails_only_its_calls_in_flight_and_a_drained_one_none(
    tmp_path: Path,
) -> None:
    with cluster(tmp_path) as running:
        killed, drained = running.replicas[0], running.replicas[1]
        load = Load(running.target)
        load.start()
        try:
            await load.until_succeeded(CAUGHT_UP_CALLS)
            assert load.failed == 0

            # kill -9: only what was in flight on the replica fails.
            killed.signal(signal.SIGKILL)
            await asyncio.to_thread(killed.wait)
            out_after = await until(
                running, lambda hosts: not hosts[killed.port].healthy, "the killed replica out"
            )
            flags = running.admin.hosts()[killed.port].health_flags
            unhealthy_after = await until(
                running,
                lambda hosts: "failed_active_hc" in hosts[killed.port].health_flags,
                "the killed replica failing its health checks",
            )
            await load.until_succeeded(CAUGHT_UP_CALLS)
            failed_at_kill = load.failed
            host = running.admin.hosts()[killed.port]
            in_flight = host.rq_total - host.rq_success
            ejections = running.admin.counter(
                "outlier_detection.ejections_enforced_consecutive_local_origin_failure"
            )
            print(
                f"\nkill -9: {failed_at_kill} failed calls {load.details}; {in_flight} "
                f"calls were in flight on the replica (Envoy's count of calls it had sent "
                f"there and got no answer for); out of rotation after {out_after:.3f} s "
                f"({', '.join(sorted(flags))}), failing health checks after "
                f"{out_after + unhealthy_after:.3f} s; outlier ejections {ejections}; "
                f"retries {running.admin.counter('upstream_rq_retry')}"
            )
            assert failed_at_kill <= in_flight <= load.callers
            assert set(load.failures) <= {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL}
            assert "failed_outlier_check" in flags or "failed_active_hc" in flags
            if "failed_outlier_check" in flags:
                assert ejections >= 1

            # Restarted on its port: back in rotation, receiving calls, and nothing fails.
            await asyncio.to_thread(killed.start)
            served = running.admin.hosts()[killed.port].rq_success
            back_after = await until(
                running,
                lambda hosts: hosts[killed.port].rq_success >= served + 20,
                "calls reaching the restarted replica",
            )
            print(f"restarted: receiving calls again {back_after:.3f} s after it served")
            await load.until_succeeded(CAUGHT_UP_CALLS)
            assert load.failed == failed_at_kill

            # SIGTERM: the replica drains and no call fails.
            drained.signal(signal.SIGTERM)
            drained_out_after = await until(
                running,
                lambda hosts: "failed_active_hc" in hosts[drained.port].health_flags,
                "the draining replica failing its health checks",
            )
            exit_code = await asyncio.to_thread(drained.wait)
            served_while_draining = running.admin.hosts()[drained.port].rq_success
            await load.until_succeeded(CAUGHT_UP_CALLS)
            print(
                f"SIGTERM: {load.failed - failed_at_kill} failed calls; out of rotation "
                f"{drained_out_after:.3f} s after the signal; exit code {exit_code}"
            )
            assert exit_code == 0
            assert load.failed == failed_at_kill

            # Restarted after its drain: receiving calls again.
            await asyncio.to_thread(drained.start)
            await until(
                running,
                lambda hosts: hosts[drained.port].rq_success >= served_while_draining + 20,
                "calls reaching the replica restarted after its drain",
            )
            assert load.failed == failed_at_kill
        finally:
            await load.stop()
    print(f"calls: {load.succeeded} succeeded, {load.failed} failed")


def stand_in(record: Path) -> Callable[[Replica], list[str]]:
    def command(replica: Replica) -> list[str]:
        module = "tests.cluster.dying_replica"
        return [sys.executable, "-m", module, "--port", str(replica.port), "--record", str(record)]

    return command


def retrying_resets(gateway_ports: list[int], listen_port: int, admin_port: int) -> str:
    """A control: the shipped rendering with Envoy also retrying resets, as a careless
    configuration would."""
    config = yaml.safe_load(loopback(gateway_ports, listen_port, admin_port))
    (listener,) = config["static_resources"]["listeners"]
    manager = listener["filter_chains"][0]["filters"][0]["typed_config"]
    route = manager["route_config"]["virtual_hosts"][0]["routes"][0]["route"]
    route["retry_policy"]["retry_on"] = "reset,connect-failure,refused-stream"
    return str(yaml.safe_dump(config, sort_keys=False))


def sends_of(order_id: str, record: Path, running: Cluster) -> int:
    """Cancels of `order_id` that reached any replica: the stand-in's record, and every real
    replica's upstream."""
    by_stand_in = record.read_text().split().count(order_id) if record.exists() else 0
    upstream = sum(
        1
        for replica in running.replicas[1:]
        for recorded in replica.upstream.requests
        if order_id.encode() in recorded.body
    )
    return by_stand_in + upstream


@pytest.mark.parametrize(
    ("render", "expected_sends"),
    [(loopback, 1), (retrying_resets, 2)],
    ids=["shipped configuration", "control: retrying resets"],
)
async def test_envoy_never_sends_a_cancel_again_after_the_replica_that_read_it_died(
    tmp_path: Path, render: Callable[[list[int], int, int], str], expected_sends: int
) -> None:
    record = tmp_path / "stand-in-cancels"
    with cluster(tmp_path, render=render, first_command=stand_in(record)) as running:
        async with grpc.aio.insecure_channel(running.target) as channel:
            stub = AggregatorServiceStub(channel)
            for attempt in range(CANCEL_ATTEMPTS):
                order_id = f"order-{attempt}"
                code = grpc.StatusCode.OK
                try:
                    await stub.CancelOrder(requests.cancel(order_id=order_id), timeout=10)
                except grpc.aio.AioRpcError as error:
                    code = error.code()
                if record.exists() and order_id in record.read_text().split():
                    break
            else:
                pytest.fail("no cancel reached the stand-in replica")
        sends = sends_of(order_id, record, running)
        retries = running.admin.counter("upstream_rq_retry")

    print(f"\n{order_id}: sent {sends} time(s), Envoy retries {retries}; caller got {code.name}")
    assert sends == expected_sends
    if expected_sends == 1:
        assert code == grpc.StatusCode.UNAVAILABLE
        assert retries == 0
