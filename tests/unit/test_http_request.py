"""The one place an `UpstreamRequest` becomes the HTTP request that is sent, built once."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.core.errors import InvalidRequest
from service.providers.client import HttpProviderClient
from service.providers.operation import UpstreamRequest
from service.providers.settings import ProviderSettings
from service.providers.upstream import UpstreamCall, UpstreamResponse
from tests.unit.builders import single_attempt_guard


class Client(HttpProviderClient[ProviderSettings]):
    async def send(self, call: UpstreamCall, request: UpstreamRequest) -> UpstreamResponse:
        raise AssertionError("never sent")


CLIENT = Client(
    "Test",
    ProviderSettings(base_url="https://api.test:8443/v2/"),
    None,  # type: ignore[arg-type]
    single_attempt_guard("test"),
)


def test_the_base_path_and_encoded_path_stay_as_written() -> None:
    built = CLIENT.http_request(
        UpstreamRequest("POST", "/links/mk%2F..%2Fx/holdings", json_body=b"{}"), {"A": "1"}
    )

    assert built.origin == "https://api.test:8443"
    assert built.target == "/v2/links/mk%2F..%2Fx/holdings"
    assert built.url == "https://api.test:8443/v2/links/mk%2F..%2Fx/holdings"
    assert built.headers == {"A": "1", "Content-Type": "application/json"}
    assert built.body == b"{}"


@given(st.lists(st.tuples(st.text(min_size=1), st.text()), min_size=1, max_size=5))
def test_every_query_value_travels_exactly(query: list[tuple[str, str]]) -> None:
    built = CLIENT.http_request(UpstreamRequest("GET", "/accounts", tuple(query)), {})

    path, _, raw_query = built.target.partition("?")
    assert path == "/v2/accounts"
    assert raw_query.isascii()
    assert parse_qsl(raw_query, keep_blank_values=True) == query


@pytest.mark.parametrize("value", ["tök", "a\r\nX-Injected: 1", "tab\there"])
def test_a_header_value_no_request_can_carry_is_refused_before_sending(value: str) -> None:
    with pytest.raises(InvalidRequest):
        CLIENT.http_request(UpstreamRequest("GET", "/x", headers=(("Authorization", value),)), {})


def test_a_url_over_the_limit_is_refused_before_sending() -> None:
    with pytest.raises(InvalidRequest):
        CLIENT.http_request(UpstreamRequest("GET", "/x", (("q", "a" * 70_000),)), {})
