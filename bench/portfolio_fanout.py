"""How long a 50-connection portfolio takes against one connection's time, when every upstream
answer takes 100 ms. The goal is a ratio close to 1 (connections fetched concurrently), not 50.

Run: .venv/bin/python -m bench.portfolio_fanout
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import time

import grpc

from aggregator.v1.aggregator_service_pb2 import GetPortfolioRequest
from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from service.config import Settings
from service.server import running_gateway
from tests.e2e import requests
from tests.faults.upstream import FaultyUpstream, Reply

UPSTREAM_DELAY_SECONDS = 0.1
ROUNDS = 7


async def timed_portfolio(stub: AggregatorServiceStub, size: int, round_number: int) -> float:
    # Distinct tokens per round and connection, so no request is coalesced with another.
    connections = [requests.mesh(f"user-{round_number}-{n}") for n in range(size)]
    started = time.perf_counter()
    response = await stub.GetPortfolio(GetPortfolioRequest(connections=connections), timeout=30)
    elapsed = time.perf_counter() - started
    assert response.summary.succeeded == size, response.summary
    return elapsed


def serve_upstream(urls: multiprocessing.Queue[str]) -> None:
    """The slow upstream, in its own process so it does not take the gateway's CPU."""

    async def serve() -> None:
        upstream = FaultyUpstream(default=Reply(delay=UPSTREAM_DELAY_SECONDS))
        await upstream.start()
        urls.put(upstream.url)
        await asyncio.Event().wait()

    asyncio.run(serve())


async def main() -> None:
    urls: multiprocessing.Queue[str] = multiprocessing.Queue()
    upstream = multiprocessing.Process(target=serve_upstream, args=(urls,), daemon=True)
    upstream.start()
    settings = Settings(
        aggregator_listen="127.0.0.1:0",
        mesh_base_url=urls.get(timeout=30),
        mesh_client_id="bench",
        mesh_client_secret="bench",  # type: ignore[arg-type]
    )
    try:
        async with running_gateway(settings) as gateway:
            channel = grpc.aio.insecure_channel(f"127.0.0.1:{gateway.port}")
            stub = AggregatorServiceStub(channel)
            await timed_portfolio(stub, 1, -1)
            one = [await timed_portfolio(stub, 1, n) for n in range(ROUNDS)]
            fifty = [await timed_portfolio(stub, 50, n + ROUNDS) for n in range(ROUNDS)]
            await channel.close()
    finally:
        upstream.terminate()
    one_median, fifty_median = statistics.median(one), statistics.median(fifty)
    print(f"upstream delay per answer: {UPSTREAM_DELAY_SECONDS * 1000:.0f} ms")
    print(f"1 connection:   median {one_median * 1000:.1f} ms over {ROUNDS} runs")
    print(f"50 connections: median {fifty_median * 1000:.1f} ms over {ROUNDS} runs")
    print(f"ratio 50/1: {fifty_median / one_median:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
