"""Asking MoneyKit for a refresh of a link's investments and waiting for it, within the deadline.

MoneyKit refreshes asynchronously and the gateway has no webhook endpoint, so it reads the link
(`GET /links/{id}`) before asking and then again, with growing pauses, until the investments
product's `refreshed_at` moves past its earlier value (done) or the product reports an
`error_code` for an attempt made since (failed). An `error_code` that was already there before
the refresh was asked for belongs to an earlier attempt and is not this refresh's outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aggregator.v1.connection_pb2 import MoneyKitLink
from service.core.errors import UpstreamBadResponse, UpstreamError, UpstreamOutcomeUnknown
from service.providers.moneykit import link, models, refresh
from service.providers.moneykit.product_errors import refresh_failure
from service.providers.operation import ProviderClient
from service.providers.polling import poll
from service.providers.upstream import restated


@dataclass(frozen=True)
class Waited:
    """Where the refresh stood when the wait ended."""

    before: models.Product
    """The investments product before the refresh was asked for."""
    link: models.Link
    """The link as last read."""
    completed: bool

    @property
    def refreshed_at(self) -> datetime | None:
        return link.investments(self.link).refreshed_at


async def read_link(client: ProviderClient, connection: MoneyKitLink) -> models.Link:
    return await client.exchange(link.CALL, link.build(connection), link.read)


async def refresh_and_wait(
    client: ProviderClient,
    connection: MoneyKitLink,
    *,
    margin: float,
    before: models.Link | None = None,
) -> Waited:
    """Ask for a refresh and wait until it completes, or until only `margin` seconds are left.

    `before` is the link as just read, when the caller has read it. A refresh MoneyKit reports
    as failed raises its error (`product_errors`).
    """
    if before is None:
        before = await read_link(client, connection)
    baseline = link.investments(before)

    def settled(answer: models.Link) -> bool:
        return _completed(baseline, answer) or _failed(baseline, answer)

    unknown: UpstreamError | None = None
    try:
        answer = await client.exchange(refresh.CALL, refresh.build(connection), refresh.read)
    except (UpstreamOutcomeUnknown, UpstreamBadResponse) as error:
        # The request may have reached MoneyKit: reading the link tells whether it did.
        unknown, answer = error, before
    if not settled(answer):
        polled = await poll(
            lambda: read_link(client, connection), settled, margin=margin, wait_first=True
        )
        if polled is not None:
            answer = polled.answer
    if _failed(baseline, answer):
        raise refresh_failure(link.investments(answer))
    completed = _completed(baseline, answer)
    if unknown is not None and not completed:
        raise unknown_outcome(unknown) from unknown
    return Waited(baseline, answer, completed)


def unknown_outcome(error: UpstreamError) -> UpstreamError:
    """`error` of a refresh request that may have reached MoneyKit, saying what to do next."""
    return restated(
        error,
        "The refresh request failed after it may have reached MoneyKit, so whether a refresh "
        "started is not known: read the link (GetHoldings, or RefreshConnection with wait) "
        "before asking for another refresh.",
    )


def _completed(baseline: models.Product, answer: models.Link) -> bool:
    refreshed_at = link.investments(answer).refreshed_at
    if refreshed_at is None:
        return False
    return baseline.refreshed_at is None or refreshed_at > baseline.refreshed_at


def _failed(baseline: models.Product, answer: models.Link) -> bool:
    product = link.investments(answer)
    if product.error_code is None or _completed(baseline, answer):
        return False
    return baseline.error_code is None or product.last_attempted_at != baseline.last_attempted_at
