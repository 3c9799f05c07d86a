"""A sandbox per test, and HTTP clients that speak to it the way the gateway would.

`sandbox` overrides the suite's shared one: these tests stop it, expire its tokens and count its
requests, so each needs its own.
"""

from collections.abc import Iterator

import httpx
import pytest

from service.sandbox import SandboxUpstreams

MONEYKIT_VERSION = "2023-02-18"


@pytest.fixture
def sandbox() -> Iterator[SandboxUpstreams]:
    with SandboxUpstreams() as upstreams:
        yield upstreams


@pytest.fixture
def mesh(sandbox: SandboxUpstreams) -> Iterator[httpx.Client]:
    credentials = {
        "X-Client-Id": sandbox.mesh.client_id,
        "X-Client-Secret": sandbox.mesh.client_secret,
    }
    with httpx.Client(base_url=sandbox.mesh.url, headers=credentials) as client:
        yield client


@pytest.fixture
def moneykit(sandbox: SandboxUpstreams) -> Iterator[httpx.Client]:
    headers = {"moneykit-version": MONEYKIT_VERSION}
    with httpx.Client(base_url=sandbox.moneykit.url, headers=headers) as client:
        yield client


@pytest.fixture
def access_token(sandbox: SandboxUpstreams, moneykit: httpx.Client) -> str:
    response = moneykit.post(
        "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": sandbox.moneykit.client_id,
            "client_secret": sandbox.moneykit.client_secret,
        },
    )
    assert response.status_code == 200
    token: str = response.json()["access_token"]
    return token
