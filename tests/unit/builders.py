"""Building blocks for adapter unit tests: a guard that never retries nor trips, and a
provider over a mock transport."""

from __future__ import annotations

import httpx

from service.providers.declaration import ProviderDeclaration
from service.providers.httpx_transport import HttpxTransport
from service.providers.registry import ProviderAdapter
from service.providers.settings import ProviderSettings
from service.providers.upstream import UpstreamHttp
from service.resilience.breaker import CircuitBreaker
from service.resilience.bulkhead import Bulkhead
from service.resilience.coalescer import Coalescer
from service.resilience.guard import ProviderGuard
from service.resilience.retry import RetryBudget, RetryPolicy

MAX_RESPONSE_BYTES = 1024 * 1024


def single_attempt_guard(provider: str) -> ProviderGuard:
    """Adapter tests check one exchange's mapping; resilience has tests of its own."""
    return ProviderGuard(
        provider,
        RetryPolicy(max_attempts=1, base_delay_seconds=0, max_delay_seconds=0),
        RetryBudget(ratio=1, min_per_second=0, window_seconds=1),
        CircuitBreaker(provider, threshold=0, cooldown_seconds=0),
        Bulkhead(provider, max_concurrent=1000, max_waiting=1000),
        Coalescer(provider),
    )


def adapter_over(
    provider: ProviderDeclaration, settings: ProviderSettings, upstream: httpx.MockTransport
) -> ProviderAdapter:
    """`provider` with `settings`, sending its requests to a mock transport."""
    http = UpstreamHttp(HttpxTransport(httpx.AsyncClient(transport=upstream)), MAX_RESPONSE_BYTES)
    return ProviderAdapter(
        provider, provider.connect(settings, http, single_attempt_guard(provider.name))
    )
