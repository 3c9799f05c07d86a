"""The read cache callers control: with a `max_age`, a read may be answered with an answer the
gateway fetched for the same connection and request at most that long ago, on any replica.

- No `max_age`: the read is live and nothing is kept (the default).
- With one: the entry of the request is looked up; one fetched within `max_age` is the answer,
  with `source.from_cache` set and its original `source.fetched_at`. Otherwise the read is
  live, and its answer is kept for the retention time. Errors are never kept, nor answers
  that say they are stale (`FRESHNESS_STALE`): a later read should try for fresh data again.
- The entry's key is a keyed digest (HMAC) of the request's message name, the connection's
  provider and the request's bytes without `max_age`, credentials included: the same
  credentials and the same fields share an entry, anything else does not, and the key says
  nothing of the token without the state secret. Entries are sealed (AES-GCM, bound to their
  key): one sealed under another secret does not open and counts as a miss.
- The store unreachable: the read is live (the backend logs and reports being down).

Every answer through here carries `source.fetched_at`: when the gateway received it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta
from typing import TypeVar

from google.protobuf.message import DecodeError, Message

from aggregator.v1.aggregator_service_pb2 import Freshness
from aggregator.v1.source_pb2 import DataSource
from service.core.errors import StateUnavailable
from service.observability import metrics
from service.state.backend import StateBackend
from service.state.keys import KeyedDigests
from service.state.sealing import Sealer

Request = TypeVar("Request", bound=Message)
Answer = TypeVar("Answer", bound=Message)

# Field names every cached request and answer has; named once, read with getattr because the
# messages share them by convention, not by a common type.
_MAX_AGE = "max_age"
_CONNECTION = "connection"
_SOURCE = "source"
_FRESHNESS = "freshness"


class ReadCache:
    """Answers of reads, shared through the state backend under keyed digests of requests."""

    def __init__(
        self,
        backend: StateBackend,
        digests: KeyedDigests,
        sealer: Sealer,
        retention_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._backend = backend
        self._digests = digests
        self._sealer = sealer
        self._retention = retention_seconds
        # The wall clock: entries are dated on one replica and aged on another.
        self._clock = clock

    async def read(
        self,
        request: Request,
        max_age: timedelta | None,
        fetch: Callable[[Request], Awaitable[Answer]],
        answer_type: type[Answer],
    ) -> Answer:
        """`request`'s answer: from the cache when one within `max_age` is there, else
        `fetch`ed (and kept, with a `max_age`)."""
        if max_age is None:
            return self.stamp(await fetch(request))
        cached = await self.lookup(request, max_age, answer_type)
        if cached is not None:
            return cached
        answer = self.stamp(await fetch(request))
        await self.keep(request, answer)
        return answer

    async def lookup(
        self, request: Message, max_age: timedelta, answer_type: type[Answer]
    ) -> Answer | None:
        """The kept answer of `request` fetched at most `max_age` ago, marked `from_cache`."""
        key = self._key(request)
        try:
            sealed = await self._backend.get(key)
        except StateUnavailable:
            _count(request, "unavailable")
            return None
        if sealed is None:
            _count(request, "miss")
            return None
        opened = self._sealer.open(sealed, key)
        answer = None if opened is None else _parsed(opened, answer_type)
        if answer is None:
            _count(request, "unreadable")
            return None
        source = _source(answer)
        age = self._clock() - source.fetched_at.ToDatetime(UTC).timestamp()
        if age > max_age.total_seconds():
            _count(request, "miss")
            return None
        _count(request, "hit")
        source.from_cache = True
        return answer

    async def keep(self, request: Message, answer: Message) -> None:
        """Keep `answer` (stamped) as `request`'s, unless it says it is stale."""
        if getattr(answer, _FRESHNESS, None) == Freshness.FRESHNESS_STALE:
            return
        key = self._key(request)
        sealed = self._sealer.seal(answer.SerializeToString(deterministic=True), key)
        try:
            await self._backend.put(key, sealed, self._retention)
        except StateUnavailable:
            metrics.READ_CACHE_STORE_FAILURES.labels(_method(request)).inc()

    def stamp(self, answer: Answer) -> Answer:
        """`answer` with `source.fetched_at` now, unless it has one already."""
        source = _source(answer)
        if not source.HasField("fetched_at"):
            # Microseconds, as a datetime would hold, without making one (every live read).
            source.fetched_at.FromMicroseconds(round(self._clock() * 1_000_000))
        return answer

    def _key(self, request: Message) -> str:
        without_max_age = type(request)()
        without_max_age.CopyFrom(request)
        without_max_age.ClearField(_MAX_AGE)
        connection = getattr(request, _CONNECTION)
        return self._digests.state_key(
            "read",
            request.DESCRIPTOR.full_name.encode(),
            (connection.WhichOneof("provider") or "").encode(),
            without_max_age.SerializeToString(deterministic=True),
        )


def _parsed(data: bytes, answer_type: type[Answer]) -> Answer | None:
    answer = answer_type()
    try:
        answer.ParseFromString(data)
    except DecodeError:
        return None
    return answer if _source(answer).HasField("fetched_at") else None


def _source(answer: Message) -> DataSource:
    source = getattr(answer, _SOURCE)
    if not isinstance(source, DataSource):
        raise TypeError(f"{answer.DESCRIPTOR.full_name} has no DataSource to say it was cached")
    return source


def _method(request: Message) -> str:
    return request.DESCRIPTOR.name.removesuffix("Request")


def _count(request: Message, outcome: str) -> None:
    metrics.READ_CACHE.labels(_method(request), outcome).inc()
