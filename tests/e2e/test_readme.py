"""The README's calls work: its Python client and its `buf curl` commands, against a gateway."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

import pytest

from tests.conftest import Gateway

REPO_ROOT = Path(__file__).resolve().parents[2]
README = (REPO_ROOT / "README.md").read_text()
BUF = REPO_ROOT / ".tools" / "node_modules" / ".bin" / "buf"


def fenced_block(marker: str, language: str) -> str:
    match = re.search(rf"<!-- {marker} -->\n```{language}\n(.*?)```", README, re.DOTALL)
    assert match, f"the README lost its {marker} block"
    return match.group(1)


def python_client() -> str:
    return fenced_block("python-client", "python")


def buf_curl_commands() -> list[str]:
    block = re.search(r"```sh\nBUF=.*?```", README, re.DOTALL)
    assert block, "the README lost its buf curl examples"
    joined = block.group(0).replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip().startswith("$BUF curl")]


async def run(*command: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
        cwd=REPO_ROOT,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_the_readme_python_client_calls_every_rpc(gateway: Gateway) -> None:
    code, out, err = await run(sys.executable, "-c", python_client(), f"127.0.0.1:{gateway.port}")

    assert code == 0, err
    assert "total value 186.03" in out
    assert "cancel RESULT_STATUS_OK" in out
    assert "institutions 59" in out
    assert "rate limited; retry after 30 s" in out
    assert out.count("holding ") >= 5


async def test_the_readme_buf_curl_commands_work_through_reflection(gateway: Gateway) -> None:
    if not BUF.exists():
        if os.environ.get("CI"):
            pytest.fail("buf is not installed: `make tools` installs it")
        pytest.skip("buf is not installed: run `make tools`")
    commands = buf_curl_commands()
    outputs: dict[str, list[str]] = {}
    for command in commands:
        command = command.replace("127.0.0.1:50051", f"127.0.0.1:{gateway.port}")
        code, out, err = await run("bash", "-c", command, env={"BUF": str(BUF)})
        assert code == 0, f"{command}\n{err}"
        rpc = command.rsplit("/", 1)[-1] if "AggregatorService/" in command else "list"
        outputs.setdefault(rpc, []).append(out)

    assert "aggregator.v1.AggregatorService" in outputs["list"][0]
    assert json.loads(outputs["GetHoldingsValue"][0])["totalValue"] == "186.03"
    assert json.loads(outputs["CancelOrder"][0])["result"]["status"] == "RESULT_STATUS_OK"
    holdings = json.loads(outputs["GetHoldings"][0])
    assert {account["accountId"] for account in holdings["accounts"]} == {
        "acc_3fTq8NmW2xRbKp9LzVd4Hc"
    }
    assert len(json.loads(outputs["ListInstitutions"][0])["institutions"]) == 59
    mesh_balances, moneykit_balances = (json.loads(out) for out in outputs["GetBalances"])
    assert [b["currency"] for b in mesh_balances["balances"]] == ["USD", "EUR"]
    assert mesh_balances["balances"][0]["cryptocurrencyBuyingPower"] == (
        "98765432109876543210.123456789012345678"
    )
    assert [(b["accountId"], b["currency"]) for b in moneykit_balances["balances"]] == [
        ("acc_8Wm3Tx6QcN2vLp9RbK4zHe", "USD"),
        ("acc_6Nc2Lq8WzK4vTb9XmR3pJh", "ETH"),
    ]
    order = json.loads(outputs["GetOrder"][0])["order"]
    assert (order["status"], order["price"]) == ("ORDER_STATUS_FILLED", "18604.8197")
    orders = json.loads(outputs["ListOrders"][0])
    assert len(orders["orders"]) == 3
    assert orders["nextPageToken"]
    confirmed = json.loads(outputs["CancelOrder"][1])
    assert confirmed["confirmation"] == "CANCEL_CONFIRMATION_CONFIRMED"
    assert confirmed["order"]["status"] == "ORDER_STATUS_CANCELLED"
    assert json.loads(outputs["RefreshConnection"][0])["state"] == "REFRESH_STATE_REQUESTED"
    waited = json.loads(outputs["RefreshConnection"][1])
    assert waited["state"] == "REFRESH_STATE_COMPLETED"
    assert waited["refreshedAt"] > waited["previousRefreshedAt"]
    stale = json.loads(outputs["GetHoldings"][1])
    assert (stale["freshness"], stale["source"]["asOf"]) == (
        "FRESHNESS_STALE",
        "2024-03-14T09:14:11Z",
    )
    transactions = json.loads(outputs["ListInvestmentTransactions"][0])
    assert len(transactions["transactions"]) == 4
    assert transactions["nextPageToken"]
    plaid = json.loads(outputs["ListInvestmentTransactions"][1])
    assert len(plaid["transactions"]) == 3
    assert plaid["totalSize"] == 7
    assert plaid["nextPageToken"]
    snaptrade_holdings = json.loads(outputs["GetHoldings"][2])
    assert snaptrade_holdings["source"]["provider"] == "PROVIDER_SNAPTRADE"
    snaptrade_cancel = json.loads(outputs["CancelOrder"][2])
    assert snaptrade_cancel["confirmation"] == "CANCEL_CONFIRMATION_CONFIRMED"


async def test_the_readme_portfolio_client_shows_entries_errors_and_the_stream(
    gateway: Gateway,
) -> None:
    code, out, err = await run(
        sys.executable,
        "-c",
        fenced_block("python-portfolio", "python"),
        f"127.0.0.1:{gateway.port}",
    )

    assert code == 0, err
    assert "0 total 186.03" in out
    assert "2 failed 5 " in out  # NOT_FOUND
    assert "total USD" in out
    assert out.count("streamed entry") == 3
    assert "streamed summary 2 ok 1 failed" in out


async def test_the_readme_portfolio_buf_curl_commands_work(gateway: Gateway) -> None:
    if not BUF.exists():
        if os.environ.get("CI"):
            pytest.fail("buf is not installed: `make tools` installs it")
        pytest.skip("buf is not installed: run `make tools`")
    script = fenced_block("portfolio-curl", "sh").replace(
        "127.0.0.1:50051", f"127.0.0.1:{gateway.port}"
    )
    code, out, err = await run("bash", "-ec", script)

    assert code == 0, err
    assert '"totalValue": "186.03"' in out
    assert '"summary"' in out
    assert out.count('"connectionIndex"') >= 2
