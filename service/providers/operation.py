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

An RPC that needs several exchanges (a confirmed cancel reads the order after cancelling it;
a list turns page tokens into cursors and back) is a `Workflow`: a function of the client and
the RPC request, made of operations and `exchange` calls; `serve` runs either.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Literal, Protocol, TypeVar

from google.protobuf.message import Message

from service.providers.upstream import UpstreamCall, UpstreamResponse

RpcRequest = TypeVar("RpcRequest", bound=Message)
RpcResponse = TypeVar("RpcResponse", bound=Message)
Answer = TypeVar("Answer")
WorkflowRequest = TypeVar("WorkflowRequest", bound=Message, contravariant=True)
WorkflowResponse = TypeVar("WorkflowResponse", bound=Message, covariant=True)


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
    headers: tuple[tuple[str, str], ...] = ()
    """Headers of this request beyond the provider's own (a user's credential, say)."""


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


class Workflow(Protocol[WorkflowRequest, WorkflowResponse]):
    """An RPC served by several upstream exchanges, in the provider's own order."""

    async def __call__(
        self, client: ProviderClient, request: WorkflowRequest
    ) -> WorkflowResponse: ...


Serving = Operation[RpcRequest, Any, RpcResponse] | Workflow[RpcRequest, RpcResponse]
"""How a provider serves one RPC: one operation, or a workflow."""


async def serve(
    serving: Serving[RpcRequest, RpcResponse], client: ProviderClient, request: RpcRequest
) -> RpcResponse:
    if isinstance(serving, Operation):
        return await run(serving, client, request)
    return await serving(client, request)


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
    """How an RPC is served and its request, to run beside others with `run_together`."""

    serving: Serving[Any, Any]
    request: Message


async def run_together(client: ProviderClient, steps: Sequence[Step]) -> list[Message]:
    """The responses of `steps`, in order; the first failure fails them all.

    Operations whose upstream requests and readers are equal share one exchange; workflows run
    on their own.
    """
    jobs: dict[tuple[object, ...], asyncio.Future[Any]] = {}
    keys: list[tuple[object, ...]] = []
    for index, step in enumerate(steps):
        serving = step.serving
        if isinstance(serving, Operation):
            upstream_request = serving.build(step.request)
            key: tuple[object, ...] = (serving.call, upstream_request, serving.read)
            if key not in jobs:
                jobs[key] = asyncio.ensure_future(
                    client.exchange(serving.call, upstream_request, serving.read)
                )
        else:
            key = ("workflow", index)
            jobs[key] = asyncio.ensure_future(serving(client, step.request))
        keys.append(key)
    try:
        answers = dict(zip(jobs, await asyncio.gather(*jobs.values()), strict=True))
    finally:
        # The first failure fails the entry; the other requests are not worth finishing.
        for job in jobs.values():
            job.cancel()
    received_at = datetime.now(UTC)
    return [
        step.serving.convert(answers[key], received_at)
        if isinstance(step.serving, Operation)
        else answers[key]
        for step, key in zip(steps, keys, strict=True)
    ]
