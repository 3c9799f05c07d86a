"""Scenario 2: converting a MoneyKit holdings body to the gateway's response, against the
official `moneykit` SDK parsing the same JSON into its own models."""

from __future__ import annotations

import timeit
from datetime import UTC, datetime

import httpx
from moneykit.models.get_holdings_response import GetHoldingsResponse as SdkHoldings

from bench.upstream import moneykit_holdings
from service.providers.moneykit import holdings
from service.providers.upstream import UpstreamResponse


def ours(body: bytes) -> None:
    response = UpstreamResponse(200, httpx.Headers(), body)
    holdings.convert(holdings.read(response), datetime.now(UTC))


def sdk(body: bytes) -> None:
    SdkHoldings.from_json(body.decode())


def best_ms(function: object, body: bytes, repeat: int) -> float:
    timer = timeit.Timer(lambda: function(body))  # type: ignore[operator]
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1000


def conversion_rows(smoke: bool) -> list[dict[str, float]]:
    rows = []
    for count in [10, 1000] if smoke else [10, 1000, 10000]:
        body = moneykit_holdings(count, f"mk_bench_{count}")
        gateway_ms = best_ms(ours, body, 2 if smoke else 5)
        sdk_ms = best_ms(sdk, body, 2 if smoke else 5)
        rows.append(
            {
                "holdings": count,
                "gateway_ms": gateway_ms,
                "sdk_ms": sdk_ms,
                "ratio": gateway_ms / sdk_ms,
            }
        )
    return rows
