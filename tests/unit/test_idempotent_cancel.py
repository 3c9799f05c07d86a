"""Idempotent cancels: at most one send per caller, connection and key, whatever happens."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from google.rpc import code_pb2, error_details_pb2

from aggregator.v1.aggregator_service_pb2 import CancelOrderRequest, CancelOrderResponse
from aggregator.v1.connection_pb2 import Connection, MeshConnection
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from service.core import rpc_context
from service.core.envelope import Envelope
from service.core.errors import (
    FieldViolation,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    IdempotentOutcomeUnknown,
    InvalidRequest,
    RecordedFailure,
    StateUnavailable,
    UpstreamContext,
    UpstreamOutcomeUnknown,
)
from service.rpc.idempotent_cancel import OWNER_SLACK_SECONDS, IdempotentCancels
from service.rpc.status import to_rpc_status
from service.state import InProcessState, KeyedDigests, Sealer

TOKEN = "alice-token-secret"
KEY = "7b0c5a6e-order-1-cancel"
Result = TypeVar("Result")


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def cancel_request(
    token: str = TOKEN, key: str = KEY, order_id: str = "order-1"
) -> CancelOrderRequest:
    return CancelOrderRequest(
        connection=Connection(
            mesh=MeshConnection(institution=Institution.INSTITUTION_ROBINHOOD, auth_token=token)
        ),
        order_id=order_id,
        idempotency_key=key,
    )


class Upstream:
    """A send that counts what reached the provider, as `UpstreamHttp` flags it."""

    def __init__(self) -> None:
        self.sent = 0
        self.failure: Exception | None = None
        self.gate: asyncio.Event | None = None
        self.reached = asyncio.Event()

    async def __call__(self, request: CancelOrderRequest) -> CancelOrderResponse:
        rpc = rpc_context.current()
        assert rpc is not None
        rpc.side_effect_may_have_reached = True
        self.sent += 1
        self.reached.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        return CancelOrderResponse(
            result=ResultEnvelope(status=ResultStatus.RESULT_STATUS_OK, message=f"#{self.sent}")
        )


async def as_rpc(work: Callable[[], Awaitable[Result]], caller: str = "anonymous") -> Result:
    """`work` inside an RPC's context, with a deadline, as the boundary runs handlers."""
    context = rpc_context.RequestContext("r", "/CancelOrder", caller)
    with rpc_context.serving(context), rpc_context.deadline_in(5):
        return await work()


class Harness:
    def __init__(self) -> None:
        self.clock = Clock()
        self.backend = InProcessState()
        self.upstream = Upstream()
        self.cancels = self.replica()

    def replica(self, sealer_key: bytes = bytes(32)) -> IdempotentCancels:
        return IdempotentCancels(
            self.backend, KeyedDigests(bytes(32)), Sealer(sealer_key), 86400, 15, self.clock
        )

    async def cancel(
        self,
        request: CancelOrderRequest,
        caller: str = "anonymous",
        cancels: IdempotentCancels | None = None,
    ) -> CancelOrderResponse:
        chosen = cancels or self.cancels
        return await as_rpc(lambda: chosen.cancel(request, caller, self.upstream), caller)


@pytest.fixture
def harness() -> Harness:
    return Harness()


async def test_a_cancel_without_a_key_is_sent_every_time(harness: Harness) -> None:
    for _ in range(3):
        await harness.cancel(cancel_request(key=""))

    assert harness.upstream.sent == 3


async def test_a_repeat_on_another_replica_gets_the_recorded_answer_and_sends_nothing(
    harness: Harness,
) -> None:
    first = await harness.cancel(cancel_request())
    again = await harness.cancel(cancel_request(), cancels=harness.replica())

    assert again == first
    assert harness.upstream.sent == 1


async def test_the_same_key_with_another_request_is_an_invalid_argument(
    harness: Harness,
) -> None:
    await harness.cancel(cancel_request())

    with pytest.raises(IdempotencyKeyReused) as raised:
        await harness.cancel(cancel_request(order_id="order-2"))
    assert raised.value.violations[0].field == "idempotency_key"
    assert harness.upstream.sent == 1


async def test_a_repeat_while_the_first_is_in_flight_is_aborted_then_answered(
    harness: Harness,
) -> None:
    harness.upstream.gate = asyncio.Event()
    first = asyncio.ensure_future(harness.cancel(cancel_request()))
    await harness.upstream.reached.wait()

    with pytest.raises(IdempotencyKeyInFlight):
        await harness.cancel(cancel_request())
    harness.upstream.gate.set()
    answer = await first

    assert await harness.cancel(cancel_request()) == answer
    assert harness.upstream.sent == 1


async def test_an_error_is_recorded_with_its_details_and_answered_again(
    harness: Harness,
) -> None:
    failure = UpstreamOutcomeUnknown(
        "Mesh did not answer in time.", UpstreamContext("mesh", "cancel_order", 504, Envelope())
    )
    harness.upstream.failure = failure
    with pytest.raises(UpstreamOutcomeUnknown):
        await harness.cancel(cancel_request())

    with pytest.raises(RecordedFailure) as replayed:
        await harness.cancel(cancel_request())
    assert replayed.value.status == to_rpc_status(failure)
    assert replayed.value.status.code == code_pb2.UNKNOWN
    assert harness.upstream.sent == 1


async def test_nothing_sent_leaves_the_key_free(harness: Harness) -> None:
    async def refused(request: CancelOrderRequest) -> CancelOrderResponse:
        raise InvalidRequest([FieldViolation("order_id", "is required")])

    with pytest.raises(InvalidRequest):
        await as_rpc(lambda: harness.cancels.cancel(cancel_request(), "anonymous", refused))

    await harness.cancel(cancel_request())
    assert harness.upstream.sent == 1


async def test_a_cancel_interrupted_after_sending_is_answered_unknown_not_sent_again(
    harness: Harness,
) -> None:
    harness.upstream.gate = asyncio.Event()
    first = asyncio.ensure_future(harness.cancel(cancel_request()))
    await harness.upstream.reached.wait()
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first

    with pytest.raises(RecordedFailure) as replayed:
        await harness.cancel(cancel_request())
    info = error_details_pb2.ErrorInfo()
    replayed.value.status.details[0].Unpack(info)
    assert replayed.value.status.code == code_pb2.UNKNOWN
    assert info.reason == IdempotentOutcomeUnknown.reason
    assert harness.upstream.sent == 1


class FailingWrites(InProcessState):
    """A store that goes away after the claim: the outcome cannot be recorded."""

    async def put(self, key: str, value: bytes, ttl_seconds: float) -> None:
        raise StateUnavailable("down", 1.0)


async def test_an_outcome_that_could_not_be_recorded_is_never_sent_again(
    harness: Harness,
) -> None:
    harness.backend = FailingWrites()
    cancels = harness.replica()
    answer = await harness.cancel(cancel_request(), cancels=cancels)

    assert answer.result.status == ResultStatus.RESULT_STATUS_OK
    with pytest.raises(IdempotencyKeyInFlight):
        await harness.cancel(cancel_request(), cancels=cancels)
    # Once the first call's deadline has passed (a replica that died looks the same):
    harness.clock.now += 5 + OWNER_SLACK_SECONDS
    with pytest.raises(IdempotentOutcomeUnknown):
        await harness.cancel(cancel_request(), cancels=cancels)
    assert harness.upstream.sent == 1


class Unreachable(InProcessState):
    async def claim(self, key: str, value: bytes, ttl_seconds: float) -> bytes | None:
        raise StateUnavailable("down", 1.0)


async def test_an_unreachable_store_fails_the_keyed_cancel_before_sending(
    harness: Harness,
) -> None:
    harness.backend = Unreachable()
    cancels = harness.replica()

    with pytest.raises(StateUnavailable) as raised:
        await harness.cancel(cancel_request(), cancels=cancels)
    assert "nothing was sent" in raised.value.message
    assert harness.upstream.sent == 0
    await harness.cancel(cancel_request(key=""), cancels=cancels)
    assert harness.upstream.sent == 1


async def test_keys_are_scoped_to_the_caller_and_the_connection(harness: Harness) -> None:
    await harness.cancel(cancel_request(), caller="orders-service")
    await harness.cancel(cancel_request(), caller="other-service")
    await harness.cancel(cancel_request(token="bob-token"), caller="orders-service")

    assert harness.upstream.sent == 3


async def test_a_record_sealed_under_another_secret_is_unknown_not_sent_again(
    harness: Harness,
) -> None:
    await harness.cancel(cancel_request())

    with pytest.raises(IdempotentOutcomeUnknown):
        await harness.cancel(cancel_request(), cancels=harness.replica(bytes(range(32))))
    assert harness.upstream.sent == 1


async def test_the_store_holds_neither_the_token_nor_the_key(harness: Harness) -> None:
    await harness.cancel(cancel_request())

    stored = b"".join(key.encode() + value for key, (_, value) in harness.backend._values.items())
    assert stored
    for secret in (TOKEN, KEY, "order-1"):
        assert secret.encode() not in stored
