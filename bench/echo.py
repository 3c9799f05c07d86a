"""Ceiling A: a no-op grpc.aio server answering GetHoldingsValue with a fixed response, the
most any Python gRPC handler can do on this machine (uvloop, as the gateway).

Run: .venv/bin/python -m bench.echo --port 50061
"""

from __future__ import annotations

import argparse

import grpc
import uvloop

from aggregator.v1.aggregator_service_pb2 import GetHoldingsValueResponse

ANSWER = GetHoldingsValueResponse(total_value="186.03", fiat_value="20.2").SerializeToString()


async def echo(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    return ANSWER


async def serve(port: int) -> None:
    server = grpc.aio.server()
    handler = grpc.method_handlers_generic_handler(
        "aggregator.v1.AggregatorService",
        {"GetHoldingsValue": grpc.unary_unary_rpc_method_handler(echo)},
    )
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    uvloop.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
