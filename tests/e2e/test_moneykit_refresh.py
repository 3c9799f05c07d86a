"""MoneyKit refreshes through a real gateway and the real sandbox: `RefreshConnection` with and
without `wait`, and `max_age` on `GetHoldings`, `GetPortfolio` and `StreamPortfolio`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration

from aggregator.v1.aggregator_service_pb2 import (
    Freshness,
    GetHoldingsRequest,
    GetPortfolioRequest,
    RefreshConnectionRequest,
    RefreshConnectionResponse,
    RefreshState,
    StreamPortfolioRequest,
)
from service.sandbox import RecordedRequest
from service.sandbox.moneykit import triggers
from tests.conftest import Gateway
from tests.e2e import requests
from tests.e2e.richstatus import unpack

DATASET_REFRESHED_AT = datetime(2024, 3, 14, 9, 14, 11, tzinfo=UTC)
"""The brokerage data set's investments `refreshed_at`, which every refresh link starts with."""
HOUR = Duration(seconds=3600)


def sent(gateway: Gateway, method: str, path_end: str) -> list[RecordedRequest]:
    return [
        request
        for request in gateway.sandbox.moneykit.requests
        if request.method == method and request.path.endswith(path_end)
    ]


def link_reads(gateway: Gateway, link_id: str) -> int:
    return len(sent(gateway, "GET", f"/links/{link_id}"))


def refreshes(gateway: Gateway, link_id: str) -> list[RecordedRequest]:
    return sent(gateway, "POST", f"/links/{link_id}/products")


def holdings_reads(gateway: Gateway, link_id: str) -> int:
    return len(sent(gateway, "GET", f"/links/{link_id}/investments/holdings"))


async def refresh(
    gateway: Gateway, link_id: str, *, wait: bool, deadline: float = 10
) -> RefreshConnectionResponse:
    return await gateway.stub.RefreshConnection(
        RefreshConnectionRequest(connection=requests.moneykit(link_id), wait=wait),
        timeout=deadline,
    )


def recent(when: datetime) -> bool:
    return abs(datetime.now(UTC) - when) < timedelta(minutes=5)


class TestRefreshConnection:
    async def test_without_wait_it_asks_once_and_answers_requested(self, gateway: Gateway) -> None:
        response = await refresh(gateway, triggers.MONEYKIT_REFRESH_SLOW, wait=False)

        assert response.state == RefreshState.REFRESH_STATE_REQUESTED
        # As the 202 answer's link reports it: the slow refresh has not completed yet.
        assert response.refreshed_at.ToDatetime(UTC) == DATASET_REFRESHED_AT
        assert not response.HasField("previous_refreshed_at")
        [post] = refreshes(gateway, triggers.MONEYKIT_REFRESH_SLOW)
        assert json.loads(post.body) == {"products": ["investments"]}
        assert post.headers["content-type"] == "application/json"
        assert link_reads(gateway, triggers.MONEYKIT_REFRESH_SLOW) == 0

    async def test_wait_on_a_refresh_that_takes_a_second_answers_the_new_time_in_few_polls(
        self, gateway: Gateway
    ) -> None:
        response = await refresh(gateway, triggers.MONEYKIT_REFRESH_SLOW, wait=True)

        assert response.state == RefreshState.REFRESH_STATE_COMPLETED
        assert response.previous_refreshed_at.ToDatetime(UTC) == DATASET_REFRESHED_AT
        refreshed_at = response.refreshed_at.ToDatetime(UTC)
        assert refreshed_at > DATASET_REFRESHED_AT
        assert recent(refreshed_at)
        assert response.source.as_of.ToDatetime(UTC) == refreshed_at
        assert len(refreshes(gateway, triggers.MONEYKIT_REFRESH_SLOW)) == 1
        # One read before asking, then pauses of 0.25 s, 0.5 s, 1 s...: about three more.
        assert 2 <= link_reads(gateway, triggers.MONEYKIT_REFRESH_SLOW) <= 6

    async def test_wait_on_a_refresh_that_completes_at_once_reads_the_link_once(
        self, gateway: Gateway
    ) -> None:
        response = await refresh(gateway, triggers.MONEYKIT_BROKERAGE, wait=True)

        assert response.state == RefreshState.REFRESH_STATE_COMPLETED
        assert recent(response.refreshed_at.ToDatetime(UTC))
        # The 202 answer already shows the refresh done: no polling.
        assert link_reads(gateway, triggers.MONEYKIT_BROKERAGE) == 1

    async def test_wait_until_the_deadline_nears_answers_pending(self, gateway: Gateway) -> None:
        response = await refresh(gateway, triggers.MONEYKIT_REFRESH_NEVER, wait=True, deadline=3)

        assert response.state == RefreshState.REFRESH_STATE_PENDING
        assert response.refreshed_at == response.previous_refreshed_at
        assert response.refreshed_at.ToDatetime(UTC) == DATASET_REFRESHED_AT
        assert len(refreshes(gateway, triggers.MONEYKIT_REFRESH_NEVER)) == 1
        assert link_reads(gateway, triggers.MONEYKIT_REFRESH_NEVER) <= 6

    @pytest.mark.parametrize(
        ("link_id", "code", "reason"),
        [
            (
                triggers.MONEYKIT_REFRESH_RATE_LIMIT,
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "UPSTREAM_RATE_LIMITED",
            ),
            (
                triggers.MONEYKIT_REFRESH_AUTH_EXPIRED,
                grpc.StatusCode.UNAUTHENTICATED,
                "USER_CREDENTIALS_REJECTED",
            ),
            (
                triggers.MONEYKIT_REFRESH_NOT_SUPPORTED,
                grpc.StatusCode.FAILED_PRECONDITION,
                "UPSTREAM_FAILED_PRECONDITION",
            ),
        ],
    )
    async def test_a_refresh_the_link_reports_failed_is_its_error(
        self, gateway: Gateway, link_id: str, code: grpc.StatusCode, reason: str
    ) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await refresh(gateway, link_id, wait=True)

        status = unpack(caught.value)
        assert status.code == code
        assert status.error_info is not None
        assert status.error_info.reason == reason
        assert status.envelope is not None
        assert status.envelope.error_type == link_id.removeprefix("mk_sandbox_refresh_")
        assert len(refreshes(gateway, link_id)) == 1

    async def test_a_refresh_request_answered_429_is_its_error_and_not_sent_again(
        self, gateway: Gateway
    ) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await refresh(gateway, triggers.MONEYKIT_RATE_LIMITED, wait=False)

        status = unpack(caught.value)
        assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert status.retry_info is not None
        assert status.retry_info.retry_delay.seconds == triggers.RETRY_AFTER_SECONDS
        assert len(refreshes(gateway, triggers.MONEYKIT_RATE_LIMITED)) == 1

    async def test_a_refresh_request_answered_503_is_unknown_and_never_resent(
        self, gateway: Gateway
    ) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await refresh(gateway, triggers.MONEYKIT_UNAVAILABLE, wait=False)

        status = unpack(caught.value)
        assert status.code == grpc.StatusCode.UNKNOWN
        assert "whether a refresh started is not known" in status.message
        assert "order" not in status.message
        assert len(refreshes(gateway, triggers.MONEYKIT_UNAVAILABLE)) == 1

    async def test_mesh_has_no_refresh_and_is_refused_before_any_upstream_call(
        self, gateway: Gateway
    ) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await gateway.stub.RefreshConnection(
                RefreshConnectionRequest(connection=requests.mesh(), wait=True), timeout=10
            )

        status = unpack(caught.value)
        assert status.code == grpc.StatusCode.INVALID_ARGUMENT
        assert status.error_info is not None
        assert status.error_info.reason == "REFRESH_NOT_SUPPORTED"
        assert gateway.sandbox.mesh.requests == []
        assert gateway.sandbox.moneykit.requests == []


class TestMaxAge:
    async def test_without_max_age_holdings_are_one_request_and_say_nothing_of_freshness(
        self, gateway: Gateway
    ) -> None:
        response = await gateway.stub.GetHoldings(
            requests.holdings(triggers.MONEYKIT_BROKERAGE), timeout=10
        )

        assert response.freshness == Freshness.FRESHNESS_UNSPECIFIED
        assert link_reads(gateway, triggers.MONEYKIT_BROKERAGE) == 0
        assert holdings_reads(gateway, triggers.MONEYKIT_BROKERAGE) == 1

    async def test_data_within_max_age_is_fresh_and_not_refreshed(self, gateway: Gateway) -> None:
        response = await gateway.stub.GetHoldings(
            GetHoldingsRequest(connection=requests.moneykit(triggers.MONEYKIT_FRESH), max_age=HOUR),
            timeout=10,
        )

        assert response.freshness == Freshness.FRESHNESS_FRESH
        assert refreshes(gateway, triggers.MONEYKIT_FRESH) == []
        assert holdings_reads(gateway, triggers.MONEYKIT_FRESH) == 1
        assert recent(response.source.as_of.ToDatetime(UTC))

    async def test_older_data_is_refreshed_first_and_then_read(self, gateway: Gateway) -> None:
        response = await gateway.stub.GetHoldings(
            GetHoldingsRequest(
                connection=requests.moneykit(triggers.MONEYKIT_REFRESH_SLOW), max_age=HOUR
            ),
            timeout=10,
        )

        assert response.freshness == Freshness.FRESHNESS_REFRESHED
        assert response.holdings
        assert recent(response.source.as_of.ToDatetime(UTC))
        assert len(refreshes(gateway, triggers.MONEYKIT_REFRESH_SLOW)) == 1
        assert link_reads(gateway, triggers.MONEYKIT_REFRESH_SLOW) <= 6
        assert holdings_reads(gateway, triggers.MONEYKIT_REFRESH_SLOW) == 1

    @pytest.mark.parametrize(
        ("link_id", "deadline"),
        [(triggers.MONEYKIT_REFRESH_RATE_LIMIT, 10.0), (triggers.MONEYKIT_REFRESH_NEVER, 4.0)],
    )
    async def test_when_fresh_data_cannot_arrive_the_holdings_come_marked_stale(
        self, gateway: Gateway, link_id: str, deadline: float
    ) -> None:
        response = await gateway.stub.GetHoldings(
            GetHoldingsRequest(connection=requests.moneykit(link_id), max_age=HOUR),
            timeout=deadline,
        )

        assert response.freshness == Freshness.FRESHNESS_STALE
        assert response.holdings
        assert response.source.as_of.ToDatetime(UTC) == DATASET_REFRESHED_AT
        assert len(refreshes(gateway, link_id)) == 1

    async def test_a_link_that_cannot_be_read_fails_the_read_with_its_own_error(
        self, gateway: Gateway
    ) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await gateway.stub.GetHoldings(
                GetHoldingsRequest(
                    connection=requests.moneykit(triggers.MONEYKIT_NOT_FOUND), max_age=HOUR
                ),
                timeout=10,
            )

        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
        assert refreshes(gateway, triggers.MONEYKIT_NOT_FOUND) == []

    async def test_a_negative_max_age_is_invalid_before_any_upstream_call(
        self, gateway: Gateway
    ) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await gateway.stub.GetHoldings(
                GetHoldingsRequest(connection=requests.moneykit(), max_age=Duration(seconds=-1)),
                timeout=10,
            )

        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert gateway.sandbox.moneykit.requests == []

    async def test_a_portfolio_with_max_age_reports_each_connection_s_freshness(
        self, gateway: Gateway
    ) -> None:
        links = [
            triggers.MONEYKIT_FRESH,
            triggers.MONEYKIT_BROKERAGE,
            triggers.MONEYKIT_REFRESH_RATE_LIMIT,
        ]
        response = await gateway.stub.GetPortfolio(
            GetPortfolioRequest(
                connections=[*(requests.moneykit(link) for link in links), requests.mesh()],
                max_age=HOUR,
            ),
            timeout=10,
        )

        freshness = [entry.data.holdings.freshness for entry in response.entries]
        assert freshness == [
            Freshness.FRESHNESS_FRESH,
            Freshness.FRESHNESS_REFRESHED,
            Freshness.FRESHNESS_STALE,
            # Mesh's reads are live: it has nothing to refresh.
            Freshness.FRESHNESS_UNSPECIFIED,
        ]
        # Holdings and value of a MoneyKit entry still come from one holdings request.
        assert all(holdings_reads(gateway, link) == 1 for link in links)
        assert refreshes(gateway, triggers.MONEYKIT_FRESH) == []

    async def test_a_streamed_portfolio_applies_max_age_too(self, gateway: Gateway) -> None:
        stream = gateway.stub.StreamPortfolio(
            StreamPortfolioRequest(
                connections=[requests.moneykit(triggers.MONEYKIT_REFRESH_SLOW)], max_age=HOUR
            ),
            timeout=10,
        )
        entries = [message.entry async for message in stream if message.HasField("entry")]

        [entry] = entries
        assert entry.data.holdings.freshness == Freshness.FRESHNESS_REFRESHED
        assert recent(entry.data.value.source.as_of.ToDatetime(UTC))
