"""The server's life: build it, start it, stop it gracefully on SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter
from opentelemetry.trace import Tracer

from aggregator.v1 import aggregator_service_pb2, aggregator_service_pb2_grpc
from service.auth.authorizer import Authorizer
from service.auth.callers import load_callers
from service.auth.rate_limit import CallerRateLimits
from service.config import Settings
from service.core import page_tokens
from service.observability.metrics import MetricsServer
from service.observability.redaction import (
    install_redaction,
    register_secret,
    register_secret_fields,
)
from service.observability.tracing import instrument_client, server_interceptor, tracer_provider
from service.portfolio.orchestration import Portfolio
from service.process.tls import is_loopback, server_credentials
from service.process.workers import is_worker, stop_when_orphaned
from service.providers.aiohttp_transport import AiohttpTransport
from service.providers.connections import tls_context
from service.providers.http1_transport import Http1Transport
from service.providers.httpx_transport import HttpxTransport
from service.providers.registry import (
    PROVIDERS,
    build_registry,
    field_limits,
    provider_settings_from_env,
    sandbox_provider_settings,
    secret_fields,
)
from service.providers.settings import ProviderSettings
from service.providers.upstream import Transport, UpstreamHttp
from service.providers.upstream_tracing import tracer_of
from service.rpc.boundary import RpcBoundary
from service.rpc.idempotent_cancel import IdempotentCancels
from service.rpc.institutions import list_institutions
from service.rpc.portfolio_entries import entry_of
from service.rpc.servicer import AggregatorServicer
from service.sandbox import SandboxUpstreams
from service.state import KeyedDigests, ReadCache, Sealer, StateBackend, open_state

logger = logging.getLogger(__name__)

SERVICE_NAME = aggregator_service_pb2.DESCRIPTOR.services_by_name["AggregatorService"].full_name


@dataclass(frozen=True)
class RunningGateway:
    server: grpc.aio.Server
    port: int
    settings: Settings


def server_options(settings: Settings) -> list[tuple[str, int]]:
    """Message sizes, stream limits and keepalive that suit load balancers."""
    milliseconds = 1000
    return [
        # Worker processes share the listening port; the kernel spreads connections over them.
        ("grpc.so_reuseport", 1),
        ("grpc.max_receive_message_length", settings.aggregator_grpc_max_receive_bytes),
        ("grpc.max_send_message_length", settings.aggregator_grpc_max_send_bytes),
        ("grpc.max_concurrent_streams", settings.aggregator_max_concurrent_streams),
        # Calls that arrived but that the event loop has not taken up yet: beyond this many,
        # grpc answers RESOURCE_EXHAUSTED itself, in C, instead of queueing them until their
        # deadlines run out.
        ("grpc.server.max_pending_requests", settings.aggregator_max_pending_rpcs),
        ("grpc.server.max_pending_requests_hard_limit", settings.aggregator_max_pending_rpcs),
        ("grpc.keepalive_time_ms", int(settings.aggregator_keepalive_time_seconds * milliseconds)),
        (
            "grpc.keepalive_timeout_ms",
            int(settings.aggregator_keepalive_timeout_seconds * milliseconds),
        ),
        ("grpc.keepalive_permit_without_calls", 1),
        (
            "grpc.http2.min_ping_interval_without_data_ms",
            int(settings.aggregator_keepalive_min_client_ping_seconds * milliseconds),
        ),
        (
            "grpc.max_connection_age_ms",
            int(settings.aggregator_max_connection_age_seconds * milliseconds),
        ),
        (
            "grpc.max_connection_age_grace_ms",
            int(settings.aggregator_max_connection_age_grace_seconds * milliseconds),
        ),
    ]


@asynccontextmanager
async def running_gateway(
    settings: Settings,
    span_exporter: SpanExporter | None = None,
    providers: Mapping[str, ProviderSettings] | None = None,
) -> AsyncIterator[RunningGateway]:
    """Start the gateway (and the sandbox upstreams when enabled); stop both on exit.

    `providers` are the providers' settings sections; by default they are read from the
    environment, or point at the sandbox upstreams when the sandbox is enabled.

    Stopping drains: health turns NOT_SERVING, after the drain delay new calls are refused,
    in-flight calls get the grace period, then the upstream connections close.
    """
    install_redaction()
    async with AsyncExitStack() as stack:
        if settings.aggregator_sandbox:
            sandbox = stack.enter_context(SandboxUpstreams())
            providers = sandbox_provider_settings(sandbox)
            logger.info(
                "sandbox upstreams: %s",
                ", ".join(f"{name} at {s.url}" for name, s in sandbox.simulators.items()),
            )
        elif providers is None:
            providers = provider_settings_from_env()
        for provider_settings in providers.values():
            for secret in provider_settings.secrets():
                register_secret(secret)
        register_secret_fields(secret_fields())
        if settings.aggregator_state_secret is not None:
            register_secret(settings.aggregator_state_secret.get_secret_value())
        page_key = settings.derived_key("page-tokens")
        if page_key is not None:
            page_tokens.use_key(page_key)
        tracing = tracer_provider(settings.aggregator_tracing, span_exporter)
        if tracing is not None:
            stack.callback(tracing.shutdown)
        http = UpstreamHttp(
            upstream_transport(settings, tracing), settings.aggregator_max_response_bytes
        )
        stack.push_async_callback(http.aclose)
        state = await stack.enter_async_context(open_state(settings))
        digests = KeyedDigests(_state_key(settings, "state-keys"))
        registry = build_registry(settings, providers, http, (state, digests))
        reads = ReadCache(
            state,
            digests,
            Sealer(_state_key(settings, "read-cache-values")),
            settings.aggregator_read_cache_retention_seconds,
        )
        server = grpc.aio.server(
            interceptors=[
                *([server_interceptor(tracing)] if tracing is not None else []),
                RpcBoundary(
                    settings.aggregator_default_deadline_seconds,
                    settings.aggregator_deadline_margin_seconds,
                    _authorizer(settings, CallerRateLimits(state, digests)),
                    registry.describe,
                    field_limits(),
                    settings.aggregator_max_rpcs_in_flight,
                ),
            ],
            options=server_options(settings),
        )
        portfolio = Portfolio(
            registry,
            settings.aggregator_portfolio_max_connections,
            settings.aggregator_portfolio_concurrency,
            entry_of,
            reads,
        )
        aggregator_service_pb2_grpc.add_AggregatorServiceServicer_to_server(
            AggregatorServicer(
                registry,
                portfolio,
                list_institutions(PROVIDERS),
                _idempotent_cancels(settings, state, digests),
                reads,
            ),
            server,
        )
        health_servicer = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        if settings.aggregator_reflection:
            reflection.enable_server_reflection(
                (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
            )
        port = _listen(server, settings)
        if settings.aggregator_metrics_listen and not is_worker():
            host, _, metrics_port = settings.aggregator_metrics_listen.rpartition(":")
            metrics_server = MetricsServer(host.strip("[]"), int(metrics_port))
            stack.callback(metrics_server.close)
            logger.info("metrics on %s:%d", host, metrics_server.port)
        await server.start()
        for name in (SERVICE_NAME, ""):
            await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
        _log_providers(settings, providers)
        try:
            yield RunningGateway(server, port, settings)
        finally:
            await health_servicer.enter_graceful_shutdown()
            await asyncio.sleep(settings.aggregator_shutdown_drain_delay_seconds)
            await server.stop(settings.aggregator_shutdown_grace_seconds)


_POOLED_TRANSPORTS: dict[str, Callable[[int, float, Path | None, Tracer | None], Transport]] = {
    "http1": Http1Transport,
    "aiohttp": AiohttpTransport,
}
"""The transports that keep their own pool, all made from the same settings."""


def upstream_transport(settings: Settings, tracing: TracerProvider | None) -> Transport:
    pooled = _POOLED_TRANSPORTS.get(settings.aggregator_http_transport)
    if pooled is not None:
        return pooled(
            settings.aggregator_http_max_connections,
            settings.aggregator_upstream_timeout_seconds,
            settings.aggregator_upstream_ca_file,
            tracer_of(tracing),
        )
    client = httpx.AsyncClient(
        timeout=settings.aggregator_upstream_timeout_seconds,
        follow_redirects=False,
        limits=httpx.Limits(
            max_connections=settings.aggregator_http_max_connections,
            max_keepalive_connections=settings.aggregator_http_max_keepalive_connections,
        ),
        # httpx's own default (certifi's roots) unless a CA is configured.
        verify=tls_context(ca_file) if (ca_file := settings.aggregator_upstream_ca_file) else True,
    )
    if tracing is not None:
        instrument_client(client, tracing)
    return HttpxTransport(client)


def _authorizer(settings: Settings, rate_limits: CallerRateLimits) -> Authorizer:
    if settings.aggregator_callers_file is None:
        logger.warning(
            "AGGREGATOR_CALLERS_FILE is not set: callers are not authenticated and every "
            "caller may call every RPC"
        )
        return Authorizer(None)
    return Authorizer(load_callers(settings.aggregator_callers_file), rate_limits=rate_limits)


def _state_key(settings: Settings, purpose: str) -> bytes:
    """The key derived from the state secret; without one, a key of this process alone (state
    is then in-process: the settings refuse Redis without the secret)."""
    return settings.derived_key(purpose) or os.urandom(32)


def _idempotent_cancels(
    settings: Settings, state: StateBackend, digests: KeyedDigests
) -> IdempotentCancels:
    return IdempotentCancels(
        state,
        digests,
        Sealer(_state_key(settings, "state-values")),
        settings.aggregator_idempotency_retention_seconds,
        settings.aggregator_default_deadline_seconds,
    )


def _listen(server: grpc.aio.Server, settings: Settings) -> int:
    address = settings.aggregator_listen
    credentials = server_credentials(
        settings.aggregator_tls_cert_file,
        settings.aggregator_tls_key_file,
        settings.aggregator_tls_client_ca_file,
    )
    if credentials is not None:
        return server.add_secure_port(address, credentials)
    if not is_loopback(address):
        logger.warning(
            "listening in plaintext on %s, which is not a loopback address: set "
            "AGGREGATOR_TLS_CERT_FILE and AGGREGATOR_TLS_KEY_FILE",
            address,
        )
    return server.add_insecure_port(address)


def _log_providers(settings: Settings, providers: Mapping[str, ProviderSettings]) -> None:
    live = [name for name, section in providers.items() if section.configured]
    missing = [name for name, section in providers.items() if not section.configured]
    mode = "sandbox" if settings.aggregator_sandbox else "live"
    logger.info(
        "providers ready (%s): %s; not configured: %s",
        mode,
        ", ".join(live) or "none",
        ", ".join(missing) or "none",
    )


async def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then let in-flight calls finish within the grace period."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with running_gateway(settings) as gateway, AsyncExitStack() as watches:
        logger.info("aggregator gateway listening on port %d", gateway.port)
        if is_worker():
            orphan_watch = asyncio.create_task(stop_when_orphaned(stop.set))
            watches.callback(orphan_watch.cancel)
        await stop.wait()
        logger.info(
            "stopping: health turns NOT_SERVING; draining in-flight calls for up to %.0f s",
            settings.aggregator_shutdown_grace_seconds,
        )
    logger.info("stopped")
