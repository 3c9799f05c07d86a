"""MoneyKit's `max_age`: MoneyKit serves holdings from its cache, so before a read that asks for
data no older than `max_age`, the gateway reads the link's investments `refreshed_at` (`GET
/links/{id}`) and, when it is older, refreshes and waits (`refresh_wait`) first.

The read that follows happens whatever the refresh does: when fresh data cannot arrive in time
(or the refresh fails, or the link cannot be read), the caller still gets what MoneyKit has,
marked `FRESHNESS_STALE` and dated by `source.as_of`. A link that cannot be read at all fails
the read that follows with its own error, so nothing is hidden.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aggregator.v1.aggregator_service_pb2 import Freshness
from aggregator.v1.connection_pb2 import Connection
from service.core.errors import UpstreamError
from service.core.validation import Violations
from service.providers.moneykit import link
from service.providers.moneykit.connection import validate_connection
from service.providers.moneykit.refresh_wait import read_link, refresh_and_wait
from service.providers.operation import ProviderClient

READ_MARGIN_SECONDS = 2.0
"""Time kept, when waiting for a refresh, for the read that follows it."""


async def refresh_if_older(
    client: ProviderClient, connection: Connection, max_age: timedelta
) -> Freshness.ValueType:
    violations = Violations()
    validate_connection(connection.moneykit, violations)
    violations.raise_if_any()
    try:
        before = await read_link(client, connection.moneykit)
        refreshed_at = link.investments(before).refreshed_at
        if refreshed_at is not None and datetime.now(UTC) - refreshed_at <= max_age:
            return Freshness.FRESHNESS_FRESH
        waited = await refresh_and_wait(
            client, connection.moneykit, margin=READ_MARGIN_SECONDS, before=before
        )
    except UpstreamError:
        return Freshness.FRESHNESS_STALE
    return Freshness.FRESHNESS_REFRESHED if waited.completed else Freshness.FRESHNESS_STALE
