"""Ceiling B: plain grpc.aio + uvloop handlers that do the one upstream exchange of an RPC and
nothing else, the most a Python handler making that exchange can do on this machine.

Each decodes the request (grpc's deserializer), makes one aiohttp request to the same upstream
and endpoint the gateway calls, parses the JSON exactly (decimals as `Decimal`, never float)
and encodes the response message. No validation, retries, breaker, bulkhead, deadline, auth,
metrics or logs: that is the gateway's machinery, which this measures the gateway against.

- GetHoldingsValue: Mesh `POST /api/v1/holdings/value`.
- CancelOrder: Mesh `POST /api/v1/transactions/cancel`.
- GetHoldings: MoneyKit `GET /links/{id}/investments/holdings`, with a bearer token fetched once
  at start (the gateway caches its token the same way).

An `https://` upstream is verified against the default trust store, which SSL_CERT_FILE sets.

Run: .venv/bin/python -m bench.ceiling_b --port 50062 --mesh URL --moneykit URL
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import aiohttp
import grpc
import uvloop
from google.protobuf import timestamp_pb2

from aggregator.v1 import holdings_pb2
from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    CancelOrderResponse,
    GetHoldingsRequest,
    GetHoldingsResponse,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
)
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from aggregator.v1.source_pb2 import PROVIDER_MESH, PROVIDER_MONEYKIT, DataSource

Context = grpc.aio.ServicerContext[Any, Any]

VALUE_FIELDS = (
    ("totalValue", "total_value"),
    ("totalPerformance", "total_performance"),
    ("equitiesValue", "equities_value"),
    ("equitiesPerformance", "equities_performance"),
    ("cryptocurrenciesValue", "cryptocurrencies_value"),
    ("cryptocurrenciesPerformance", "cryptocurrencies_performance"),
    ("nftsValue", "nfts_value"),
    ("fiatValue", "fiat_value"),
)
OK = ResultEnvelope(status=ResultStatus.RESULT_STATUS_OK)


def exact(text: bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


def decimal_text(value: object) -> str:
    return format(Decimal(value), "f") if isinstance(value, int) else format(value, "f")


def timestamp(text: str | None) -> timestamp_pb2.Timestamp | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return stamp


def now_source(provider: int) -> DataSource:
    stamp = timestamp_pb2.Timestamp()
    stamp.GetCurrentTime()
    return DataSource(provider=provider, as_of=stamp)  # type: ignore[arg-type]


def mesh_type(institution: int) -> str:
    # The bench calls one institution whose Mesh `type` is its enum name in lower case.
    return Institution.Name(institution).removeprefix("INSTITUTION_").lower()  # type: ignore[arg-type]


class PlainHandlers:
    def __init__(self, session: aiohttp.ClientSession, mesh: str, moneykit: str, token: str):
        self._session = session
        self._mesh_headers = {"X-Client-Id": "bench", "X-Client-Secret": "bench-secret"}
        self._value_url = f"{mesh}/api/v1/holdings/value"
        self._cancel_url = f"{mesh}/api/v1/transactions/cancel"
        self._moneykit = moneykit
        self._moneykit_headers = {"Authorization": f"Bearer {token}"}

    async def _mesh(self, url: str, body: dict[str, object], context: Context) -> Any:
        async with self._session.post(url, json=body, headers=self._mesh_headers) as response:
            answer = exact(await response.read())
        if response.status != 200 or answer.get("status") != "ok":
            await context.abort(grpc.StatusCode.UNAVAILABLE, "upstream failed")
        return answer

    async def holdings_value(
        self, request: GetHoldingsValueRequest, context: Context
    ) -> GetHoldingsValueResponse:
        mesh = request.connection.mesh
        body = {"authToken": mesh.auth_token, "type": mesh_type(mesh.institution)}
        content = (await self._mesh(self._value_url, body, context)).get("content") or {}
        response = GetHoldingsValueResponse(
            result=OK, source=now_source(PROVIDER_MESH), currency="USD"
        )
        for wire, name in VALUE_FIELDS:
            value = content.get(wire)
            if value is not None:
                setattr(response, name, decimal_text(value))
        return response

    async def cancel_order(
        self, request: CancelOrderRequest, context: Context
    ) -> CancelOrderResponse:
        mesh = request.connection.mesh
        body = {
            "authToken": mesh.auth_token,
            "type": mesh_type(mesh.institution),
            "id": request.order_id,
            "isCryptocurrency": request.is_cryptocurrency,
        }
        await self._mesh(self._cancel_url, body, context)
        return CancelOrderResponse(result=OK)

    async def get_holdings(
        self, request: GetHoldingsRequest, context: Context
    ) -> GetHoldingsResponse:
        link_id = quote(request.connection.moneykit.link_id, safe="")
        url = f"{self._moneykit}/links/{link_id}/investments/holdings"
        async with self._session.get(url, headers=self._moneykit_headers) as response:
            answer = exact(await response.read())
        if response.status != 200:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "upstream failed")
        return GetHoldingsResponse(
            holdings=[_holding(item) for item in answer["holdings"]],
            securities=[_security(item) for item in answer["securities"]],
            accounts=[_account(item) for item in answer["accounts"]],
            link=_link(answer["link"]),
            result=OK,
            source=now_source(PROVIDER_MONEYKIT),
        )


def _decimals(message: Any, source: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        value = source.get(name)
        if value is not None:
            setattr(message, name, decimal_text(value))


def _holding(source: dict[str, Any]) -> holdings_pb2.Holding:
    holding = holdings_pb2.Holding(
        account_id=source["account_id"],
        security_id=source["security_id"],
        price_datetime=timestamp(source.get("price_datetime")),
    )
    _decimals(holding, source, ("quantity", "price", "value", "cost_basis"))
    return holding


def _security(source: dict[str, Any]) -> holdings_pb2.Security:
    security = holdings_pb2.Security(
        security_id=source["security_id"],
        name=source.get("name") or "",
        type=holdings_pb2.SecurityType.Value(f"SECURITY_TYPE_{source.get('type', '').upper()}")
        if source.get("type")
        else holdings_pb2.SECURITY_TYPE_UNSPECIFIED,
        currency=source.get("currency") or "",
        ticker=source.get("ticker") or "",
        isin=source.get("isin") or "",
        sedol=source.get("sedol") or "",
        close_datetime=timestamp(source.get("close_datetime")),
    )
    _decimals(security, source, ("close_price",))
    return security


def _account(source: dict[str, Any]) -> holdings_pb2.Account:
    account = holdings_pb2.Account(
        account_id=source["account_id"],
        account_type=source.get("account_type") or "",
        name=source.get("name") or "",
        account_mask=source.get("account_mask") or "",
    )
    balances = source.get("balances")
    if balances:
        account.balances.currency = balances.get("currency") or ""
        _decimals(account.balances, balances, ("available", "current", "limit"))
    return account


def _link(source: dict[str, Any]) -> holdings_pb2.Link:
    link = holdings_pb2.Link(
        link_id=source["link_id"],
        institution_id=source.get("institution_id") or "",
        institution_name=source.get("institution_name") or "",
        provider=source.get("provider") or "",
        state=holdings_pb2.LinkState.Value(f"LINK_STATE_{source['state'].upper()}")
        if source.get("state")
        else holdings_pb2.LINK_STATE_UNSPECIFIED,
        last_synced_at=timestamp(source.get("last_synced_at")),
        tags=source.get("tags") or [],
    )
    for name, product in (source.get("products") or {}).items():
        if product:
            link.products[name].refreshed_at.CopyFrom(
                timestamp(product.get("refreshed_at")) or timestamp_pb2.Timestamp()
            )
    return link


async def moneykit_token(session: aiohttp.ClientSession, moneykit: str) -> str:
    form = {"grant_type": "client_credentials", "client_id": "bench", "client_secret": "bench"}
    async with session.post(f"{moneykit}/auth/token", data=form) as response:
        token: str = json.loads(await response.read())["access_token"]
    return token


async def serve(port: int, mesh: str, moneykit: str) -> None:
    # As many keep-alive connections as the gateway's default pool may open, so neither
    # churns connections at the bench's concurrency.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as session:
        handlers = PlainHandlers(session, mesh, moneykit, await moneykit_token(session, moneykit))
        server = grpc.aio.server()

        def method(behaviour: Any, request_type: Any) -> grpc.RpcMethodHandler[Any, Any]:
            return grpc.unary_unary_rpc_method_handler(
                behaviour,
                request_deserializer=request_type.FromString,
                response_serializer=lambda message: message.SerializeToString(),
            )

        server.add_generic_rpc_handlers(
            (
                grpc.method_handlers_generic_handler(
                    "aggregator.v1.AggregatorService",
                    {
                        "GetHoldingsValue": method(
                            handlers.holdings_value, GetHoldingsValueRequest
                        ),
                        "CancelOrder": method(handlers.cancel_order, CancelOrderRequest),
                        "GetHoldings": method(handlers.get_holdings, GetHoldingsRequest),
                    },
                ),
            )
        )
        server.add_insecure_port(f"127.0.0.1:{port}")
        await server.start()
        await server.wait_for_termination()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mesh", required=True, help="Mesh base URL (http:// or https://)")
    parser.add_argument("--moneykit", required=True, help="MoneyKit base URL")
    args = parser.parse_args()
    uvloop.run(serve(args.port, args.mesh.rstrip("/"), args.moneykit.rstrip("/")))


if __name__ == "__main__":
    main()
