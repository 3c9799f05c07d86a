"""The TypeScript client (`clients/typescript/`): its generated code is what `make generate`
makes, it builds with `tsc`, and its smoke program calls every RPC of a real gateway in sandbox
mode and decodes the rich error details with the generated types; the README's example runs."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aggregator.v1 import aggregator_service_pb2
from aggregator.v1.source_pb2 import Provider
from scripts.generate_typescript import generate
from service.providers.registry import PROVIDERS
from service.version import VERSION
from tests.conftest import Gateway
from tests.contract.test_generated_code import files_under
from tests.e2e.processes import free_port
from tests.support.tools import missing, require_tool

REPO_ROOT = Path(__file__).resolve().parents[2]
CLIENT_DIR = REPO_ROOT / "clients" / "typescript"
GENERATED = Path("clients") / "typescript" / "src" / "gen"
BUF = REPO_ROOT / ".tools" / "node_modules" / ".bin" / "buf"
README = (REPO_ROOT / "README.md").read_text()
RPCS = [
    method.name
    for method in aggregator_service_pb2.DESCRIPTOR.services_by_name["AggregatorService"].methods
]


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        assert self.returncode == 0, self.stderr
        lines = self.stdout.splitlines()
        assert len(lines) == 1, self.stdout
        result: dict[str, Any] = json.loads(lines[0])
        return result


@pytest.fixture(scope="module")
def node() -> Path:
    node = require_tool("node", "install Node.js 20 or later")
    if not (CLIENT_DIR / "node_modules" / ".bin" / "tsc").exists():
        missing("clients/typescript/node_modules is missing: run `make typescript-client`")
    return node


@pytest.fixture(scope="module")
def built(node: Path) -> Path:
    """`tsc` over the client, into its `dist/`."""
    result = subprocess.run(
        [str(CLIENT_DIR / "node_modules" / ".bin" / "tsc"), "-p", "tsconfig.json"],
        cwd=CLIENT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return CLIENT_DIR / "dist"


async def run_node(node: Path, script: Path, *args: str) -> Run:
    # connect-node honours no proxy settings, but keep local calls local all the same.
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}
    process = await asyncio.create_subprocess_exec(
        str(node),
        str(script),
        *args,
        cwd=CLIENT_DIR,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return Run(process.returncode, stdout.decode(), stderr.decode())


@pytest.fixture
async def smoke(built: Path, node: Path, gateway: Gateway) -> dict[str, Any]:
    run = await run_node(node, built / "smoke.js", "--address", f"127.0.0.1:{gateway.port}")
    return run.json()


def test_the_generated_typescript_matches_the_protos(node: Path, tmp_path: Path) -> None:
    if not BUF.exists():
        missing("buf is not installed: run `make tools`")
    generate(tmp_path)

    committed = files_under(REPO_ROOT / GENERATED)
    fresh = files_under(tmp_path / GENERATED)
    assert sorted(committed) == sorted(fresh), "run `make generate` and commit the client's code"
    assert "google/rpc/error_details_pb.ts" in fresh
    assert not [name for name in fresh if name.startswith("google/protobuf")]
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert stale == [], f"stale generated files: {stale}; run `make generate` and commit"


def test_the_lock_file_pins_every_package_the_manifest_names() -> None:
    manifest = json.loads((CLIENT_DIR / "package.json").read_text())
    lock = json.loads((CLIENT_DIR / "package-lock.json").read_text())["packages"]

    for section in ("dependencies", "devDependencies"):
        for name, version in manifest[section].items():
            assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
            assert lock[f"node_modules/{name}"]["version"] == version


async def test_the_smoke_program_calls_every_rpc_of_the_service(smoke: dict[str, Any]) -> None:
    assert smoke["rpcs"] == RPCS
    for rpc in RPCS:
        assert rpc in smoke, rpc


async def test_holdings_value_keeps_exact_decimal_strings(smoke: dict[str, Any]) -> None:
    value = smoke["GetHoldingsValue"]

    assert value["totalValue"] == "186.03"
    assert value["equitiesPerformance"] == "5.3457"
    assert value["fiatValue"] == "20.2"
    assert value["result"]["status"] == "RESULT_STATUS_OK"
    assert value["source"]["provider"] == "PROVIDER_MESH"


async def test_cancel_order_holdings_and_institutions(smoke: dict[str, Any]) -> None:
    assert smoke["CancelOrder"]["result"]["status"] == "RESULT_STATUS_OK"
    assert "order-1" in smoke["CancelOrder"]["result"]["message"]
    holdings = smoke["GetHoldings"]
    assert holdings["linkId"] == "mk_sandbox_brokerage"
    assert holdings["holdings"] > 0
    assert holdings["securities"] > 0
    assert holdings["accounts"] > 0
    assert holdings["source"]["provider"] == "PROVIDER_MONEYKIT"
    assert smoke["ListInstitutions"] == {
        "institutions": 59,
        "providers": [Provider.Name(provider.enum) for provider in PROVIDERS],
    }


async def test_balances_of_both_providers_keep_exact_decimal_strings(
    smoke: dict[str, Any],
) -> None:
    mesh = smoke["GetBalances"]["mesh"]
    moneykit = smoke["GetBalances"]["moneykit"]

    assert mesh["balances"] == [
        {
            "currency": "USD",
            "cash": "158.5",
            "buyingPower": "258.5",
            "cryptocurrencyBuyingPower": "158.5",
        },
        {"currency": "EUR", "cash": "10", "buyingPower": "10"},
    ]
    assert (mesh["totalCashUsdValue"], mesh["totalBuyingPowerUsdValue"]) == ("169.35", "269.35")
    assert mesh["source"]["provider"] == "PROVIDER_MESH"
    (wallet,) = moneykit["balances"]
    assert wallet["accountId"] == "acc_6Nc2Lq8WzK4vTb9XmR3pJh"
    assert (wallet["currency"], wallet["available"]) == (
        "ETH",
        "98765432109876543210.123456789012345678",
    )
    assert wallet["balanceDate"] == "2024-03-14T15:02:37Z"


async def test_orders_are_read_paged_and_a_cancel_confirmed(smoke: dict[str, Any]) -> None:
    order = smoke["GetOrder"]["order"]
    assert (order["status"], order["price"], order["value"]) == (
        "ORDER_STATUS_FILLED",
        "18604.8197",
        "5581.44591",
    )
    assert order["createdAt"] == "2022-05-05T08:34:36Z"
    assert [len(page) for page in smoke["ListOrders"]["pages"]] == [4, 4, 1]
    assert "ORDER_STATUS_PARTIALLY_FILLED" in smoke["ListOrders"]["pages"][1]
    confirmed = smoke["ConfirmedCancelOrder"]
    assert confirmed["confirmation"] == "CANCEL_CONFIRMATION_CONFIRMED"
    assert confirmed["order"]["status"] == "ORDER_STATUS_CANCELLED"


def assert_portfolio_entries(entries: list[dict[str, Any]]) -> None:
    mesh, moneykit = sorted(entries, key=lambda entry: entry["connectionIndex"])
    assert (mesh["connectionIndex"], mesh["provider"]) == (0, "PROVIDER_MESH")
    assert mesh["institution"] == "INSTITUTION_ROBINHOOD"
    assert mesh["result"] == "data"
    assert mesh["totalValue"] == "186.03"
    assert (moneykit["connectionIndex"], moneykit["provider"]) == (1, "PROVIDER_MONEYKIT")
    assert moneykit["linkId"] == "mk_sandbox_brokerage"
    assert moneykit["result"] == "data"
    assert moneykit["currency"] == "USD"
    assert re.fullmatch(r"\d+\.\d+", moneykit["totalValue"])


async def test_a_waited_refresh_and_every_page_of_investment_transactions(
    smoke: dict[str, Any],
) -> None:
    assert smoke["RefreshConnection"] == {
        "state": "REFRESH_STATE_COMPLETED",
        "refreshedAfterPrevious": True,
    }
    transactions = smoke["ListInvestmentTransactions"]
    assert transactions["pages"] == [4, 4, 3]
    assert transactions["first"] == {"id": "itx_sandbox_11", "amount": "5.00"}


async def test_get_server_info_and_the_version_header(smoke: dict[str, Any]) -> None:
    assert smoke["GetServerInfo"] == {"version": VERSION, "versionHeader": VERSION}


async def test_get_portfolio_and_its_stream(smoke: dict[str, Any]) -> None:
    portfolio = smoke["GetPortfolio"]
    *entries, last = smoke["StreamPortfolio"]["messages"]

    assert [entry["connectionIndex"] for entry in portfolio["entries"]] == [0, 1]
    assert_portfolio_entries(portfolio["entries"])
    assert (portfolio["summary"]["succeeded"], portfolio["summary"]["failed"]) == (2, 0)
    assert [message["item"] for message in entries] == ["entry", "entry"]
    assert_portfolio_entries(entries)
    assert last == {"item": "summary", **portfolio["summary"]}


async def test_the_rich_error_details_decode_with_the_generated_types(
    smoke: dict[str, Any],
) -> None:
    error = smoke["error"]
    bad_request = smoke["badRequest"]

    assert (error["code"], error["codeName"]) == (8, "RESOURCE_EXHAUSTED")
    assert error["errorInfo"]["reason"] == "UPSTREAM_RATE_LIMITED"
    assert error["errorInfo"]["domain"] == "moneykit"
    assert error["errorInfo"]["metadata"]["http_status"] == "429"
    assert error["retryDelaySeconds"] == 30
    assert error["envelope"]["status"] == "RESULT_STATUS_TOO_MANY_REQUEST"
    assert set(error["detailTypes"]) >= {
        "google.rpc.ErrorInfo",
        "google.rpc.RetryInfo",
        "aggregator.v1.ResultEnvelope",
    }
    assert bad_request["codeName"] == "INVALID_ARGUMENT"
    assert {violation["field"] for violation in bad_request["fieldViolations"]} == {"order_id"}


async def test_the_smoke_program_fails_when_a_call_fails(built: Path, node: Path) -> None:
    # Nothing listens on the port: the first call fails UNAVAILABLE.
    run = await run_node(node, built / "smoke.js", "--address", f"127.0.0.1:{free_port()}")

    assert run.returncode == 1
    assert run.stdout == ""
    assert "unexpected failure of GetHoldingsValue" in run.stderr
    assert "UNAVAILABLE" in run.stderr


async def test_the_readme_example_is_the_one_built_and_it_runs(
    built: Path, node: Path, gateway: Gateway
) -> None:
    match = re.search(r"<!-- typescript-client -->\n```ts\n(.*?)```", README, re.DOTALL)
    assert match, "the README lost its typescript-client block"
    assert match.group(1) == (CLIENT_DIR / "src" / "example.ts").read_text()

    run = await run_node(node, built / "example.js", f"127.0.0.1:{gateway.port}")

    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "total value 186.03 USD",
        "institutions 59",
        "RESOURCE_EXHAUSTED UPSTREAM_RATE_LIMITED retry after 30 s",
    ]
