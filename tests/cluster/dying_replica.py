"""A stand-in replica that dies after reading a cancel: `python -m tests.cluster.dying_replica
--port PORT --record FILE`.

A real gRPC server (health SERVING for the gateway's service name, so Envoy routes to it) whose
CancelOrder appends the request's order id to FILE, flushes it to disk, and kills its own
process with SIGKILL before answering anything, not even headers: the case where Envoy cannot
tell whether the call took effect, and a retrying proxy would send the cancel again.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from aggregator.v1.aggregator_service_pb2 import CancelOrderRequest, CancelOrderResponse
from service.process.server import SERVICE_NAME

CANCEL_METHOD = "CancelOrder"


async def serve(port: int, record: Path) -> None:
    async def cancel(request: CancelOrderRequest, _: grpc.aio.ServicerContext) -> None:
        with record.open("a") as file:
            file.write(f"{request.order_id}\n")
            file.flush()
            os.fsync(file.fileno())
        os.kill(os.getpid(), signal.SIGKILL)

    handler = grpc.method_handlers_generic_handler(
        SERVICE_NAME,
        {
            CANCEL_METHOD: grpc.unary_unary_rpc_method_handler(
                cancel,
                request_deserializer=CancelOrderRequest.FromString,
                response_serializer=CancelOrderResponse.SerializeToString,
            )
        },
    )
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((handler,))
    checks = health.aio.HealthServicer()
    await checks.set(SERVICE_NAME, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(checks, server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", type=Path, required=True)
    arguments = parser.parse_args()
    asyncio.run(serve(arguments.port, arguments.record))


if __name__ == "__main__":
    main()
