"""Prometheus metrics. Labels are fixed vocabularies (RPC names, providers, operations,
codes, HTTP statuses), never user data. Under the worker supervisor, each worker writes its
values to files (prometheus-client's multiprocess mode) and the supervisor serves the sum."""

from __future__ import annotations

import functools
import logging
import threading
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

logger = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()

RPCS = Counter(
    "aggregator_rpcs_total", "RPCs served, by method and status code.", ["method", "code"],
    registry=REGISTRY,
)  # fmt: skip
REFUSED_REQUESTS = Counter(
    "aggregator_refused_requests_total",
    "Requests refused before any handler ran, by method and why: `malformed` (the body does "
    "not decode as the request message), `over_limit` (a field over its size limit) or "
    "`overloaded` (turned away unread: as many RPCs as the process admits were in flight).",
    ["method", "reason"],
    registry=REGISTRY,
)
RPC_SECONDS = Histogram(
    "aggregator_rpc_duration_seconds", "RPC latency, by method.", ["method"], registry=REGISTRY
)
RPCS_IN_FLIGHT = Gauge(
    "aggregator_rpcs_in_flight",
    "RPCs being served, by method.",
    ["method"],
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
UPSTREAM_REQUESTS = Counter(
    "aggregator_upstream_requests_total",
    "Upstream HTTP exchanges, by provider, operation and HTTP status (`error` without one).",
    ["provider", "operation", "http_status"],
    registry=REGISTRY,
)
UPSTREAM_SECONDS = Histogram(
    "aggregator_upstream_duration_seconds",
    "Upstream HTTP exchange latency, by provider and operation.",
    ["provider", "operation"],
    registry=REGISTRY,
)
RETRIES = Counter(
    "aggregator_upstream_retries_total",
    "Upstream attempts retried, by provider and operation.",
    ["provider", "operation"],
    registry=REGISTRY,
)
BREAKER_STATE = Gauge(
    "aggregator_circuit_breaker_state",
    "Circuit breaker state by provider: 0 closed, 1 half open, 2 open.",
    ["provider"],
    registry=REGISTRY,
    multiprocess_mode="livemax",
)
RETRY_BUDGET_EXHAUSTED = Counter(
    "aggregator_retry_budget_exhausted_total",
    "Retries not made because the provider's retry budget was spent, by provider.",
    ["provider"],
    registry=REGISTRY,
)
COALESCED = Counter(
    "aggregator_coalesced_requests_total",
    "Calls that joined an identical upstream read already in flight, by provider.",
    ["provider"],
    registry=REGISTRY,
)
TOKEN_REFRESHES = Counter(
    "aggregator_token_refreshes_total",
    "Access token fetches, by provider and outcome (ok, error).",
    ["provider", "outcome"],
    registry=REGISTRY,
)

CALLER_RATE_LIMITED = Counter(
    "aggregator_caller_rate_limited_total",
    "Calls refused because their caller went over its rate limit, by caller (the callers "
    "file's names).",
    ["caller"],
    registry=REGISTRY,
)

STATE_BACKEND_UP = Gauge(
    "aggregator_state_backend_up",
    "Whether the shared state backend (Redis) answered its last command: 1 yes, 0 no; the "
    "in-process backend is always 1.",
    registry=REGISTRY,
    multiprocess_mode="livemin",
)
STATE_BACKEND_ERRORS = Counter(
    "aggregator_state_backend_errors_total",
    "Shared state commands that failed or were not tried because the backend was "
    "unreachable, by operation (rate_limit, call_limit, claim, get, put, delete, ping).",
    ["operation"],
    registry=REGISTRY,
)
RATE_LIMITS_LOCAL = Counter(
    "aggregator_rate_limits_local_total",
    "Caller rate limit checks decided by this process alone because the shared state backend "
    "was unreachable.",
    registry=REGISTRY,
)

PROVIDER_LIMITS_LOCAL = Counter(
    "aggregator_provider_limits_local_total",
    "Checks of a provider's documented rate limits decided by this process alone because the "
    "shared state backend was unreachable, by provider.",
    ["provider"],
    registry=REGISTRY,
)
IDEMPOTENT_CALLS = Counter(
    "aggregator_idempotent_calls_total",
    "Calls that carried an idempotency key, by method and outcome: `sent` (the first call), "
    "`replayed` (answered from the record, nothing sent), `in_flight` (ABORTED), `reused` "
    "(the key came with another request), `unknown` (a first call ended without a record), "
    "`unavailable` (the store was unreachable; nothing sent).",
    ["method", "outcome"],
    registry=REGISTRY,
)
IDEMPOTENT_RECORD_FAILURES = Counter(
    "aggregator_idempotent_record_failures_total",
    "Outcomes of keyed calls that could not be recorded (the store failed after the call was "
    "sent); a repeat of such a call is answered UNKNOWN, never sent again.",
    ["method"],
    registry=REGISTRY,
)

READ_CACHE = Counter(
    "aggregator_read_cache_total",
    "Reads that carried a max_age, by method and outcome: `hit` (answered from an answer "
    "fetched within max_age), `miss` (none, or none recent enough: fetched live), "
    "`unreadable` (an entry that does not open, sealed under another state secret: fetched "
    "live), `unavailable` (the store was unreachable: fetched live).",
    ["method", "outcome"],
    registry=REGISTRY,
)
READ_CACHE_STORE_FAILURES = Counter(
    "aggregator_read_cache_store_failures_total",
    "Live answers that could not be kept in the read cache (the store was unreachable), by "
    "method; the answer itself was served.",
    ["method"],
    registry=REGISTRY,
)


class MethodMetrics:
    """The children of one RPC method's series, looked up once rather than per call
    (`labels()` takes a lock and builds a key each time)."""

    def __init__(self, method: str) -> None:
        self._method = method
        self.in_flight = RPCS_IN_FLIGHT.labels(method)
        self.seconds = RPC_SECONDS.labels(method)
        self._calls: dict[str, Counter] = {}

    def calls(self, code: str) -> Counter:
        counter = self._calls.get(code)
        if counter is None:
            counter = self._calls[code] = RPCS.labels(self._method, code)
        return counter


@functools.cache
def upstream_exchange(provider: str, operation: str, http_status: str) -> tuple[Counter, Histogram]:
    """The request counter and latency histogram of one upstream operation's exchanges;
    labels are fixed vocabularies, so the cache is bounded."""
    return (
        UPSTREAM_REQUESTS.labels(provider, operation, http_status),
        UPSTREAM_SECONDS.labels(provider, operation),
    )


class MetricsServer:
    """The Prometheus endpoint on its own port, stopped with the gateway."""

    def __init__(self, host: str, port: int) -> None:
        self._server: WSGIServer
        self._thread: threading.Thread
        self._server, self._thread = start_http_server(port, addr=host, registry=REGISTRY)

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
