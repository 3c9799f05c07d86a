"""Providers' documented rate limits: the sliding-window arithmetic (driven by a fake clock),
what Plaid and SnapTrade declare, and how the shared limiter refuses, keys and falls back."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.core.errors import StateUnavailable, UpstreamRateLimited
from service.observability import metrics
from service.providers import plaid, snaptrade
from service.providers.call_limits import CallLimits, DocumentedLimit, per_value
from service.providers.declaration import ProviderDeclaration
from service.providers.operation import UpstreamRequest
from service.providers.plaid.settings import PlaidSettings
from service.providers.registry import PROVIDERS
from service.providers.snaptrade.settings import SnapTradeSettings
from service.providers.upstream import UpstreamCall
from service.state import InProcessState, KeyedDigests
from service.state.windows import SlidingWindows, WindowRefusal, WindowSlot

TOKEN = "access-sandbox-0b8d5c3e-secret"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# The arithmetic


def test_the_call_over_the_limit_is_refused_until_the_oldest_leaves_the_window() -> None:
    clock = FakeClock()
    windows = SlidingWindows(clock=clock)
    slot = WindowSlot("item", 3, 60.0)
    for second in (0.0, 10.0, 20.0):
        clock.now = 1000.0 + second
        assert windows.take([slot]) is None

    clock.now = 1030.0
    assert windows.take([slot]) == WindowRefusal(0, pytest.approx(30.0))
    clock.now = 1060.0
    assert windows.take([slot]) is None


def test_a_refused_call_is_not_counted() -> None:
    clock = FakeClock()
    windows = SlidingWindows(clock=clock)
    slot = WindowSlot("item", 1, 60.0)
    windows.take([slot])
    for _ in range(5):
        assert windows.take([slot]) is not None

    clock.now += 60.0
    assert windows.take([slot]) is None


def test_the_wait_is_until_every_window_has_room() -> None:
    clock = FakeClock()
    windows = SlidingWindows(clock=clock)
    short, long = WindowSlot("short", 1, 10.0), WindowSlot("long", 1, 60.0)
    windows.take([short, long])

    assert windows.take([short, long]) == WindowRefusal(1, pytest.approx(60.0))


def test_the_keys_idle_longest_are_forgotten_beyond_the_cap() -> None:
    windows = SlidingWindows(max_keys=2, clock=FakeClock())
    for key in ("a", "b", "a", "c"):
        windows.take([WindowSlot(key, 1, 60.0)])

    assert windows.keys == 2
    # "b" was forgotten, "a" (used since) was kept.
    assert windows.take([WindowSlot("b", 1, 60.0)]) is None
    assert windows.take([WindowSlot("c", 1, 60.0)]) is not None


@settings(max_examples=200, deadline=None)
@given(
    max_calls=st.integers(min_value=1, max_value=20),
    gaps=st.lists(st.floats(min_value=0, max_value=30, allow_nan=False), max_size=120),
)
def test_no_window_ever_holds_more_than_the_limit(max_calls: int, gaps: list[float]) -> None:
    clock = FakeClock()
    windows = SlidingWindows(clock=clock)
    allowed: list[float] = []
    for gap in gaps:
        clock.now += gap
        if windows.take([WindowSlot("item", max_calls, 60.0)]) is None:
            allowed.append(clock.now)

    for index, start in enumerate(allowed):
        assert len([t for t in allowed[index:] if t < start + 60.0]) <= max_calls


# What the providers declare


def plaid_request(path: str, token: str = TOKEN) -> UpstreamRequest:
    return UpstreamRequest("POST", path, json_body=json.dumps({"access_token": token}).encode())


def keyed(limits: tuple[DocumentedLimit, ...], request: UpstreamRequest) -> dict[str, int]:
    """The limits `request` counts in, as {per: max_calls}."""
    return {limit.per: limit.max_calls for limit in limits if limit.key(request) is not None}


def test_plaid_declares_its_per_item_and_per_client_limits_by_endpoint() -> None:
    limits = plaid.PROVIDER.call_limits(PlaidSettings(client_id="client-1", secret="s"))

    assert keyed(limits, plaid_request("/investments/holdings/get")) == {
        "Item": 15,
        "client": 2_000,
    }
    assert keyed(limits, plaid_request("/investments/transactions/get")) == {
        "Item": 30,
        "client": 20_000,
    }
    assert keyed(limits, plaid_request("/item/get")) == {"Item": 15, "client": 5_000}
    assert keyed(limits, plaid_request("/accounts/get")) == {"Item": 15, "client": 15_000}
    assert keyed(limits, plaid_request("/accounts/balance/get")) == {"Item": 5, "client": 1_200}
    assert keyed(limits, plaid_request("/investments/refresh")) == {}
    assert {limit.window_seconds for limit in limits} == {60.0}


def test_plaids_item_limit_is_keyed_by_the_access_token_and_the_client_limit_by_client_id() -> None:
    limits = plaid.PROVIDER.call_limits(PlaidSettings(client_id="client-1", secret="s"))
    request = plaid_request("/investments/holdings/get")

    assert {limit.per: limit.key(request) for limit in limits if limit.key(request)} == {
        "Item": TOKEN,
        "client": "client-1",
    }


def test_plaids_limits_can_be_left_to_plaid() -> None:
    no_item = PlaidSettings(client_id="c", item_rate_limits=False)
    no_client = PlaidSettings(client_id="c", client_rate_limits=False)
    request = plaid_request("/investments/holdings/get")

    assert set(keyed(plaid.PROVIDER.call_limits(no_item), request)) == {"client"}
    assert set(keyed(plaid.PROVIDER.call_limits(no_client), request)) == {"Item"}


def test_snaptrade_declares_250_a_minute_per_client_id_for_every_request() -> None:
    (limit,) = snaptrade.PROVIDER.call_limits(SnapTradeSettings(client_id="client-1"))

    assert (limit.per, limit.max_calls, limit.window_seconds) == ("client id", 250, 60.0)
    assert limit.key(UpstreamRequest("GET", "/accounts/a-1/balances")) == "client-1"
    assert limit.key(UpstreamRequest("POST", "/authorizations/z/refresh")) == "client-1"


def test_snaptrades_per_account_limit_counts_the_requests_of_each_account() -> None:
    settings_ = SnapTradeSettings(
        client_id="c", requests_per_minute=6, account_requests_per_minute=10
    )
    client, account = snaptrade.PROVIDER.call_limits(settings_)

    assert client.max_calls == 6
    assert (account.per, account.max_calls) == ("account", 10)
    assert account.key(UpstreamRequest("GET", "/accounts/a-1/positions/all")) == "a-1"
    assert account.key(UpstreamRequest("GET", "/accounts")) is None
    assert account.key(UpstreamRequest("POST", "/authorizations/z/refresh")) is None


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda provider: provider.name)
def test_every_declared_limit_has_a_name_of_its_own(provider: ProviderDeclaration) -> None:
    limits = provider.call_limits(provider.settings_type())

    assert len({limit.name for limit in limits}) == len(limits)


# The shared limiter

CALL = UpstreamCall("plaid", "get_holdings")


class UnreachableState(InProcessState):
    """A backend that is down: every window check fails as Redis's would."""

    async def take_slots(self, slots: object) -> WindowRefusal | None:
        raise StateUnavailable("down", 1.0)


def item_limit(max_calls: int) -> DocumentedLimit:
    return DocumentedLimit(
        "Item",
        max_calls,
        60.0,
        lambda request: json.loads(request.json_body or b"{}").get("access_token"),
        frozenset({"/investments/holdings/get"}),
    )


async def test_the_call_past_a_limit_is_refused_with_the_time_until_room() -> None:
    backend = InProcessState()
    limits = CallLimits("Plaid", [item_limit(2)], backend, KeyedDigests(bytes(32)))
    request = plaid_request("/investments/holdings/get")
    await limits.admit(CALL, request)
    await limits.admit(CALL, request)

    with pytest.raises(UpstreamRateLimited) as refused:
        await limits.admit(CALL, request)

    assert refused.value.retry_after_seconds is not None
    assert 59 < refused.value.retry_after_seconds <= 60
    assert refused.value.context.provider == "plaid"
    assert "2 requests to /investments/holdings/get per Item a minute" in str(refused.value)
    assert TOKEN not in str(refused.value)
    await limits.admit(CALL, plaid_request("/investments/holdings/get", "access-other"))
    await limits.admit(CALL, plaid_request("/accounts/get"))


async def test_state_keys_are_digests_never_the_token_or_client_id() -> None:
    backend = InProcessState()
    client = DocumentedLimit("client", 5, 60.0, per_value("client-id-1"))
    limits = CallLimits("Plaid", [item_limit(5), client], backend, KeyedDigests(bytes(32)))
    await limits.admit(CALL, plaid_request("/investments/holdings/get"))

    keys = list(backend._windows._calls)
    assert len(keys) == 2
    assert all(key.startswith("aggregator:call-limit:") for key in keys)
    assert not any(TOKEN in key or "client-id-1" in key for key in keys)


async def test_an_unreachable_backend_falls_back_to_this_process_and_is_counted() -> None:
    limits = CallLimits("Plaid", [item_limit(1)], UnreachableState(), KeyedDigests(bytes(32)))
    request = plaid_request("/investments/holdings/get")
    before = metrics.REGISTRY.get_sample_value(
        "aggregator_provider_limits_local_total", {"provider": "plaid"}
    )

    await limits.admit(CALL, request)
    with pytest.raises(UpstreamRateLimited):
        await limits.admit(CALL, request)

    after = metrics.REGISTRY.get_sample_value(
        "aggregator_provider_limits_local_total", {"provider": "plaid"}
    )
    assert (after or 0) - (before or 0) == 2


async def test_a_request_no_limit_concerns_asks_nothing_of_the_backend() -> None:
    limits = CallLimits("Plaid", [item_limit(1)], UnreachableState(), KeyedDigests(bytes(32)))
    before = metrics.REGISTRY.get_sample_value(
        "aggregator_provider_limits_local_total", {"provider": "plaid"}
    )

    for _ in range(3):
        await limits.admit(CALL, plaid_request("/investments/refresh"))

    after = metrics.REGISTRY.get_sample_value(
        "aggregator_provider_limits_local_total", {"provider": "plaid"}
    )
    assert after == before
