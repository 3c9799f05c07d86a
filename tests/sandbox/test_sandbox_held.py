"""Held requests: the sandbox keeps them waiting until the test lets them go, or stops."""

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
import pytest

from service.sandbox import SandboxUpstreams
from service.sandbox._hold import HOLD_LIMIT_SECONDS, HeldRequests
from service.sandbox.mesh import triggers as mesh_triggers
from service.sandbox.moneykit import triggers as moneykit_triggers

# Guards against a hang, not timing assertions: every condition below turns true at once
# unless the sandbox is broken, and a broken one should fail rather than block the suite.
GUARD_SECONDS = 10.0
MONEYKIT_VERSION = "2023-02-18"

MESH_REQUESTS = {
    "holdings-value": ("/api/v1/holdings/value", {}),
    "holdings-get": ("/api/v1/holdings/get", {}),
    "cancel": ("/api/v1/transactions/cancel", {"id": "ord-1", "isCryptocurrency": False}),
}


def eventually(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + GUARD_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.001)


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=8) as executor:
        yield executor


def post_mesh(
    sandbox: SandboxUpstreams, endpoint: str = "holdings-get", token: str = mesh_triggers.MESH_HELD
) -> httpx.Response:
    path, extra = MESH_REQUESTS[endpoint]
    return httpx.post(
        sandbox.mesh.url + path,
        json={"authToken": token, "type": "robinhood", **extra},
        headers={
            "X-Client-Id": sandbox.mesh.client_id,
            "X-Client-Secret": sandbox.mesh.client_secret,
        },
        timeout=GUARD_SECONDS * 2,
    )


def get_moneykit(
    sandbox: SandboxUpstreams, access_token: str, link_id: str = moneykit_triggers.MONEYKIT_HELD
) -> httpx.Response:
    return httpx.get(
        f"{sandbox.moneykit.url}/links/{link_id}/investments/holdings",
        headers={"Authorization": f"Bearer {access_token}", "moneykit-version": MONEYKIT_VERSION},
        timeout=GUARD_SECONDS * 2,
    )


def held_mesh(
    sandbox: SandboxUpstreams, pool: ThreadPoolExecutor, endpoint: str = "holdings-get"
) -> Future[httpx.Response]:
    """A held Mesh request, sent and seen waiting."""
    before = sandbox.mesh.held_count
    future = pool.submit(post_mesh, sandbox, endpoint)
    eventually(lambda: sandbox.mesh.held_count == before + 1)
    return future


class TestMesh:
    @pytest.mark.parametrize("endpoint", sorted(MESH_REQUESTS))
    def test_every_endpoint_holds_the_request_until_released(
        self, sandbox: SandboxUpstreams, pool: ThreadPoolExecutor, endpoint: str
    ) -> None:
        future = held_mesh(sandbox, pool, endpoint)

        assert not future.done()
        sandbox.release_held()

        response = future.result(timeout=GUARD_SECONDS)
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
        assert response.content == post_mesh(sandbox, endpoint, "user-token").content
        assert sandbox.mesh.held_count == 0

    def test_the_request_is_recorded_while_it_is_held(
        self, sandbox: SandboxUpstreams, pool: ThreadPoolExecutor
    ) -> None:
        future = held_mesh(sandbox, pool)

        [request] = sandbox.mesh.requests
        assert request.path == "/api/v1/holdings/get"
        sandbox.release_held()
        future.result(timeout=GUARD_SECONDS)

    def test_the_count_follows_several_held_requests(
        self, sandbox: SandboxUpstreams, pool: ThreadPoolExecutor
    ) -> None:
        futures = [held_mesh(sandbox, pool, endpoint) for endpoint in sorted(MESH_REQUESTS)]

        assert sandbox.mesh.held_count == 3
        assert sandbox.moneykit.held_count == 0
        sandbox.release_held()

        assert [future.result(timeout=GUARD_SECONDS).status_code for future in futures] == [200] * 3
        assert sandbox.mesh.held_count == 0

    @pytest.mark.parametrize(
        ("changes", "error_type"),
        [({"type": "interactiveBrokers"}, "notSupported"), ({"extra": 1}, "invalidField")],
    )
    def test_a_request_that_fails_its_checks_is_not_held(
        self, sandbox: SandboxUpstreams, changes: dict[str, object], error_type: str
    ) -> None:
        response = httpx.post(
            sandbox.mesh.url + "/api/v1/holdings/get",
            json={"authToken": mesh_triggers.MESH_HELD, "type": "robinhood", **changes},
            headers={
                "X-Client-Id": sandbox.mesh.client_id,
                "X-Client-Secret": sandbox.mesh.client_secret,
            },
            timeout=GUARD_SECONDS,
        )

        assert response.json()["errorType"] == error_type


class TestMoneyKit:
    def test_the_held_link_waits_then_answers_the_brokerage_data(
        self, sandbox: SandboxUpstreams, pool: ThreadPoolExecutor, access_token: str
    ) -> None:
        future = pool.submit(get_moneykit, sandbox, access_token)
        eventually(lambda: sandbox.moneykit.held_count == 1)

        assert not future.done()
        assert sandbox.mesh.held_count == 0
        sandbox.release_held()

        response = future.result(timeout=GUARD_SECONDS)
        assert response.status_code == 200
        assert response.json()["link"]["link_id"] == moneykit_triggers.MONEYKIT_HELD
        ordinary = get_moneykit(sandbox, access_token, "mk_ordinary").json()
        assert {**response.json(), "link": None} == {**ordinary, "link": None}
        assert sandbox.moneykit.held_count == 0

    def test_an_unknown_token_is_refused_before_it_is_held(self, sandbox: SandboxUpstreams) -> None:
        response = get_moneykit(sandbox, "unknown")

        assert response.status_code == 401
        assert sandbox.moneykit.held_count == 0


class TestRelease:
    def test_after_a_release_nothing_is_held_until_reset(
        self, sandbox: SandboxUpstreams, access_token: str
    ) -> None:
        sandbox.release_held()

        assert post_mesh(sandbox).status_code == 200
        assert get_moneykit(sandbox, access_token).status_code == 200

    def test_reset_holds_again(self, sandbox: SandboxUpstreams, pool: ThreadPoolExecutor) -> None:
        sandbox.release_held()
        sandbox.reset()

        future = held_mesh(sandbox, pool)

        assert not future.done()
        sandbox.release_held()
        assert future.result(timeout=GUARD_SECONDS).status_code == 200

    def test_reset_does_not_release_what_is_held(
        self, sandbox: SandboxUpstreams, pool: ThreadPoolExecutor
    ) -> None:
        future = held_mesh(sandbox, pool)

        sandbox.reset()

        assert sandbox.mesh.held_count == 1
        assert not future.done()
        sandbox.release_held()
        future.result(timeout=GUARD_SECONDS)

    def test_stop_answers_held_requests_normally(
        self, sandbox: SandboxUpstreams, pool: ThreadPoolExecutor, access_token: str
    ) -> None:
        mesh = held_mesh(sandbox, pool)
        moneykit = pool.submit(get_moneykit, sandbox, access_token)
        eventually(lambda: sandbox.moneykit.held_count == 1)

        sandbox.stop()

        assert mesh.result(timeout=GUARD_SECONDS).json()["content"]["type"] == "robinhood"
        assert moneykit.result(timeout=GUARD_SECONDS).status_code == 200
        assert sandbox.mesh.held_count == sandbox.moneykit.held_count == 0

    def test_a_restarted_sandbox_holds_again(
        self, sandbox: SandboxUpstreams, pool: ThreadPoolExecutor
    ) -> None:
        sandbox.stop()
        sandbox.start()

        future = held_mesh(sandbox, pool)

        assert not future.done()
        sandbox.release_held()
        future.result(timeout=GUARD_SECONDS)


class TestHeldRequests:
    """The waiting itself, without HTTP."""

    def test_a_request_gives_up_after_the_limit(self) -> None:
        held = HeldRequests(limit_seconds=0)

        held.wait()

        assert held.count == 0

    def test_the_limit_is_a_minute(self) -> None:
        assert HOLD_LIMIT_SECONDS == 60

    def test_a_release_undone_at_once_still_lets_the_waiting_go(self) -> None:
        held = HeldRequests()
        waiter = threading.Thread(target=held.wait)
        waiter.start()
        eventually(lambda: held.count == 1)

        held.release()
        held.rearm()

        waiter.join(GUARD_SECONDS)
        assert not waiter.is_alive()
        assert held.count == 0

    def test_a_stop_undone_at_once_still_lets_the_waiting_go(self) -> None:
        held = HeldRequests()
        waiter = threading.Thread(target=held.wait)
        waiter.start()
        eventually(lambda: held.count == 1)

        held.stop()
        held.start()

        waiter.join(GUARD_SECONDS)
        assert not waiter.is_alive()
