"""What an error of a side effect that may have happened tells the caller to check: the order's
status for an order, something true of the operation otherwise (a refresh is no order)."""

from __future__ import annotations

import pytest

from service.core.errors import UpstreamBadResponse, UpstreamUnavailable
from service.providers.mesh.cancel_order import CALL as CANCEL
from service.providers.moneykit.refresh import CALL as REFRESH
from service.providers.upstream import _deadline_error, upstream_error


@pytest.mark.parametrize("kind", [UpstreamUnavailable, UpstreamBadResponse])
def test_an_order_that_may_have_happened_says_to_check_the_order(kind: type) -> None:
    assert "check the order's status" in upstream_error(kind, "It failed.", CANCEL).message
    assert "check the order's status" in _deadline_error(CANCEL).message


@pytest.mark.parametrize("kind", [UpstreamUnavailable, UpstreamBadResponse])
def test_a_refresh_that_may_have_happened_says_to_check_the_data_not_an_order(
    kind: type,
) -> None:
    messages = [
        upstream_error(kind, "It failed.", REFRESH).message,
        _deadline_error(REFRESH).message,
    ]

    for message in messages:
        assert "order" not in message
        assert "check the link's data" in message
