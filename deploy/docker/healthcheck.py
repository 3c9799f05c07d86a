"""Container health check: exit 0 only when the gateway's gRPC health service says SERVING.

The image's HEALTHCHECK runs this file with the image's Python (grpcio and grpc_health are in
its virtual environment), so no grpc_health_probe binary is downloaded. It asks
`grpc.health.v1.Health/Check` for `aggregator.v1.AggregatorService`, which the gateway turns
NOT_SERVING the moment it starts draining on SIGTERM.

It reads the gateway's own environment:

- `AGGREGATOR_LISTEN` (`host:port`): the port to ask; a wildcard host (`0.0.0.0`, `[::]`) is
  asked on 127.0.0.1.
- `AGGREGATOR_TLS_CERT_FILE` set: the gateway speaks TLS, so the check does too, verifying the
  server against `AGGREGATOR_HEALTHCHECK_CA_FILE` (the CA that signed the server certificate;
  required then) under the name `AGGREGATOR_HEALTHCHECK_SERVER_NAME` (default `localhost`).
- `AGGREGATOR_TLS_CLIENT_CA_FILE` set (mutual TLS): it presents
  `AGGREGATOR_HEALTHCHECK_CLIENT_CERT_FILE` and `AGGREGATOR_HEALTHCHECK_CLIENT_KEY_FILE`.

Kubernetes ignores an image's HEALTHCHECK; the manifests in deploy/kubernetes use the
kubelet's native gRPC probes instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

SERVICE = "aggregator.v1.AggregatorService"
TIMEOUT_SECONDS = 2.0
# Listen addresses meaning "every interface": asked on loopback instead.
WILDCARD_HOSTS = {"", "0.0.0.0", "[::]", "::"}  # noqa: S104


def target(listen: str) -> str:
    host, separator, port = listen.rpartition(":")
    if not separator or not port.isdigit():
        raise ValueError(f"AGGREGATOR_LISTEN is not host:port: {listen!r}")
    return f"{'127.0.0.1' if host in WILDCARD_HOSTS else host}:{port}"


def _read(variable: str) -> bytes:
    path = os.environ.get(variable)
    if not path:
        raise ValueError(f"{variable} must be set when the gateway serves TLS")
    return Path(path).read_bytes()


def channel(address: str) -> grpc.Channel:
    if not os.environ.get("AGGREGATOR_TLS_CERT_FILE"):
        return grpc.insecure_channel(address)
    client_key = client_chain = None
    if os.environ.get("AGGREGATOR_TLS_CLIENT_CA_FILE"):
        client_chain = _read("AGGREGATOR_HEALTHCHECK_CLIENT_CERT_FILE")
        client_key = _read("AGGREGATOR_HEALTHCHECK_CLIENT_KEY_FILE")
    credentials = grpc.ssl_channel_credentials(
        root_certificates=_read("AGGREGATOR_HEALTHCHECK_CA_FILE"),
        private_key=client_key,
        certificate_chain=client_chain,
    )
    name = os.environ.get("AGGREGATOR_HEALTHCHECK_SERVER_NAME", "localhost")
    return grpc.secure_channel(
        address, credentials, options=[("grpc.ssl_target_name_override", name)]
    )


def check() -> str:
    """The health status name, or a one-line reason the check could not get one."""
    try:
        address = target(os.environ.get("AGGREGATOR_LISTEN", "127.0.0.1:50051"))
        with channel(address) as health_channel:
            stub = health_pb2_grpc.HealthStub(health_channel)
            answer = stub.Check(
                health_pb2.HealthCheckRequest(service=SERVICE), timeout=TIMEOUT_SECONDS
            )
    except grpc.RpcError as error:
        return f"health check failed: {error.code().name}: {error.details()}"
    except (OSError, ValueError) as error:
        return f"health check could not run: {error}"
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))


def main() -> int:
    status = check()
    print(status)
    return 0 if status == "SERVING" else 1


if __name__ == "__main__":
    sys.exit(main())
