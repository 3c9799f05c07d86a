"""The Redis backend: state every replica shares, through redis-py's asyncio client.

Each operation is one command or one Lua script, so one round trip. The rate limit is a small
Lua script rather than a library: a script runs atomically in Redis, reads Redis's own clock
(replicas' clocks never matter) and answers "allowed" or "retry in N seconds" in the same
round trip. The maintained library that fits best, `limits`, offers fixed and moving windows
but no token bucket, so it could not keep the callers file's `rate_per_second` and `burst`
meaning what they mean in-process, and its retry time is a second call
(`get_window_stats`).

A provider's documented limits ("N requests per connection in any minute") are sliding windows,
one sorted set of call times per key, checked and counted by another small script: every window
a call counts in (its connection's and the gateway's client's) in one round trip, all or none.
A token bucket would let twice the limit through in the first minute after a quiet one;
`limits`' moving window is the same idea but checks one key per call, and its refusal carries
no retry time. The keys of one call are several keys of one script, which Redis Cluster would
need in one hash slot: the gateway uses one Redis, not a cluster.

When Redis cannot be reached every operation raises `StateUnavailable` at once, and for a
second after a failure no command is even tried, so a hung Redis costs one timeout per
second, not one per call. The first failure and the recovery are logged once each, and
`aggregator_state_backend_up` follows them.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import redis.asyncio
from redis.exceptions import RedisError

from service.core.errors import StateUnavailable
from service.observability import metrics
from service.state.windows import WindowRefusal, WindowSlot

logger = logging.getLogger(__name__)

PAUSE_AFTER_FAILURE_SECONDS = 1.0
"""After a failed command, the backend counts as down for this long without trying."""

# Tokens and times are written with 17 significant digits: Lua's default of 14 would round
# the seconds of the epoch to a tenth of a millisecond.
_BUCKET_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or burst
local updated = tonumber(state[2]) or now
if now > updated then
  tokens = math.min(burst, tokens + (now - updated) * rate)
  updated = now
end
local wait = false
if tokens >= 1 - 1e-9 then
  tokens = tokens - 1
else
  wait = string.format('%.17g', (1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
  'updated', string.format('%.17g', updated))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return wait
"""

# Times are in milliseconds of Redis's clock. A member is the time and a nonce of the call, so
# two calls in the same microsecond are two members. Returns false when counted, else the
# (1-based) key that was full and the seconds until every window has room.
_WINDOWS_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local full = false
local wait = 0
for i, key in ipairs(KEYS) do
  local max_calls = tonumber(ARGV[2 * i - 1])
  local window = tonumber(ARGV[2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.17g', now - window))
  local count = redis.call('ZCARD', key)
  if count >= max_calls then
    local oldest = redis.call('ZRANGE', key, count - max_calls, count - max_calls, 'WITHSCORES')
    local until_room = tonumber(oldest[2]) + window - now
    if not full or until_room > wait then
      full = i
      wait = until_room
    end
  end
end
if full then
  return {full, string.format('%.17g', wait / 1000)}
end
local member = string.format('%.17g', now) .. ':' .. ARGV[#ARGV]
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, string.format('%.17g', now), member)
  redis.call('PEXPIRE', key, ARGV[2 * i])
end
return false
"""

_CLAIM_SCRIPT = """
local existing = redis.call('GET', KEYS[1])
if existing then
  return existing
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
"""

Result = TypeVar("Result")


class RedisState:
    """State in Redis, shared by every replica that uses the same Redis and state secret."""

    name = "redis"

    def __init__(
        self,
        client: redis.asyncio.Redis,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._clock = clock
        self._take_token = client.register_script(_BUCKET_SCRIPT)
        self._claim = client.register_script(_CLAIM_SCRIPT)
        self._take_slots = client.register_script(_WINDOWS_SCRIPT)
        self._down_until: float | None = None
        self._up = True
        metrics.STATE_BACKEND_UP.set(1)

    async def take_token(self, key: str, rate_per_second: float, burst: float) -> float | None:
        # The bucket is full again after burst / rate: from then on it may as well not exist.
        expire_ms = math.ceil(burst / rate_per_second * 1000) + 1000
        wait = await self._run(
            "rate_limit",
            lambda: self._take_token(keys=[key], args=[rate_per_second, burst, expire_ms]),
        )
        return None if wait is None else float(wait)

    async def take_slots(self, slots: Sequence[WindowSlot]) -> WindowRefusal | None:
        if not slots:
            return None
        args: list[str | int] = []
        for slot in slots:
            args += [slot.max_calls, _milliseconds(slot.window_seconds)]
        args.append(secrets.token_hex(8))
        refused = await self._run(
            "call_limit",
            lambda: self._take_slots(keys=[slot.key for slot in slots], args=args),
        )
        if refused is None:
            return None
        index, wait = refused
        return WindowRefusal(int(index) - 1, float(wait))

    async def claim(self, key: str, value: bytes, ttl_seconds: float) -> bytes | None:
        existing = await self._run(
            "claim", lambda: self._claim(keys=[key], args=[value, _milliseconds(ttl_seconds)])
        )
        return None if existing is None else bytes(existing)

    async def get(self, key: str) -> bytes | None:
        value = await self._run("get", lambda: self._client.get(key))
        # The client is made without decode_responses: values come back as bytes.
        return value.encode() if isinstance(value, str) else value

    async def put(self, key: str, value: bytes, ttl_seconds: float) -> None:
        await self._run("put", lambda: self._client.set(key, value, px=_milliseconds(ttl_seconds)))

    async def delete(self, key: str) -> None:
        await self._run("delete", lambda: self._client.delete(key))

    async def ping(self) -> bool:
        """Whether Redis answers now (logged as any other command)."""
        try:
            await self._run("ping", self._client.ping)
        except StateUnavailable:
            return False
        return True

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _run(self, operation: str, command: Callable[[], Awaitable[Result]]) -> Result:
        now = self._clock()
        if self._down_until is not None and now < self._down_until:
            metrics.STATE_BACKEND_ERRORS.labels(operation).inc()
            raise _unavailable(self._down_until - now)
        try:
            result = await command()
        except (RedisError, OSError) as exc:
            metrics.STATE_BACKEND_ERRORS.labels(operation).inc()
            self._down_until = self._clock() + PAUSE_AFTER_FAILURE_SECONDS
            if self._up:
                self._up = False
                metrics.STATE_BACKEND_UP.set(0)
                # The exception's class only: redis-py's messages name hosts and ports.
                logger.warning(
                    "shared state backend redis is unreachable (%s): rate limits are enforced "
                    "per process, reads with a max_age are served live and calls with an "
                    "idempotency key fail with UNAVAILABLE until it is back",
                    type(exc).__name__,
                )
            raise _unavailable(PAUSE_AFTER_FAILURE_SECONDS) from exc
        self._down_until = None
        if not self._up:
            self._up = True
            metrics.STATE_BACKEND_UP.set(1)
            logger.info("shared state backend redis is reachable again: limits are shared")
        return result


def _milliseconds(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


def _unavailable(retry_after_seconds: float) -> StateUnavailable:
    return StateUnavailable("The gateway's shared state store is unreachable.", retry_after_seconds)
