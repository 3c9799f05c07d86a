"""Every upstream call of a provider goes through its guard: breaker, bulkhead, retries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from service.config import Settings
from service.core.errors import (
    CircuitOpen,
    UpstreamBadResponse,
    UpstreamContext,
    UpstreamError,
    UpstreamOutcomeUnknown,
    UpstreamUnavailable,
)
from service.core.rpc_context import time_left
from service.observability import metrics
from service.resilience.breaker import CircuitBreaker
from service.resilience.bulkhead import Bulkhead
from service.resilience.coalescer import Coalescer
from service.resilience.retry import RetryBudget, RetryPolicy

logger = logging.getLogger(__name__)

Result = TypeVar("Result")

_FAILURES = (UpstreamUnavailable, UpstreamOutcomeUnknown, UpstreamBadResponse)
"""What counts against the breaker: the upstream broke, not the request (4xx, 429)."""


class ProviderGuard:
    def __init__(
        self,
        provider: str,
        policy: RetryPolicy,
        budget: RetryBudget,
        breaker: CircuitBreaker,
        bulkhead: Bulkhead,
        coalescer: Coalescer,
    ) -> None:
        self.provider = provider
        self.breaker = breaker
        self.coalescer = coalescer
        self._policy = policy
        self._budget = budget
        self._bulkhead = bulkhead

    @classmethod
    def from_settings(cls, provider: str, settings: Settings) -> ProviderGuard:
        return cls(
            provider,
            RetryPolicy(
                settings.aggregator_retry_max_attempts,
                settings.aggregator_retry_base_delay_seconds,
                settings.aggregator_retry_max_delay_seconds,
            ),
            RetryBudget(
                settings.aggregator_retry_budget_ratio,
                settings.aggregator_retry_budget_min_per_second,
                settings.aggregator_retry_budget_window_seconds,
            ),
            CircuitBreaker(
                provider,
                settings.aggregator_breaker_failure_threshold,
                settings.aggregator_breaker_cooldown_seconds,
            ),
            Bulkhead(
                provider,
                settings.aggregator_max_concurrent_upstream,
                settings.aggregator_max_waiting_upstream,
            ),
            Coalescer(provider),
        )

    async def run(
        self,
        operation: str,
        has_side_effects: bool,
        attempt: Callable[[], Awaitable[Result]],
        share_key: Hashable | None = None,
    ) -> Result:
        """Run `attempt` (one upstream exchange) under the provider's protections.

        A read with a `share_key` joins an identical read already in flight instead.
        """
        if share_key is None or has_side_effects:
            return await self._protected(operation, has_side_effects, attempt)
        return await self.coalescer.run(
            share_key, lambda: self._protected(operation, has_side_effects, attempt)
        )

    async def _protected(
        self,
        operation: str,
        has_side_effects: bool,
        attempt: Callable[[], Awaitable[Result]],
    ) -> Result:
        async with self._bulkhead.slot():
            self._budget.record_request()
            attempts_made = 0
            while True:
                self._check_circuit(operation)
                attempts_made += 1
                try:
                    result = await attempt()
                except UpstreamError as error:
                    self._record(error)
                    delay = self._delay_before_retry(error, attempts_made, has_side_effects)
                    if delay is None:
                        raise
                    logger.info(
                        "retrying provider=%s operation=%s after %s (attempt %d) in %.3f s",
                        self.provider,
                        operation,
                        error.reason,
                        attempts_made,
                        delay,
                    )
                    metrics.RETRIES.labels(self.provider, operation).inc()
                    await asyncio.sleep(delay)
                    continue
                except BaseException:
                    # Cancelled or out of time: the upstream's health is unknown.
                    self.breaker.abandon_probe()
                    raise
                self.breaker.record_success()
                return result

    def _check_circuit(self, operation: str) -> None:
        wait = self.breaker.seconds_until_probe()
        if wait is not None:
            raise CircuitOpen(
                f"{self.provider} failed repeatedly; calls fail fast for {wait:.1f} s more "
                "before the gateway probes it again.",
                UpstreamContext(self.provider, operation),
                retry_after_seconds=wait,
            )

    def _record(self, error: UpstreamError) -> None:
        if isinstance(error, _FAILURES):
            self.breaker.record_failure()
        else:
            self.breaker.record_success()

    def _delay_before_retry(
        self, error: UpstreamError, attempts_made: int, has_side_effects: bool
    ) -> float | None:
        delay = self._policy.delay_before(error, attempts_made, time_left(), has_side_effects)
        if delay is None:
            return None
        if not self._budget.try_spend():
            logger.warning("retry budget of provider=%s exhausted: not retrying", self.provider)
            metrics.RETRY_BUDGET_EXHAUSTED.labels(self.provider).inc()
            return None
        return delay
