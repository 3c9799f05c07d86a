"""SnapTrade `POST /authorizations/{authorizationId}/refresh`: ask SnapTrade to sync the
connection (the authorization) the account belongs to, found with `GET /accounts/{accountId}`,
which also says when the account's holdings last synced (`refreshed_at`).

The refresh is queued: SnapTrade announces its end only by webhook, so `wait` is not offered
(refused before any upstream call). Each refresh is billed, and SnapTrade refuses it on
real-time plans (403: their reads are live) and on disabled connections (402): both are
FAILED_PRECONDITION; a refresh asked too soon after the last one is its 429.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aggregator.v1.aggregator_service_pb2 import (
    RefreshConnectionRequest,
    RefreshConnectionResponse,
    RefreshState,
)
from aggregator.v1.source_pb2 import PROVIDER_SNAPTRADE
from service.core.converters import data_source, to_timestamp
from service.core.errors import CapabilityMissing, UpstreamFailedPrecondition
from service.providers.operation import ProviderClient, UpstreamRequest
from service.providers.snaptrade.connection import (
    account_path,
    segment,
    user_query,
    valid_account,
)
from service.providers.snaptrade.models import Account, RefreshConfirmation
from service.providers.snaptrade.responses import read_body
from service.providers.upstream import UpstreamCall, UpstreamResponse

ACCOUNT_CALL = UpstreamCall(provider="snaptrade", operation="account")
CALL = UpstreamCall(provider="snaptrade", operation="refresh")
"""Not marked as a side effect: a refresh only asks SnapTrade to sync, and a second one is
refused as too soon (429) rather than doing anything twice."""

_REFUSALS = {403: UpstreamFailedPrecondition, 402: UpstreamFailedPrecondition}


def read_account(response: UpstreamResponse) -> Account:
    return read_body(response, Account, ACCOUNT_CALL)


def read(response: UpstreamResponse) -> RefreshConfirmation:
    return read_body(response, RefreshConfirmation, CALL, _REFUSALS)


async def refresh_connection(
    client: ProviderClient, request: RefreshConnectionRequest
) -> RefreshConnectionResponse:
    if request.wait:
        raise CapabilityMissing(
            "REFRESH_WAIT",
            "wait",
            "SnapTrade refreshes asynchronously and says when it is done only by webhook, so "
            "RefreshConnection cannot wait for a SnapTrade connection",
        )
    account = valid_account(request.connection.snaptrade)
    details = await client.exchange(
        ACCOUNT_CALL,
        UpstreamRequest("GET", account_path(account), query=user_query(account)),
        read_account,
    )
    await client.exchange(
        CALL,
        UpstreamRequest(
            "POST",
            f"/authorizations/{segment(details.brokerage_authorization)}/refresh",
            query=user_query(account),
        ),
        read,
    )
    return RefreshConnectionResponse(
        state=RefreshState.REFRESH_STATE_REQUESTED,
        # The last sync before this refresh, which SnapTrade reports now.
        refreshed_at=to_timestamp(details.holdings_synced_at),
        source=data_source(
            PROVIDER_SNAPTRADE, computed=False, as_of=datetime.now(UTC), from_provider=False
        ),
    )
