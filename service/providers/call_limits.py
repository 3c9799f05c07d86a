"""A provider's documented rate limits, kept by the gateway so that it refuses a request before
the provider would, across every replica.

Each provider declares its limits (`ProviderDeclaration.call_limits`) as `DocumentedLimit`s:
what the provider counts per (its client, an Item, an account), which requests count, how many
in which window. `CallLimits` checks every request against them before it is sent (each attempt
counts, a retry included, because each reaches the provider) in the shared state backend: with
Redis, one atomic script per request counts it in all of its windows, so replicas share the
provider's allowance instead of each taking the whole of it.

Keys are keyed digests (HMAC) of the provider, the limit and what it is per, never an access
token or a client id as it is. When the backend is unreachable each process counts on its own
(`aggregator_provider_limits_local_total`), so N replicas may then send up to N times a limit
and the provider's own 429 is mapped as usual.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from service.core.envelope import Envelope, EnvelopeStatus
from service.core.errors import StateUnavailable, UpstreamRateLimited
from service.observability import metrics
from service.providers.operation import UpstreamRequest
from service.providers.upstream import UpstreamCall, upstream_error
from service.state.backend import StateBackend
from service.state.keys import KeyedDigests
from service.state.memory import InProcessState
from service.state.windows import WindowSlot

KeyOf = Callable[[UpstreamRequest], str | None]
"""What a request counts under for a limit (a client id, an access token, an account id), or
None when the limit does not concern it."""


@dataclass(frozen=True)
class DocumentedLimit:
    """At most `max_calls` requests per `per` in any `window_seconds`, counting the requests to
    `paths` (every request when empty), as the provider documents it."""

    per: str
    """What the provider counts per, in its own words: `client`, `Item`, `account`."""
    max_calls: int
    window_seconds: float
    key_of: KeyOf = field(compare=False)
    paths: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.max_calls < 1 or self.window_seconds <= 0:
            raise ValueError("a limit needs at least one call and a window")

    @property
    def name(self) -> str:
        """Which limit this is among the provider's, for its state key."""
        return f"{self.per}:{self.window_seconds:g}:{','.join(sorted(self.paths))}"

    def key(self, request: UpstreamRequest) -> str | None:
        """The key `request` counts under, or None when it does not count."""
        if self.paths and request.path not in self.paths:
            return None
        return self.key_of(request)


def per_value(value: str) -> KeyOf:
    """Every request counts under `value` (the gateway's client id with the provider)."""
    return lambda _: value or None


class CallLimits:
    """One provider's documented limits, counted in the shared state backend."""

    def __init__(
        self,
        label: str,
        limits: Sequence[DocumentedLimit],
        backend: StateBackend,
        digests: KeyedDigests,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._label = label
        self._limits = tuple(limits)
        self._backend = backend
        self._digests = digests
        self._local = InProcessState(clock)

    @classmethod
    def per_process(cls, label: str, limits: Sequence[DocumentedLimit] = ()) -> CallLimits:
        """`limits` counted by this process alone (a client built outside a running gateway)."""
        return cls(label, limits, InProcessState(), KeyedDigests(os.urandom(32)))

    @property
    def limits(self) -> tuple[DocumentedLimit, ...]:
        return self._limits

    async def admit(self, call: UpstreamCall, request: UpstreamRequest) -> None:
        """Count `request` in each of its windows; RESOURCE_EXHAUSTED, with the time until
        every window has room, when one is full (the request is then not counted)."""
        counted = [
            (limit, key) for limit in self._limits if (key := limit.key(request)) is not None
        ]
        if not counted:
            return
        slots = [
            WindowSlot(
                self._digests.state_key(
                    "call-limit", call.provider.encode(), limit.name.encode(), key.encode()
                ),
                limit.max_calls,
                limit.window_seconds,
            )
            for limit, key in counted
        ]
        try:
            refusal = await self._backend.take_slots(slots)
        except StateUnavailable:
            metrics.PROVIDER_LIMITS_LOCAL.labels(call.provider).inc()
            refusal = await self._local.take_slots(slots)
        if refusal is None:
            return
        limit = counted[refusal.slot][0]
        to = f" to {request.path}" if limit.paths else ""
        raise upstream_error(
            UpstreamRateLimited,
            f"{self._label} allows {limit.max_calls} requests{to} per {limit.per} "
            f"{_per_window(limit.window_seconds)}; the gateway held this one back before "
            f"{self._label} would refuse it. Nothing was sent.",
            call,
            envelope=Envelope(status=EnvelopeStatus.TOO_MANY_REQUEST),
            retry_after_seconds=refusal.wait_seconds,
        )


def _per_window(seconds: float) -> str:
    return "a minute" if seconds == 60 else f"in any {seconds:g} s"
