"""Idempotent CancelOrder: a cancel that carries an `idempotency_key` is sent at most once per
caller, connection and key, on whichever replica it lands.

The record of a key lives in the shared state backend under a keyed digest of the caller's
name, the connection (its credentials included) and the key; the request is known by a keyed
digest of every field but the key. Records are sealed (AES-GCM) before they are stored.

- First call: the record "in progress" is claimed atomically (one winner across replicas),
  the cancel is sent once, and its outcome, the response or the error status with its
  details (a serialized `google.rpc.Status`), replaces the record for the retention time.
  When nothing with side effects reached the upstream (an invalid request, an open circuit,
  a connection refused), nothing happened: the record is dropped and the key stays free.
- A repeat with the same key and request: the recorded outcome, and nothing is sent. While
  the first is still in flight: `ABORTED` at once (rather than waiting: a waiting call holds
  its caller's deadline and a slot for an answer the caller can fetch by retrying). When the
  first call's deadline has passed with no outcome recorded (its replica died, or the store
  failed after the cancel was sent): `UNKNOWN`, never a second send.
- The same key with another request: `INVALID_ARGUMENT`.
- The store unreachable: `UNAVAILABLE` before anything is sent.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from google.rpc import status_pb2

from aggregator.v1.aggregator_service_pb2 import CancelOrderRequest, CancelOrderResponse
from service.core import rpc_context
from service.core.errors import (
    GatewayError,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    IdempotentOutcomeUnknown,
    RecordedFailure,
    StateUnavailable,
)
from service.observability import metrics
from service.rpc.status import to_rpc_status
from service.state.backend import StateBackend
from service.state.keys import KeyedDigests
from service.state.sealing import Sealer

logger = logging.getLogger(__name__)

METHOD = "CancelOrder"
IN_FLIGHT_RETRY_SECONDS = 1.0
"""The `RetryInfo` of a repeat that came while the first call was in flight."""
OWNER_SLACK_SECONDS = 5.0
"""Added to the first call's deadline before its silence counts as an unknown outcome: room
for replicas' clocks to differ."""

_UNAVAILABLE = (
    "The gateway cannot reach its shared state store, so it cannot make sure this cancel is "
    "sent only once: nothing was sent. Try again shortly with the same idempotency key."
)
_ENDED_UNKNOWN = (
    "An earlier call with this idempotency key ended without a recorded outcome: the cancel "
    "may have reached the provider, so it is not sent again. Check the order's status "
    "(GetOrder) before trying a new key."
)
_UNREADABLE = (
    "A record of this idempotency key exists but cannot be read (the gateway's state secret "
    "may have changed): the cancel is not sent again. Check the order's status (GetOrder)."
)

SendCancel = Callable[[CancelOrderRequest], Awaitable[CancelOrderResponse]]


@dataclass(frozen=True)
class _Record:
    state: Literal["in_progress", "succeeded", "failed"]
    request: str
    """The keyed digest of the request without its key, in hex."""
    until: float = 0.0
    """In progress: the wall-clock time after which the first call cannot be running."""
    outcome: bytes = b""
    """The serialized `CancelOrderResponse` or `google.rpc.Status`."""

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "state": self.state,
                "request": self.request,
                "until": self.until,
                "outcome": base64.b64encode(self.outcome).decode(),
            }
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> _Record | None:
        try:
            fields = json.loads(data)
            record = cls(
                state=fields["state"],
                request=str(fields["request"]),
                until=float(fields["until"]),
                outcome=base64.b64decode(fields["outcome"], validate=True),
            )
        except (ValueError, KeyError, TypeError):
            return None
        return record if record.state in ("in_progress", "succeeded", "failed") else None


class IdempotentCancels:
    """Runs keyed cancels at most once; a cancel without a key is simply sent."""

    def __init__(
        self,
        backend: StateBackend,
        digests: KeyedDigests,
        sealer: Sealer,
        retention_seconds: float,
        default_deadline_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._backend = backend
        self._digests = digests
        self._sealer = sealer
        self._retention = retention_seconds
        self._default_deadline = default_deadline_seconds
        self._clock = clock

    async def cancel(
        self, request: CancelOrderRequest, caller: str, send: SendCancel
    ) -> CancelOrderResponse:
        if not request.idempotency_key:
            return await send(request)
        key = self._digests.state_key(
            "cancel",
            caller.encode(),
            request.connection.SerializeToString(deterministic=True),
            request.idempotency_key.encode(),
        )
        unkeyed = CancelOrderRequest()
        unkeyed.CopyFrom(request)
        unkeyed.ClearField("idempotency_key")
        fingerprint = self._digests.digest(unkeyed.SerializeToString(deterministic=True)).hex()
        time_left = rpc_context.time_left()
        running_for = self._default_deadline if time_left is None else max(0.0, time_left)
        claim = _Record("in_progress", fingerprint, until=self._clock() + running_for)
        try:
            existing = await self._backend.claim(key, self._seal(claim, key), self._retention)
        except StateUnavailable as unavailable:
            _count("unavailable")
            raise StateUnavailable(_UNAVAILABLE, unavailable.retry_after_seconds) from None
        if existing is not None:
            return self._replay(existing, key, fingerprint)
        _count("sent")
        return await self._send_once(request, send, key, fingerprint)

    async def _send_once(
        self, request: CancelOrderRequest, send: SendCancel, key: str, fingerprint: str
    ) -> CancelOrderResponse:
        try:
            response = await send(request)
        except GatewayError as error:
            await self._settle(key, _Record("failed", fingerprint, outcome=_status_of(error)))
            raise
        except BaseException:
            # Cancelled (by the caller or the deadline) or a bug: whatever was sent, its
            # answer is lost.
            unknown = to_rpc_status(IdempotentOutcomeUnknown(_ENDED_UNKNOWN))
            settling = self._settle(
                key, _Record("failed", fingerprint, outcome=unknown.SerializeToString())
            )
            await asyncio.shield(asyncio.ensure_future(settling))
            raise
        await self._settle(
            key, _Record("succeeded", fingerprint, outcome=response.SerializeToString())
        )
        return response

    async def _settle(self, key: str, outcome: _Record) -> None:
        """Record the outcome; or free the key, when nothing with side effects was sent."""
        rpc = rpc_context.current()
        try:
            if rpc is not None and not rpc.side_effect_may_have_reached:
                await self._backend.delete(key)
            else:
                await self._backend.put(key, self._seal(outcome, key), self._retention)
        except StateUnavailable:
            # The claim stays "in progress": repeats are ABORTED until the first call's
            # deadline, then UNKNOWN. Never a second send.
            metrics.IDEMPOTENT_RECORD_FAILURES.labels(METHOD).inc()
            logger.warning(
                "the outcome of a keyed %s could not be recorded: the shared state store is "
                "unreachable; repeats of it will be answered UNKNOWN",
                METHOD,
            )

    def _replay(self, sealed: bytes, key: str, fingerprint: str) -> CancelOrderResponse:
        opened = self._sealer.open(sealed, key)
        record = None if opened is None else _Record.from_bytes(opened)
        if record is None:
            _count("unknown")
            raise IdempotentOutcomeUnknown(_UNREADABLE)
        if record.request != fingerprint:
            _count("reused")
            raise IdempotencyKeyReused()
        if record.state == "in_progress":
            if self._clock() < record.until + OWNER_SLACK_SECONDS:
                _count("in_flight")
                raise IdempotencyKeyInFlight(IN_FLIGHT_RETRY_SECONDS)
            _count("unknown")
            raise IdempotentOutcomeUnknown(_ENDED_UNKNOWN)
        _count("replayed")
        if record.state == "succeeded":
            return CancelOrderResponse.FromString(record.outcome)
        raise RecordedFailure(status_pb2.Status.FromString(record.outcome))

    def _seal(self, record: _Record, key: str) -> bytes:
        return self._sealer.seal(record.to_bytes(), key)


def _status_of(error: GatewayError) -> bytes:
    status: bytes = to_rpc_status(error).SerializeToString()
    return status


def _count(outcome: str) -> None:
    metrics.IDEMPOTENT_CALLS.labels(METHOD, outcome).inc()
