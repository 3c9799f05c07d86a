"""A fast local upstream for benchmarks (aiohttp): Mesh and MoneyKit endpoints with fixed,
documented-shape answers, optionally delayed, optionally over TLS.

MoneyKit's link `mk_sandbox_seed_example` answers the documentation's example body, value for
value (the sandbox's dataset); any other link `..._N` answers N generated holdings.

Run: .venv/bin/python -m bench.upstream --port 8081 [--delay 0.1] [--cert F --key F]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl

from aiohttp import web

from service.sandbox._json import dumps
from service.sandbox.moneykit.datasets import SEED_EXAMPLE
from service.sandbox.moneykit.triggers import MONEYKIT_SEED_EXAMPLE

HOLDINGS_VALUE = json.dumps(
    {
        "status": "ok",
        "message": "",
        "errorHash": "f2b4f62e1213f3c50e84ea6f6be7cf8698746d6b",
        "content": {
            "totalValue": 186.03,
            "totalPerformance": 6.23,
            "equitiesValue": 100.12,
            "equitiesPerformance": 5.3457,
            "cryptocurrenciesValue": 50.37,
            "cryptocurrenciesPerformance": 7.23,
            "nftsValue": 15.34,
            "fiatValue": 20.2,
        },
        "pad": "x" * 600,
    }
).encode()
CANCELLED = json.dumps({"status": "ok", "message": "Order cancelled"}).encode()
TOKEN = json.dumps({"access_token": "bench-token", "token_type": "bearer", "expires_in": 3600})


def moneykit_holdings(count: int, link_id: str) -> bytes:
    """A link with `count` holdings over `count` securities, amounts as decimal strings."""
    holdings = [
        {
            "account_id": "acc_bench",
            "security_id": f"sec_{n}",
            "quantity": f"{n}.123456789012345678",
            "price": "101.25",
            "price_datetime": "2024-03-14T15:02:11Z",
            "value": f"{n * 101}.25",
            "cost_basis": f"{n * 99}.10",
        }
        for n in range(count)
    ]
    securities = [
        {
            "security_id": f"sec_{n}",
            "name": f"Security {n}",
            "type": "equity",
            "currency": "USD",
            "ticker": f"T{n}",
            "isin": f"US{n:010d}",
            "close_price": "101.25",
            "close_datetime": "2024-03-13T21:00:00Z",
        }
        for n in range(count)
    ]
    return json.dumps(
        {
            "holdings": holdings,
            "securities": securities,
            "accounts": [
                {
                    "account_id": "acc_bench",
                    "account_type": "investment.brokerage",
                    "name": "Bench",
                    "balances": {"currency": "USD", "current": 1000},
                }
            ],
            "link": {
                "link_id": link_id,
                "institution_id": "bench",
                "institution_name": "Bench",
                "institution_avatar": "https://example.test/bench.png",
                "provider": "mx",
                "state": "connected",
                "products": {},
                "available_products": ["investments"],
            },
        }
    ).encode()


def app(delay: float) -> web.Application:
    cache: dict[str, bytes] = {}

    async def pause() -> None:
        if delay:
            await asyncio.sleep(delay)

    async def holdings_value(request: web.Request) -> web.Response:
        await request.read()
        await pause()
        return web.Response(body=HOLDINGS_VALUE, content_type="application/json")

    async def cancel(request: web.Request) -> web.Response:
        await request.read()
        await pause()
        return web.Response(body=CANCELLED, content_type="application/json")

    async def token(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text=TOKEN, content_type="application/json")

    async def holdings(request: web.Request) -> web.Response:
        link_id = request.match_info["link_id"]
        count = int(link_id.rsplit("_", 1)[-1]) if link_id.rsplit("_", 1)[-1].isdigit() else 10
        if link_id == MONEYKIT_SEED_EXAMPLE:
            cache.setdefault(link_id, dumps(SEED_EXAMPLE.to_json()))
        elif link_id not in cache:
            cache[link_id] = moneykit_holdings(count, link_id)
        await pause()
        return web.Response(body=cache[link_id], content_type="application/json")

    application = web.Application()
    application.router.add_post("/api/v1/holdings/value", holdings_value)
    application.router.add_post("/api/v1/transactions/cancel", cancel)
    application.router.add_post("/auth/token", token)
    application.router.add_get("/links/{link_id}/investments/holdings", holdings)
    return application


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--cert", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--key", help="the certificate's private key (PEM)")
    args = parser.parse_args()
    tls = None
    if args.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)
    web.run_app(
        app(args.delay),
        host="127.0.0.1",
        port=args.port,
        ssl_context=tls,
        print=None,
        access_log=None,
    )


if __name__ == "__main__":
    main()
