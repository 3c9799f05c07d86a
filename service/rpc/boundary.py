"""The RPC boundary: requests are decoded and bounded, gateway errors become statuses, and
each RPC is logged once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar, cast

import grpc
from google.protobuf import any_pb2, descriptor_pool
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import DecodeError, Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from service.auth.authorizer import Authorizer
from service.core.errors import (
    DeadlineExceeded,
    GatewayError,
    GatewayOverloaded,
    InvalidRequest,
    UpstreamError,
    UpstreamOutcomeUnknown,
)
from service.core.limits import FieldLimits, size_within_limits, violations
from service.core.rpc_context import (
    RequestContext,
    deadline_in,
    request_id_from,
    serving,
    within_deadline,
)
from service.observability import metrics
from service.observability.redaction import redacted_record, request_secrets
from service.rpc.status import GATEWAY_DOMAIN, code_of, internal_error_status, to_grpc_status
from service.state.buckets import TokenBucket
from service.version import VERSION

logger = logging.getLogger("service.rpc")

MALFORMED_REASON = "MALFORMED_REQUEST"
MALFORMED_REPORT_INTERVAL_SECONDS = 60.0
"""Each caller's undecodable requests are logged at most once per interval, with a count."""

VERSION_METADATA = (("aggregator-version", VERSION),)
"""Sent with every response, so a caller (or a proxy's log) sees which release answered."""

OVERLOADED_RETRY_SECONDS = 1.0
"""The RetryInfo delay of an RPC turned away because too many are in flight."""

EXEMPT_FROM_ADMISSION = "/grpc."
"""grpc's own services (health, reflection) are always admitted: a probe must not fail, and
restart the process, because the process is busy."""


_RPC_FIELDS = ("method", "provider", "code", "duration_ms", "institution", "caller", "attempts")
_RPC_LINE = "rpc " + " ".join(f"{name}=%s" for name in _RPC_FIELDS)
_FAILED_RPC_LINE = f"{_RPC_LINE} upstream_request_id=%s"


Request = TypeVar("Request")
Response = TypeVar("Response")
Handler = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]
StreamHandler = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], AsyncIterator[Any]]
Deserializer = Callable[[bytes], Any]


class RpcBoundary(grpc.aio.ServerInterceptor):
    """Runs each RPC within its deadline, maps its errors, and logs it once.

    The caller is authorized first; then the request is decoded here rather than by grpc (whose
    answer to undecodable bytes is UNKNOWN naming a Python exception, with a logged traceback
    per call) and checked against `limits`, before any handler logic, so neither an undecodable
    nor an oversized request reaches an upstream.

    The deadline is the caller's remaining time (or `default_deadline` when the caller set
    none) less `margin`, so the gateway answers before the caller gives up.
    """

    def __init__(
        self,
        default_deadline: float,
        margin: float,
        authorizer: Authorizer,
        describe: Callable[[Message], tuple[str, str]],
        limits: FieldLimits,
        max_in_flight: int,
    ) -> None:
        self._default_deadline = default_deadline
        self._margin = margin
        self._authorizer = authorizer
        self._describe = describe
        """The provider(s) and institution a request names, for its log line."""
        self._limits = limits
        self._size_within_limits: dict[str, int] = {}
        """Each method's request size up to which no value can be over its limit."""
        self._malformed_reports = OncePerInterval(MALFORMED_REPORT_INTERVAL_SECONDS)
        self._wrapped: dict[str, tuple[object, grpc.RpcMethodHandler[Any, Any]]] = {}
        """Each method's handler as wrapped here, beside the handler it wraps: grpc asks the
        interceptor for every call, and the wrapping is the same while the handler is."""
        self._metrics: dict[str, metrics.MethodMetrics] = {}
        self._max_in_flight = max_in_flight
        self._in_flight = 0
        self._overload_reports = OncePerInterval(MALFORMED_REPORT_INTERVAL_SECONDS)

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Request, Response] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Request, Response] | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
        if self._in_flight >= self._max_in_flight and not method.startswith(EXEMPT_FROM_ADMISSION):
            self._report_overload()
            return cast("grpc.RpcMethodHandler[Request, Response]", _turned_away(method))
        cached = self._wrapped.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = self._wrap(method, handler)
        self._wrapped[method] = (handler, wrapped)
        return wrapped

    def _wrap(
        self, method: str, handler: grpc.RpcMethodHandler[Request, Response]
    ) -> grpc.RpcMethodHandler[Request, Response]:
        decode = cast(Deserializer | None, handler.request_deserializer)
        # grpc.aio runs coroutine and async-generator handlers though the types name sync ones.
        # Without a deserializer grpc hands over the request's bytes, for the boundary to decode.
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                self._guarded(method, decode, cast(Handler, handler.unary_unary)),
                request_deserializer=None,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(
                self._guarded_stream(method, decode, cast(StreamHandler, handler.unary_stream)),
                request_deserializer=None,
                response_serializer=handler.response_serializer,
            )
        return handler

    def _guarded(self, method: str, decode: Deserializer | None, behaviour: Handler) -> Handler:
        async def guarded(raw: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            try:
                return await self._serve(method, raw, decode, context, behaviour)
            except _Failed as failed:
                status = failed.status
            await context.abort_with_status(status)

        return guarded

    def _guarded_stream(
        self, method: str, decode: Deserializer | None, behaviour: StreamHandler
    ) -> StreamHandler:
        # Written by the handler rather than yielded to grpc, which writes what a generator
        # yields the same way: so a stream is served within the same scope as a unary call.
        async def written(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
            async for response in behaviour(request, context):
                await context.write(response)

        async def guarded(
            raw: bytes, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            try:
                await self._serve(method, raw, decode, context, written)
                return
            except _Failed as failed:
                status = failed.status
            await context.abort_with_status(status)
            # Never reached: it makes this an async generator, which is what interceptors
            # around this one (OpenTelemetry's) iterate a streaming handler as.
            yield

        return guarded

    async def _serve(
        self,
        method: str,
        raw: bytes,
        decode: Deserializer | None,
        context: grpc.aio.ServicerContext[Any, Any],
        behaviour: Handler,
    ) -> Any:
        """`behaviour`'s answer to the request in `raw`, within the RPC's deadline, its errors
        mapped and the RPC logged (a coroutine rather than an `asynccontextmanager`, whose
        entering and leaving cost about 16,000 instructions per RPC)."""
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        upstream_request_id = ""
        request: object = None
        metadata = tuple(context.invocation_metadata() or ())
        rpc = RequestContext(request_id_from(metadata), method)
        remaining = context.time_remaining()
        budget = (self._default_deadline if remaining is None else remaining) - self._margin
        method_metrics = self._metrics.get(method)
        if method_metrics is None:
            method_metrics = self._metrics[method] = metrics.MethodMetrics(method)
        method_metrics.in_flight.inc()
        # `redaction` scrubs the request's secret fields from the logs once it is decoded, up
        # to and including the RPC's last log line.
        with deadline_in(budget), serving(rpc), request_secrets() as redaction:
            try:
                self._in_flight += 1
                await context.send_initial_metadata(VERSION_METADATA)
                authorizer = self._authorizer
                rpc.caller = await authorizer.authorize(
                    method, metadata, context.auth_context() if authorizer.authenticates else {}
                )
                request = self._decoded(method, raw, decode, rpc.caller)
                if isinstance(request, Message):
                    redaction.cover(request)
                    self._check_limits(method, request, len(raw))
                # A backstop: the work inside ends at the deadline with a precise error.
                async with within_deadline(_deadline_exceeded, slack=max(self._margin / 2, 0.005)):
                    return await behaviour(request, context)
            except _Malformed:
                code = grpc.StatusCode.INVALID_ARGUMENT
                raise _Failed(_malformed_status(method)) from None
            except asyncio.CancelledError:
                code = grpc.StatusCode.CANCELLED
                raise
            except GatewayError as error:
                code = code_of(error)
                if isinstance(error, UpstreamError):
                    upstream_request_id = error.context.upstream_request_id
                if isinstance(error, UpstreamOutcomeUnknown):
                    logger.warning("%s outcome unknown: %s", method, error.message)
                raise _Failed(to_grpc_status(error)) from None
            except Exception:
                code = grpc.StatusCode.INTERNAL
                logger.exception("unexpected failure in %s", method)
                raise _Failed(internal_error_status()) from None
            finally:
                elapsed = time.perf_counter() - started
                self._in_flight -= 1
                method_metrics.in_flight.dec()
                method_metrics.calls(code.name).inc()
                method_metrics.seconds.observe(elapsed)
                if logger.isEnabledFor(logging.INFO):
                    self._log(method, request, code, elapsed, rpc, upstream_request_id)

    def _log(
        self,
        method: str,
        request: object,
        code: grpc.StatusCode,
        elapsed: float,
        rpc: RequestContext,
        upstream_request_id: str,
    ) -> None:
        """The RPC's one log line: its fields in the message and, for JSON, as keys."""
        provider, institution = (
            self._describe(request) if isinstance(request, Message) else ("-", "-")
        )
        fields: dict[str, object] = {
            "method": method,
            "provider": provider,
            "code": code.name,
            "duration_ms": round(elapsed * 1000, 1),
            "institution": institution,
            "caller": rpc.caller,
            "attempts": rpc.attempts,
        }
        line = _RPC_LINE
        if upstream_request_id:
            # The upstream's id of the failed request: what its support asks for.
            fields["upstream_request_id"] = upstream_request_id
            line = _FAILED_RPC_LINE
        logger.handle(redacted_record(logger, logging.INFO, line % tuple(fields.values()), fields))

    def _report_overload(self) -> None:
        held_back = self._overload_reports.take("")
        if held_back is not None:
            logger.warning(
                "turning calls away with RESOURCE_EXHAUSTED: %d RPCs in flight "
                "(AGGREGATOR_MAX_RPCS_IN_FLIGHT); %d more turned away since the last report",
                self._in_flight,
                held_back,
            )

    def _decoded(self, method: str, raw: bytes, decode: Deserializer | None, caller: str) -> Any:
        if decode is None:
            return raw
        try:
            return decode(raw)
        except DecodeError:
            metrics.REFUSED_REQUESTS.labels(method, "malformed").inc()
            held_back = self._malformed_reports.take(caller)
            if held_back is not None:
                # No exception and no bytes: they say nothing the counts do not, and a flood of
                # garbage must not become a flood of log lines.
                logger.warning(
                    "malformed request: %s from caller %s is not a valid %s (%d bytes); "
                    "%d more from this caller since its last report",
                    method,
                    caller,
                    _request_type(method),
                    len(raw),
                    held_back,
                )
            raise _Malformed from None

    def _check_limits(self, method: str, request: Message, size: int) -> None:
        """`size` is the request's length as received: every value in it is a part of those
        bytes, and re-encoding it (`ByteSize`) would only say so again."""
        size_within = self._size_within_limits.get(method)
        if size_within is None:
            size_within = size_within_limits(cast(Descriptor, request.DESCRIPTOR), self._limits)
            self._size_within_limits[method] = size_within
        if size <= size_within:
            return
        found = violations(request, self._limits)
        if found:
            metrics.REFUSED_REQUESTS.labels(method, "over_limit").inc()
            raise InvalidRequest(found)


class OncePerInterval:
    """Lets through one report per key (a caller) per interval, and counts those held back."""

    def __init__(
        self, interval_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = 1 / interval_seconds
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._held_back: dict[str, int] = {}

    def take(self, key: str) -> int | None:
        """None when this report is held back; else how many were since the key's last one."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self._rate, 1, self._clock)
        if bucket.try_take() is not None:
            self._held_back[key] = self._held_back.get(key, 0) + 1
            return None
        return self._held_back.pop(key, 0)


@dataclass(frozen=True)
class _Status(grpc.Status):
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, str | bytes], ...]


def _overloaded_status() -> grpc.Status:
    status = to_grpc_status(GatewayOverloaded(OVERLOADED_RETRY_SECONDS))
    return _Status(status.code, status.details, (*status.trailing_metadata, *VERSION_METADATA))


_OVERLOADED = _overloaded_status()
"""Built once: turning a call away must cost far less than serving one, or an overload
spends the process on refusals."""


@lru_cache(maxsize=64)
def _turned_away(method: str) -> grpc.RpcMethodHandler[Any, Any]:
    """A handler that answers at once, unread; one per method, which registered handlers bound."""

    async def turn_away(raw: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        metrics.REFUSED_REQUESTS.labels(method, "overloaded").inc()
        metrics.RPCS.labels(method, grpc.StatusCode.RESOURCE_EXHAUSTED.name).inc()
        await context.abort_with_status(_OVERLOADED)

    return grpc.unary_unary_rpc_method_handler(turn_away)


class _Malformed(Exception):
    """The request's bytes are not an encoding of the method's request message."""


def _malformed_status(method: str) -> grpc.Status:
    status = status_pb2.Status(
        code=code_pb2.INVALID_ARGUMENT,
        message=f"The request is not a valid encoding of {_request_type(method)}; "
        "nothing was done.",
    )
    packed = any_pb2.Any()
    packed.Pack(error_details_pb2.ErrorInfo(reason=MALFORMED_REASON, domain=GATEWAY_DOMAIN))
    status.details.append(packed)
    converted: grpc.Status = rpc_status.to_status(status)
    return converted


def _request_type(method: str) -> str:
    """The full name of the method's request message (`/pkg.Service/Method`), from the
    descriptors the server's services registered."""
    service, _, name = method.strip("/").partition("/")
    try:
        found = descriptor_pool.Default().FindServiceByName(service).methods_by_name[name]
    except KeyError:
        return "the method's request message"
    return str(found.input_type.full_name)


class _Failed(Exception):
    """The status a failed RPC is aborted with, once its error is no longer being handled.

    An abort raised while the error is handled chains that error, and the upstream's
    exceptions and texts behind it, to the abort, and tracing records the chain on the span.
    """

    def __init__(self, status: grpc.Status) -> None:
        super().__init__()
        self.status = status


def _deadline_exceeded() -> DeadlineExceeded:
    return DeadlineExceeded("The deadline ran out before the gateway could answer.")
