"""Plaid `/investments/refresh`: ask Plaid to extract the Item's investments data again.

Plaid announces the new data by webhook, which the gateway does not receive; `/item/get`
reports it too, as `status.investments.last_successful_update` (or `last_failed_update` when
the extraction failed). With `wait`, the gateway notes that time before asking, then reads
`/item/get` until it moves, backing off, within the deadline. `refreshed_at` and
`previous_refreshed_at` are always Plaid's `last_successful_update`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aggregator.v1.aggregator_service_pb2 import (
    RefreshConnectionRequest,
    RefreshConnectionResponse,
    RefreshState,
)
from aggregator.v1.source_pb2 import PROVIDER_PLAID
from service.core.converters import data_source, to_timestamp
from service.core.errors import UpstreamRateLimited, UpstreamUnavailable
from service.providers.operation import ProviderClient, UpstreamRequest
from service.providers.plaid import models
from service.providers.plaid.connection import valid_access_token
from service.providers.plaid.responses import read_body
from service.providers.polling import poll
from service.providers.upstream import UpstreamCall, UpstreamResponse, upstream_error

REFRESH_CALL = UpstreamCall(provider="plaid", operation="investments_refresh")
REFRESH_PATH = "/investments/refresh"
ITEM_CALL = UpstreamCall(provider="plaid", operation="item")
ITEM_PATH = "/item/get"


def _item_request(access_token: str) -> models.ItemBody:
    return models.ItemBody(access_token=access_token)


def read_refresh(response: UpstreamResponse) -> models.RefreshAnswer:
    return read_body(response, models.RefreshAnswer, REFRESH_CALL)


def read_item(response: UpstreamResponse) -> models.ItemAnswer:
    return read_body(response, models.ItemAnswer, ITEM_CALL)


async def refresh_connection(
    client: ProviderClient, request: RefreshConnectionRequest
) -> RefreshConnectionResponse:
    body = _item_request(valid_access_token(request.connection.plaid)).to_json_bytes()
    refresh = UpstreamRequest("POST", REFRESH_PATH, json_body=body)
    item = UpstreamRequest("POST", ITEM_PATH, json_body=body)
    if not request.wait:
        await client.exchange(REFRESH_CALL, refresh, read_refresh)
        return RefreshConnectionResponse(
            state=RefreshState.REFRESH_STATE_REQUESTED,
            source=data_source(
                PROVIDER_PLAID, computed=False, as_of=datetime.now(UTC), from_provider=False
            ),
        )
    before = (await client.exchange(ITEM_CALL, item, read_item)).investments
    await client.exchange(REFRESH_CALL, refresh, read_refresh)
    latest = before

    async def read_status() -> models.ProductStatus | None:
        nonlocal latest
        try:
            latest = (await client.exchange(ITEM_CALL, item, read_item)).investments
        except UpstreamRateLimited:
            # Plaid's own limit on /item/get ends the wait, not the refresh it asked for.
            return None
        return latest

    def settled(status: models.ProductStatus | None) -> bool:
        return status is None or _moved(before, status)

    polled = await poll(read_status, settled, wait_first=True)
    completed = polled is not None and polled.done and polled.answer is not None
    if completed and not _succeeded_since(before, latest):
        raise upstream_error(
            UpstreamUnavailable,
            "Plaid reports that the refresh of the Item's investments data failed "
            f"(last_failed_update {latest.last_failed_update}).",
            REFRESH_CALL,
            http_status=200,
        )
    return _response(
        before,
        latest,
        RefreshState.REFRESH_STATE_COMPLETED if completed else RefreshState.REFRESH_STATE_PENDING,
    )


def _moved(before: models.ProductStatus, now: models.ProductStatus) -> bool:
    failed_since = now.last_failed_update is not None and (
        before.last_failed_update is None or now.last_failed_update > before.last_failed_update
    )
    return _succeeded_since(before, now) or failed_since


def _succeeded_since(before: models.ProductStatus, now: models.ProductStatus) -> bool:
    return now.last_successful_update is not None and (
        before.last_successful_update is None
        or now.last_successful_update > before.last_successful_update
    )


def _response(
    before: models.ProductStatus, latest: models.ProductStatus, state: RefreshState.ValueType
) -> RefreshConnectionResponse:
    refreshed_at = latest.last_successful_update
    return RefreshConnectionResponse(
        refreshed_at=to_timestamp(refreshed_at),
        previous_refreshed_at=to_timestamp(before.last_successful_update),
        state=state,
        source=data_source(
            PROVIDER_PLAID,
            computed=False,
            as_of=refreshed_at or datetime.now(UTC),
            from_provider=refreshed_at is not None,
        ),
    )
