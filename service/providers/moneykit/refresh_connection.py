"""MoneyKit `RefreshConnection`: ask for a refresh of the link's investments (`POST
/links/{id}/products`) and, with `wait`, wait for it (`refresh_wait`)."""

from __future__ import annotations

from datetime import UTC, datetime

from aggregator.v1.aggregator_service_pb2 import (
    RefreshConnectionRequest,
    RefreshConnectionResponse,
    RefreshState,
)
from service.core.converters import to_timestamp
from service.core.errors import UpstreamBadResponse, UpstreamOutcomeUnknown
from service.core.validation import Violations
from service.providers.moneykit import holdings, link, models, refresh
from service.providers.moneykit.connection import validate_connection
from service.providers.moneykit.refresh_wait import refresh_and_wait, unknown_outcome
from service.providers.operation import ProviderClient


async def refresh_connection(
    client: ProviderClient, request: RefreshConnectionRequest
) -> RefreshConnectionResponse:
    violations = Violations()
    validate_connection(request.connection.moneykit, violations)
    violations.raise_if_any()
    connection = request.connection.moneykit
    if not request.wait:
        try:
            answer = await client.exchange(refresh.CALL, refresh.build(connection), refresh.read)
        except (UpstreamOutcomeUnknown, UpstreamBadResponse) as error:
            raise unknown_outcome(error) from error
        return _response(answer, RefreshState.REFRESH_STATE_REQUESTED)
    waited = await refresh_and_wait(client, connection, margin=0.5)
    state = (
        RefreshState.REFRESH_STATE_COMPLETED
        if waited.completed
        else RefreshState.REFRESH_STATE_PENDING
    )
    return _response(waited.link, state, previous_refreshed_at=waited.before.refreshed_at)


def _response(
    answer: models.Link,
    state: RefreshState.ValueType,
    previous_refreshed_at: datetime | None = None,
) -> RefreshConnectionResponse:
    return RefreshConnectionResponse(
        state=state,
        refreshed_at=to_timestamp(link.investments(answer).refreshed_at),
        previous_refreshed_at=to_timestamp(previous_refreshed_at),
        source=holdings.link_source(answer, datetime.now(UTC), computed=False),
    )
