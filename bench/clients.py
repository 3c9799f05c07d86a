"""The upstream clients side by side, each in a ceiling-B-style plain handler.

The handler is what any Python gateway must do for `GetHoldingsValue` and nothing more: a
grpc.aio server on uvloop decodes the request, makes one POST upstream with the client under
test, parses the JSON exactly (floats as `Decimal`) and encodes the response. Each client runs
against the fast upstream over plain HTTP and over TLS (a throwaway CA made at run time, which
the client is told to trust), at concurrency 64, with the server pinned as `bench.run` pins
it. CPU ms per call is the figure to rank by: it moves less than calls/s when the machine is
busy. `bench/client_safety.py` says which clients keep the gateway's safety properties.

Serve one handler: .venv/bin/python -m bench.clients --client aiohttp --port P --upstream URL
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

import grpc
import uvloop

from aggregator.v1.aggregator_service_pb2 import GetHoldingsValueRequest, GetHoldingsValueResponse
from bench.candidates import CANDIDATES, Candidate, installed
from bench.environment import VALUE_BODY, Environment
from bench.harness import SERVER_CORE, SERVICE, Server, free_port, pinned, process
from bench.servers import upstream
from bench.tls import loopback_pki

CONCURRENCY = 64
FIELDS = {
    "total_value": "totalValue",
    "total_performance": "totalPerformance",
    "equities_value": "equitiesValue",
    "equities_performance": "equitiesPerformance",
    "cryptocurrencies_value": "cryptocurrenciesValue",
    "cryptocurrencies_performance": "cryptocurrenciesPerformance",
    "nfts_value": "nftsValue",
    "fiat_value": "fiatValue",
}


async def serve(candidate: type[Candidate], port: int, upstream: str, cafile: Path | None) -> None:
    client = candidate(256, 5.0, 10.0, cafile)
    url = f"{upstream}/api/v1/holdings/value"

    async def holdings_value(
        request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]
    ) -> bytes:
        mesh = GetHoldingsValueRequest.FromString(request).connection.mesh
        body = json.dumps({"authToken": mesh.auth_token, "type": "robinhood"}).encode()
        _, raw = await client.post(url, body)
        content = json.loads(raw, parse_float=Decimal)["content"]
        answer = GetHoldingsValueResponse(
            **{field: str(content[key]) for field, key in FIELDS.items() if key in content}
        )
        return answer.SerializeToString()

    server = grpc.aio.server()
    handler = grpc.method_handlers_generic_handler(
        SERVICE.lstrip("/"),
        {"GetHoldingsValue": grpc.unary_unary_rpc_method_handler(holdings_value)},
    )
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


def clients(env: Environment) -> None:
    """Scenario `clients`: every installed client (only the gateway's own, http1, when
    smoke), plain and TLS, at concurrency 64, one row each."""
    directory = env.scratch / "clients-pki"
    directory.mkdir(exist_ok=True)
    pki = loopback_pki(directory)
    with ExitStack() as stack:
        secure = stack.enter_context(upstream(pki=pki))
        for candidate in [CANDIDATES[0]] if env.smoke else installed():
            for base, cafile in ((env.fast, None), (secure, pki.ca_file)):
                port = free_port()
                command = [
                    sys.executable, "-m", "bench.clients", "--client", candidate.name,
                    "--port", str(port), "--upstream", base,
                    *(["--cafile", str(cafile)] if cafile else []),
                ]  # fmt: skip
                with process(pinned(command, SERVER_CORE), port) as pid:
                    _check_answer(port)
                    scheme = base.partition(":")[0]
                    env.bench.load(
                        "clients",
                        f"plain handler, {candidate.name}, {scheme}",
                        Server(pid, f"http://127.0.0.1:{port}"),
                        "GetHoldingsValue",
                        VALUE_BODY,
                        CONCURRENCY,
                    )


def _check_answer(port: int) -> None:
    """One real call first: h2load counts any HTTP 200 as a success, failed calls included."""
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        answer = channel.unary_unary(f"{SERVICE}/GetHoldingsValue")(
            GetHoldingsValueRequest().SerializeToString(), timeout=30
        )
    assert GetHoldingsValueResponse.FromString(answer).total_value == "186.03"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", choices=[c.name for c in CANDIDATES], required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--cafile", type=Path)
    args = parser.parse_args()
    candidate = next(c for c in CANDIDATES if c.name == args.client)
    uvloop.run(serve(candidate, args.port, args.upstream, args.cafile))


if __name__ == "__main__":
    main()
