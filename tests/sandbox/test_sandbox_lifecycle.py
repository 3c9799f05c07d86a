"""The sandbox's public interface: its life, its credentials and the requests it records."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

import service.sandbox
from service.sandbox import RecordedRequest, SandboxUpstreams


def test_the_package_exports_exactly_its_interface() -> None:
    assert service.sandbox.__all__ == ["RecordedRequest", "SandboxUpstreams"]


def test_credentials_are_random_per_instance() -> None:
    first, second = SandboxUpstreams(), SandboxUpstreams()

    credentials = [
        first.mesh.client_id,
        first.mesh.client_secret,
        first.moneykit.client_id,
        first.moneykit.client_secret,
        second.mesh.client_id,
        second.mesh.client_secret,
        second.moneykit.client_id,
        second.moneykit.client_secret,
    ]
    assert all(isinstance(value, str) and len(value) >= 16 for value in credentials)
    assert len(set(credentials)) == len(credentials)


def test_urls_are_local_ephemeral_ports(sandbox: SandboxUpstreams) -> None:
    assert sandbox.mesh.url.startswith("http://127.0.0.1:")
    assert sandbox.moneykit.url.startswith("http://127.0.0.1:")
    assert sandbox.mesh.url != sandbox.moneykit.url


def test_start_and_stop_without_a_context_manager() -> None:
    sandbox = SandboxUpstreams()
    sandbox.start()
    try:
        assert httpx.post(sandbox.mesh.url + "/").status_code == 404
    finally:
        sandbox.stop()


def test_a_sandbox_that_is_not_running_has_no_url() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        _ = SandboxUpstreams().mesh.url


def test_starting_twice_is_refused(sandbox: SandboxUpstreams) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        sandbox.start()


def test_stopping_twice_is_harmless(sandbox: SandboxUpstreams) -> None:
    sandbox.stop()
    sandbox.stop()


@pytest.fixture
def kept_alive_client(sandbox: SandboxUpstreams) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.mesh.url) as client:
        yield client


def test_connections_are_kept_alive(kept_alive_client: httpx.Client) -> None:
    first = kept_alive_client.post("/api/v1/holdings/value")
    second = kept_alive_client.post("/api/v1/holdings/value")

    assert first.http_version == second.http_version == "HTTP/1.1"
    assert first.headers["content-length"] == "0"
    assert "close" not in first.headers.get("connection", "")


def test_a_stopped_sandbox_answers_no_one_not_even_kept_alive_connections(
    sandbox: SandboxUpstreams, kept_alive_client: httpx.Client
) -> None:
    assert kept_alive_client.post("/api/v1/holdings/value").status_code == 401

    sandbox.stop()

    with pytest.raises(httpx.TransportError):
        kept_alive_client.post("/api/v1/holdings/value")


def test_every_request_is_recorded_raw(sandbox: SandboxUpstreams, mesh: httpx.Client) -> None:
    mesh.post("/api/v1/holdings/value?trace=1", content=b'{"authToken":"t","type":"robinhood"}')

    [request] = sandbox.mesh.requests
    assert isinstance(request, RecordedRequest)
    assert (request.method, request.path, request.query) == (
        "POST",
        "/api/v1/holdings/value",
        "trace=1",
    )
    assert request.headers["x-client-id"] == sandbox.mesh.client_id
    assert request.body == b'{"authToken":"t","type":"robinhood"}'
    assert sandbox.moneykit.requests == []


def test_requests_are_recorded_in_order(sandbox: SandboxUpstreams, mesh: httpx.Client) -> None:
    for index in range(5):
        mesh.get(f"/{index}")

    assert [request.path for request in sandbox.mesh.requests] == [f"/{i}" for i in range(5)]


def test_concurrent_requests_are_all_recorded(sandbox: SandboxUpstreams) -> None:
    def post(index: int) -> int:
        return httpx.post(sandbox.moneykit.url + f"/{index}").status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(post, range(64)))

    assert statuses == [404] * 64
    assert sorted(request.path for request in sandbox.moneykit.requests) == sorted(
        f"/{index}" for index in range(64)
    )


def test_reset_forgets_requests_and_counters_but_not_tokens(
    sandbox: SandboxUpstreams, moneykit: httpx.Client, access_token: str
) -> None:
    sandbox.reset()

    assert sandbox.mesh.requests == sandbox.moneykit.requests == []
    assert sandbox.moneykit.token_fetches == 0
    response = moneykit.get(
        "/links/mk_x/investments/holdings", headers={"Authorization": f"Bearer {access_token}"}
    )
    assert response.status_code == 200


def test_a_chunked_body_is_refused_and_the_connection_closed(sandbox: SandboxUpstreams) -> None:
    response = httpx.post(sandbox.mesh.url + "/api/v1/holdings/value", content=iter([b"{}"]))

    assert response.status_code == 411
    assert response.headers["connection"] == "close"
