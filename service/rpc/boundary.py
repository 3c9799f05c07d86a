"""The RPC boundary: gateway errors become statuses, and each RPC is logged once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

import grpc
from google.protobuf.message import Message

from service.auth.authorizer import Authorizer
from service.core.errors import DeadlineExceeded, GatewayError, UpstreamOutcomeUnknown
from service.core.rpc_context import (
    RequestContext,
    deadline_in,
    request_id_from,
    serving,
    within_deadline,
)
from service.observability import metrics
from service.observability.redaction import request_secrets
from service.rpc.status import code_of, internal_error_status, to_grpc_status
from service.version import VERSION

logger = logging.getLogger("service.rpc")

VERSION_METADATA = (("aggregator-version", VERSION),)
"""Sent with every response, so a caller (or a proxy's log) sees which release answered."""


Request = TypeVar("Request")
Response = TypeVar("Response")
Handler = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]
StreamHandler = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], AsyncIterator[Any]]


class RpcBoundary(grpc.aio.ServerInterceptor):
    """Runs each RPC within its deadline, maps its errors, and logs it once.

    The deadline is the caller's remaining time (or `default_deadline` when the caller set
    none) less `margin`, so the gateway answers before the caller gives up.
    """

    def __init__(
        self,
        default_deadline: float,
        margin: float,
        authorizer: Authorizer,
        describe: Callable[[Message], tuple[str, str]],
    ) -> None:
        self._default_deadline = default_deadline
        self._margin = margin
        self._authorizer = authorizer
        self._describe = describe
        """The provider(s) and institution a request names, for its log line."""

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
        # grpc.aio runs coroutine and async-generator handlers though the types name sync ones.
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                self._guarded(method, cast(Handler, handler.unary_unary)),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(
                self._guarded_stream(method, cast(StreamHandler, handler.unary_stream)),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler

    def _guarded(self, method: str, behaviour: Handler) -> Handler:
        async def guarded(request: Message, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            try:
                async with self._boundary(method, request, context):
                    return await behaviour(request, context)
            except _Failed as failed:
                status = failed.status
            await context.abort_with_status(status)

        return guarded

    def _guarded_stream(self, method: str, behaviour: StreamHandler) -> StreamHandler:
        async def guarded(
            request: Message, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            try:
                async with self._boundary(method, request, context):
                    async for response in behaviour(request, context):
                        yield response
                return
            except _Failed as failed:
                status = failed.status
            await context.abort_with_status(status)

        return guarded

    @asynccontextmanager
    async def _boundary(
        self, method: str, request: Message, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[None]:
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        metadata = tuple(context.invocation_metadata() or ())
        rpc = RequestContext(request_id_from(metadata), method)
        remaining = context.time_remaining()
        budget = (self._default_deadline if remaining is None else remaining) - self._margin
        metrics.RPCS_IN_FLIGHT.labels(method).inc()
        with request_secrets(request), deadline_in(budget), serving(rpc):
            try:
                await context.send_initial_metadata(VERSION_METADATA)
                rpc.caller = self._authorizer.authorize(method, metadata, context.auth_context())
                # A backstop: the work inside ends at the deadline with a precise error.
                async with within_deadline(_deadline_exceeded, slack=max(self._margin / 2, 0.005)):
                    yield
            except asyncio.CancelledError:
                code = grpc.StatusCode.CANCELLED
                raise
            except GatewayError as error:
                code = code_of(error)
                if isinstance(error, UpstreamOutcomeUnknown):
                    logger.warning("%s outcome unknown: %s", method, error.message)
                raise _Failed(to_grpc_status(error)) from None
            except Exception:
                code = grpc.StatusCode.INTERNAL
                logger.exception("unexpected failure in %s", method)
                raise _Failed(internal_error_status()) from None
            finally:
                elapsed = time.perf_counter() - started
                provider, institution = self._describe(request)
                metrics.RPCS_IN_FLIGHT.labels(method).dec()
                metrics.RPCS.labels(method, code.name).inc()
                metrics.RPC_SECONDS.labels(method).observe(elapsed)
                fields = {
                    "method": method,
                    "provider": provider,
                    "code": code.name,
                    "duration_ms": round(elapsed * 1000, 1),
                    "institution": institution,
                    "caller": rpc.caller,
                    "attempts": rpc.attempts,
                }
                logger.info(
                    "rpc " + " ".join(f"{name}=%s" for name in fields),
                    *fields.values(),
                    extra=fields,
                )


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
