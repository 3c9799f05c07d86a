"""A Node.js client, loading `protos/` at run time, calls every RPC of a real gateway in sandbox
mode and decodes the rich error details of a failed call (`clients/node/smoke.js`)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from google.rpc import status_pb2

from aggregator.v1 import aggregator_service_pb2
from tests.conftest import Gateway

REPO_ROOT = Path(__file__).resolve().parents[2]
CLIENT_DIR = REPO_ROOT / "clients" / "node"
SMOKE = CLIENT_DIR / "smoke.js"
# googleapis-common-protos ships google/rpc/*.proto next to its modules.
GOOGLE_PROTOS = Path(status_pb2.__file__).resolve().parents[2]
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


def missing(reason: str) -> None:
    """Fail under CI, where the client must be tested; skip, saying why, elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def node() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are not on PATH: install Node.js 18+ to test the Node client")
    if not (CLIENT_DIR / "node_modules").is_dir():
        missing("clients/node/node_modules is missing: run `cd clients/node && npm ci`")
    return node


async def run_smoke(node: str, address: str) -> Run:
    # grpc-js honours http(s)_proxy; the gateway under test is local.
    env = {**os.environ, "no_grpc_proxy": "127.0.0.1,localhost"}
    process = await asyncio.create_subprocess_exec(
        node,
        str(SMOKE),
        "--address",
        address,
        "--include",
        str(GOOGLE_PROTOS),
        cwd=CLIENT_DIR,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return Run(process.returncode, stdout.decode(), stderr.decode())


@pytest.fixture
async def smoke(node: str, gateway: Gateway) -> dict[str, Any]:
    run = await run_smoke(node, f"127.0.0.1:{gateway.port}")
    return run.json()


async def test_the_node_client_calls_every_rpc_of_the_service(smoke: dict[str, Any]) -> None:
    assert smoke["rpcs"] == RPCS
    for rpc in RPCS:
        assert rpc in smoke, rpc


async def test_holdings_value_keeps_exact_decimal_strings(smoke: dict[str, Any]) -> None:
    value = smoke["GetHoldingsValue"]

    assert value["totalValue"] == "186.03"
    assert value["equitiesPerformance"] == "5.3457"
    assert value["fiatValue"] == "20.2"
    assert value["result"]["status"] == "RESULT_STATUS_OK"
    assert not [key for key in value if key.startswith("_")], "synthetic oneofs are dropped"


async def test_cancel_order_and_get_holdings(smoke: dict[str, Any]) -> None:
    assert smoke["CancelOrder"]["result"]["status"] == "RESULT_STATUS_OK"
    assert "order-1" in smoke["CancelOrder"]["result"]["message"]
    holdings = smoke["GetHoldings"]
    assert holdings["linkId"] == "mk_sandbox_brokerage"
    assert holdings["holdings"] > 0
    assert holdings["securities"] > 0
    assert holdings["accounts"] > 0
    assert holdings["result"]["status"] == "RESULT_STATUS_OK"
    assert holdings["source"]["provider"] == "PROVIDER_MONEYKIT"


async def test_list_institutions(smoke: dict[str, Any]) -> None:
    assert smoke["ListInstitutions"] == {
        "institutions": 59,
        "providers": ["PROVIDER_MESH", "PROVIDER_MONEYKIT"],
    }


def assert_portfolio_entries(entries: list[dict[str, Any]]) -> None:
    mesh, moneykit = sorted(entries, key=lambda entry: entry["connectionIndex"])
    assert mesh["connectionIndex"] == 0
    assert mesh["provider"] == "PROVIDER_MESH"
    assert mesh["institution"] == "INSTITUTION_ROBINHOOD"
    assert mesh["result"] == "data"
    assert mesh["totalValue"] == "186.03"
    assert moneykit["connectionIndex"] == 1
    assert moneykit["provider"] == "PROVIDER_MONEYKIT"
    assert moneykit["linkId"] == "mk_sandbox_brokerage"
    assert moneykit["result"] == "data"
    assert moneykit["currency"] == "USD"
    assert moneykit["totalValue"]


async def test_get_portfolio(smoke: dict[str, Any]) -> None:
    portfolio = smoke["GetPortfolio"]

    assert [entry["connectionIndex"] for entry in portfolio["entries"]] == [0, 1]
    assert_portfolio_entries(portfolio["entries"])
    assert (portfolio["summary"]["succeeded"], portfolio["summary"]["failed"]) == (2, 0)
    assert portfolio["summary"]["positions"] > 0


async def test_stream_portfolio_sends_every_entry_then_the_summary(smoke: dict[str, Any]) -> None:
    *entries, last = smoke["StreamPortfolio"]["messages"]

    assert [message["item"] for message in entries] == ["entry", "entry"]
    assert_portfolio_entries(entries)
    assert last["item"] == "summary"
    assert last == {"item": "summary", **smoke["GetPortfolio"]["summary"]}


async def test_the_node_client_decodes_the_rich_error_details(smoke: dict[str, Any]) -> None:
    error = smoke["error"]

    assert error["code"] == 8
    assert error["codeName"] == "RESOURCE_EXHAUSTED"
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


async def test_the_node_client_fails_when_a_call_fails(node: str) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    # Nothing listens on the port any more: the first call fails UNAVAILABLE.

    run = await run_smoke(node, f"127.0.0.1:{port}")

    assert run.returncode == 1
    assert run.stdout == ""
    assert "unexpected failure of GetHoldingsValue" in run.stderr
    assert "UNAVAILABLE" in run.stderr
