"""One version for the gateway, its API and its clients: the server reports it in every
response's `aggregator-version` header and in `GetServerInfo`, and every place that carries it
agrees with the last release in CHANGELOG.md and the released contract image."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import grpc
import pytest

from aggregator.v1.aggregator_service_pb2 import (
    GetServerInfoRequest,
    ListInstitutionsRequest,
    StreamPortfolioRequest,
)
from aggregator_client import AggregatorClient
from service.version import VERSION
from tests.conftest import Gateway
from tests.e2e import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
RELEASE_HEADING = re.compile(r"^## (\d+\.\d+\.\d+) - \d{4}-\d{2}-\d{2}$", re.MULTILINE)


def project_version(pyproject: Path) -> str:
    with pyproject.open("rb") as file:
        version: str = tomllib.load(file)["project"]["version"]
    return version


def test_the_version_is_semantic_and_the_last_release_in_the_changelog() -> None:
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text()
    releases = RELEASE_HEADING.findall(changelog)

    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)
    assert releases, "CHANGELOG.md has no release heading"
    assert releases[0] == VERSION
    assert changelog.index("## Unreleased") < changelog.index(f"## {VERSION} - ")


def test_the_packages_and_the_released_contract_carry_the_same_version() -> None:
    typescript = json.loads((REPO_ROOT / "clients" / "typescript" / "package.json").read_text())
    images = [path.name for path in (REPO_ROOT / "contract").glob("*.binpb")]

    assert project_version(REPO_ROOT / "pyproject.toml") == VERSION
    assert project_version(REPO_ROOT / "clients" / "python" / "pyproject.toml") == VERSION
    assert typescript["version"] == VERSION
    assert images == [f"aggregator-{VERSION}.binpb"]


async def test_get_server_info_answers_the_version(gateway: Gateway) -> None:
    info = await gateway.stub.GetServerInfo(GetServerInfoRequest(), timeout=10)

    assert info.version == VERSION


async def test_every_answer_carries_the_version_header(gateway: Gateway) -> None:
    success = gateway.stub.ListInstitutions(ListInstitutionsRequest(), timeout=10)
    await success
    failure = gateway.stub.CancelOrder(requests.cancel("user", order_id=""), timeout=10)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await failure
    stream = gateway.stub.StreamPortfolio(
        StreamPortfolioRequest(connections=[requests.moneykit("mk_sandbox_brokerage")]), timeout=10
    )
    [message async for message in stream]

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    for call in (success, failure, stream):
        assert ("aggregator-version", VERSION) in tuple(await call.initial_metadata())


async def test_the_python_client_reads_the_version(gateway: Gateway) -> None:
    async with AggregatorClient(f"127.0.0.1:{gateway.port}") as client:
        info = await client.get_server_info()

    assert info.version == VERSION
