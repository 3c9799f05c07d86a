"""The one shape of every upstream operation, and the runner that executes it.

An operation is three steps, always under the same names:

- `build`: the RPC request becomes an `UpstreamRequest`, after validating what the operation
  needs (invalid input raises `InvalidRequest` here, before anything is sent);
- exchange: the provider's client sends it under the provider's guard (retries, breaker,
  bulkhead, coalescing) and reads the answer with the operation's `read`, which returns the
  upstream's typed answer or raises the gateway error of a failed call;
- `convert`: the typed answer becomes the RPC response.

`run` executes one operation; `run_together` executes several for one connection and sends
each distinct upstream request once, so a portfolio entry whose holdings and value come from
the same upstream answer makes one request by design.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Literal, Protocol, TypeVar

from google.protobuf.message import Message

from service.providers.upstream import UpstreamCall, UpstreamResponse

RpcRequest = TypeVar("RpcRequest", bound=Message)
RpcResponse = TypeVar("RpcResponse", bound=Message)
Answer = TypeVar("Answer")


@dataclass(frozen=True)
class UpstreamRequest:
    """One upstream HTTP request, before the provider's client adds its base URL and headers.

    Equal requests are the same request: identical reads in flight share one exchange.
    """

    method: Literal["GET", "POST"]
    path: str
    """Already percent-encoded: caller data in a path segment stays one segment."""
    query: tuple[tuple[str, str], ...] = ()
    json_body: bytes | None = None


@dataclass(frozen=True)
class Operation(Generic[RpcRequest, Answer, RpcResponse]):
    """One upstream operation of a provider, serving one RPC."""

    call: UpstreamCall
    build: Callable[[RpcRequest], UpstreamRequest]
    read: Callable[[UpstreamResponse], Answer]
    convert: Callable[[Answer, datetime], RpcResponse]
    """The answer and when it arrived, which dates the response when the upstream does not."""


class ProviderClient(Protocol):
    """The HTTP side of a provider: base URL, credentials and guard of every exchange."""

    async def exchange(
        self,
        call: UpstreamCall,
        request: UpstreamRequest,
        read: Callable[[UpstreamResponse], Answer],
    ) -> Answer: ...


async def run(
    operation: Operation[RpcRequest, Any, RpcResponse],
    client: ProviderClient,
    request: RpcRequest,
) -> RpcResponse:
    upstream_request = operation.build(request)
    answer = await client.exchange(operation.call, upstream_request, operation.read)
    return operation.convert(answer, datetime.now(UTC))


@dataclass(frozen=True)
class Step:
    """An operation and its RPC request, to run beside others with `run_together`."""

    operation: Operation[Any, Any, Any]
    request: Message


async def run_together(client: ProviderClient, steps: Sequence[Step]) -> list[Message]:
    """The responses of `steps`, in order; the first failure fails them all.

    Steps whose upstream requests and readers are equal share one exchange.
    """
    built = [(step, step.operation.build(step.request)) for step in steps]
    exchanges: dict[tuple[object, ...], Awaitable[Any]] = {}
    for step, upstream_request in built:
        key = (step.operation.call, upstream_request, step.operation.read)
        if key not in exchanges:
            exchanges[key] = asyncio.ensure_future(
                client.exchange(step.operation.call, upstream_request, step.operation.read)
            )
    tasks = list(exchanges.values())
    try:
        answers = await asyncio.gather(*tasks)
    finally:
        # The first failure fails the entry; the other requests are not worth finishing.
        for task in tasks:
            if isinstance(task, asyncio.Future):
                task.cancel()
    by_key = dict(zip(exchanges, answers, strict=True))
    received_at = datetime.now(UTC)
    return [
        step.operation.convert(
            by_key[(step.operation.call, upstream_request, step.operation.read)], received_at
        )
        for step, upstream_request in built
    ]
