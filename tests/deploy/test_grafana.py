"""The Grafana dashboard in `deploy/grafana/`: well formed, every query valid PromQL, and every
metric that it or the alerting rules name is one a running gateway really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from aggregator.v1.aggregator_service_pb2 import GetPortfolioRequest, ListInstitutionsRequest
from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from tests.deploy.test_prometheus import ALERTS, promtool_run
from tests.e2e import requests
from tests.e2e.processes import free_port, gateway_process
from tests.e2e.test_callers import FULL_KEY, LIMITED_KEY, bearer, callers_file
from tests.support.tools import require_tool

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "aggregator-gateway.json"
METRIC = re.compile(r"\baggregator_[a-z0-9_]+\b")
# What Grafana puts in place of the dashboard's variables before it sends a query.
VARIABLES = {"$__rate_interval": "1m", "$job": ".*"}
SERIES_SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "gauge": ("",),
}


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def graph_panels() -> list[dict[str, Any]]:
    return [panel for panel in dashboard()["panels"] if panel["type"] != "row"]


def dashboard_queries() -> list[str]:
    queries = [target["expr"] for panel in graph_panels() for target in panel["targets"]]
    queries += [variable["definition"] for variable in dashboard()["templating"]["list"]
                if variable["type"] == "query"]  # fmt: skip
    return queries


def alert_queries() -> list[str]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def substituted(query: str) -> str:
    for variable, value in VARIABLES.items():
        query = query.replace(variable, value)
    return query


def test_the_dashboard_panels_have_unique_ids_titles_and_queries() -> None:
    panels = dashboard()["panels"]
    ids = [panel["id"] for panel in panels]

    assert len(ids) == len(set(ids))
    assert len(graph_panels()) >= 10
    for panel in graph_panels():
        assert panel["title"], panel["id"]
        assert panel["description"], panel["id"]
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert METRIC.search(target["expr"]), target
            assert target["datasource"] == panel["datasource"]


def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    promtool = require_tool("promtool", "run `make promtool` (Debian's prometheus package)")
    # promtool parses queries in rule files: each panel query becomes a recording rule.
    rules = [
        {"record": f"dashboard:query_{index}", "expr": substituted(query)}
        for index, query in enumerate(dashboard_queries()[:-1])
    ]
    (tmp_path / "queries.yaml").write_text(
        yaml.safe_dump({"groups": [{"name": "q", "rules": rules}]})
    )

    result = promtool_run(promtool, "check", "rules", tmp_path / "queries.yaml")

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout


@pytest.fixture(scope="module")
def exported_series(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The series names of a gateway started as `make run` starts it, after calls that make
    every event it counts happen: a token fetch, a coalesced read, a retry and a retry the
    budget (one retry per window) refuses, a caller over its rate limit."""
    address = f"127.0.0.1:{free_port()}"
    metrics_port = free_port()
    env = {
        "AGGREGATOR_SANDBOX": "1",
        "AGGREGATOR_METRICS_LISTEN": f"127.0.0.1:{metrics_port}",
        "AGGREGATOR_CALLERS_FILE": str(callers_file(tmp_path_factory.mktemp("callers"))),
        "AGGREGATOR_RETRY_BUDGET_RATIO": "0",
        "AGGREGATOR_RETRY_BUDGET_MIN_PER_SECOND": "0.1",
        "AGGREGATOR_RETRY_BUDGET_WINDOW_SECONDS": "10",
    }
    with gateway_process(address, env), grpc.insecure_channel(address) as channel:
        stub = AggregatorServiceStub(channel)
        full = bearer(FULL_KEY)
        stub.GetHoldings(requests.holdings(), timeout=10, metadata=full)
        # The same link twice: the second entry's holdings read joins the first one's.
        same_link = [requests.moneykit("mk_sandbox_brokerage")] * 2
        stub.GetPortfolio(GetPortfolioRequest(connections=same_link), timeout=10, metadata=full)
        with pytest.raises(grpc.RpcError):
            stub.GetHoldingsValue(
                requests.holdings_value("sandbox-server-failure"), timeout=10, metadata=full
            )
        for _ in range(2):  # the limited caller's burst
            stub.ListInstitutions(
                ListInstitutionsRequest(), timeout=10, metadata=bearer(LIMITED_KEY)
            )
        with pytest.raises(grpc.RpcError):
            stub.ListInstitutions(
                ListInstitutionsRequest(), timeout=10, metadata=bearer(LIMITED_KEY)
            )
        text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
    return {
        family.name + suffix
        for family in text_string_to_metric_families(text)
        if family.samples
        for suffix in SERIES_SUFFIXES.get(family.type, ("",))
    }


@pytest.mark.parametrize(
    ("source", "queries"),
    [("dashboard", dashboard_queries()), ("alerts", alert_queries())],
)
def test_every_metric_named_is_exported_by_a_running_gateway(
    exported_series: set[str], source: str, queries: list[str]
) -> None:
    named = {name for query in queries for name in METRIC.findall(query)}

    assert len(named) >= 6, source
    assert named - exported_series == set(), f"{source} names series the gateway does not export"
