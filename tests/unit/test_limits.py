"""Request field limits: the walk finds every value over its limit, wherever it is nested, and
names it by its path; the declared limits name real request fields."""

from __future__ import annotations

from google.protobuf import struct_pb2, wrappers_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from grpc_health.v1 import health_pb2
from hypothesis import given
from hypothesis import strategies as st

from aggregator.v1 import aggregator_service_pb2
from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    GetHoldingsRequest,
    GetPortfolioRequest,
)
from aggregator.v1.holdings_pb2 import Link, LinkProduct
from service.core.errors import FieldViolation
from service.core.limits import (
    DEFAULT_LIMIT,
    GATEWAY_LIMITS,
    MAX_VIOLATIONS,
    FieldLimit,
    size_within_limits,
    url_encoded_length,
    violations,
)
from service.providers.mesh.limits import FIELD_LIMITS as MESH_LIMITS
from service.providers.moneykit.limits import FIELD_LIMITS as MONEYKIT_LIMITS
from service.providers.plaid.limits import FIELD_LIMITS as PLAID_LIMITS
from service.providers.registry import PROVIDERS, field_limits
from service.providers.snaptrade.limits import FIELD_LIMITS as SNAPTRADE_LIMITS
from tests.e2e import requests

LIMITS = field_limits()
SERVICE = aggregator_service_pb2.DESCRIPTOR.services_by_name["AggregatorService"]


def test_a_value_over_its_limit_is_named_by_its_path_with_the_limit() -> None:
    connections = [requests.moneykit(), requests.moneykit(), requests.mesh(), requests.mesh()]
    connections[3].mesh.auth_token = "t" * 8193
    request = GetPortfolioRequest(connections=connections)

    assert violations(request, LIMITS) == [
        FieldViolation(
            "connections[3].mesh.auth_token", "must be at most 8192 characters long; it has 8193"
        )
    ]


def test_values_at_their_limits_pass() -> None:
    longest = requests.holdings("m" * 128, *(["é" * 42] * 100))  # 42 x 6 = 252 bytes encoded
    widest = requests.holdings("%" * 85 + "x")  # 85 x 3 + 1 = 256 bytes encoded
    cancel = CancelOrderRequest(
        connection=requests.mesh("t" * 8192), order_id="o" * 256, mfa_code="1" * 64
    )

    assert violations(longest, LIMITS) == []
    assert violations(widest, LIMITS) == []
    assert violations(cancel, LIMITS) == []


def test_a_short_value_can_still_be_too_long_for_the_url() -> None:
    request = requests.holdings("é" * 43)  # 43 characters, 258 bytes percent-encoded

    (violation,) = violations(request, LIMITS)

    assert violation.field == "connection.moneykit.link_id"
    assert "at most 256 bytes once percent-encoded" in violation.description
    assert "it has 258" in violation.description


def test_too_many_entries_is_one_violation_and_the_entries_are_not_walked() -> None:
    request = requests.holdings("mk_1", *(["x" * 10_000] * 101))

    assert violations(request, LIMITS) == [
        FieldViolation("account_ids", "must have at most 100 entries; it has 101")
    ]


def test_each_entry_of_a_repeated_string_is_bounded() -> None:
    request = requests.holdings("mk_1", "acc_1", "a" * 129)

    assert [v.field for v in violations(request, LIMITS)] == ["account_ids[1]"]


def test_every_oneof_branch_is_walked() -> None:
    mesh = CancelOrderRequest(connection=requests.mesh("t" * 9000), order_id="o" * 257)
    moneykit = GetHoldingsRequest(connection=requests.moneykit("m" * 129))

    assert [v.field for v in violations(mesh, LIMITS)] == [
        "connection.mesh.auth_token",
        "order_id",
    ]
    assert [v.field for v in violations(moneykit, LIMITS)] == ["connection.moneykit.link_id"]


def test_a_field_without_a_declared_limit_gets_the_default() -> None:
    request = health_pb2.HealthCheckRequest(service="s" * (DEFAULT_LIMIT.max_chars + 1))

    (violation,) = violations(request, LIMITS)

    assert violation.field == "service"
    assert f"at most {DEFAULT_LIMIT.max_chars} characters" in violation.description


def test_bytes_are_counted_in_bytes() -> None:
    limits = {"google.protobuf.BytesValue.value": FieldLimit(max_chars=4)}

    assert violations(wrappers_pb2.BytesValue(value=b"1234"), limits) == []
    assert violations(wrappers_pb2.BytesValue(value=b"12345"), limits) == [
        FieldViolation("value", "must be at most 4 bytes long; it has 5")
    ]


def test_map_entries_are_bounded_and_named_by_their_keys() -> None:
    limits = {
        "aggregator.v1.Link.products": FieldLimit(max_entries=2),
        "aggregator.v1.Link.ProductsEntry.key": FieldLimit(max_chars=8),
    }
    long_key = Link(products={"holdings": LinkProduct(), "k" * 9: LinkProduct()})
    crowded = Link(products={name: LinkProduct() for name in ("a", "b", "c")})

    assert violations(long_key, limits) == [
        FieldViolation("products", "a key must be at most 8 characters long; it has 9")
    ]
    assert [v.field for v in violations(crowded, limits)] == ["products"]


def test_map_values_are_walked_under_their_key_quoted_as_json() -> None:
    limits = {"google.protobuf.Value.string_value": FieldLimit(max_chars=4)}
    struct = struct_pb2.Struct()
    struct.fields["ok"].string_value = "1234"
    struct.fields["rtl\u202e"].string_value = "12345"

    assert violations(struct, limits) == [
        FieldViolation(
            'fields["rtl\\u202e"].string_value', "must be at most 4 characters long; it has 5"
        )
    ]


def test_at_most_a_few_violations_are_reported() -> None:
    request = GetPortfolioRequest(connections=[requests.mesh("t" * 9000)] * 50)

    found = violations(request, LIMITS)

    assert len(found) == MAX_VIOLATIONS
    assert found[-1].field == f"connections[{MAX_VIOLATIONS - 1}].mesh.auth_token"


def test_a_violation_never_holds_the_value() -> None:
    secret = "s3cret-" * 2000
    request = CancelOrderRequest(connection=requests.mesh(secret), mfa_code=secret)

    found = violations(request, LIMITS)

    assert len(found) == 2
    assert all("s3cret" not in v.description for v in found)


@given(st.text())
def test_the_encoded_length_counts_three_per_byte_outside_the_unreserved_set(text: str) -> None:
    unreserved = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    expected = sum(1 if byte in unreserved else 3 for byte in text.encode())

    assert url_encoded_length(text) == expected


def request_fields() -> dict[str, FieldDescriptor]:
    """Every field of every message reachable from the service's requests, by full name."""
    found: dict[str, FieldDescriptor] = {}
    pending: list[Descriptor] = [method.input_type for method in SERVICE.methods]
    while pending:
        message = pending.pop()
        for field in message.fields:
            if field.full_name not in found:
                found[field.full_name] = field
                if field.message_type is not None:
                    pending.append(field.message_type)
    return found


def test_every_declared_limit_names_a_bounded_field_of_a_request() -> None:
    fields = request_fields()

    for name in LIMITS:
        field = fields.get(name)
        assert field is not None, f"{name} is not a field of any request"
        assert field.is_repeated or field.type in (field.TYPE_STRING, field.TYPE_BYTES), name


def test_the_gateway_and_each_provider_declare_their_own_fields() -> None:
    declared = [set(GATEWAY_LIMITS), *(set(provider.field_limits) for provider in PROVIDERS)]

    assert sum(len(names) for names in declared) == len(set().union(*declared)) == len(LIMITS)
    assert all(name.startswith("aggregator.v1.MeshConnection.") for name in MESH_LIMITS)
    assert all(name.startswith("aggregator.v1.MoneyKitLink.") for name in MONEYKIT_LIMITS)
    assert all(name.startswith("aggregator.v1.PlaidItem.") for name in PLAID_LIMITS)
    assert all(name.startswith("aggregator.v1.SnapTradeAccount.") for name in SNAPTRADE_LIMITS)


def test_a_request_no_larger_than_its_types_smallest_limit_is_not_walked_for_one() -> None:
    # CancelOrderRequest's smallest limits are its symbol pair's and MFA code's 64 characters.
    assert size_within_limits(CancelOrderRequest.DESCRIPTOR, LIMITS) == 64
    # A percent-encoded value may take three bytes per byte: 10 encoded bytes are 3 raw ones.
    assert size_within_limits(
        aggregator_service_pb2.ListInvestmentTransactionsRequest.DESCRIPTOR, LIMITS
    ) == (10 // 3)
    # A recursive type is walked once; its map and list fields have the default entry limit.
    assert size_within_limits(struct_pb2.Struct.DESCRIPTOR, LIMITS) == DEFAULT_LIMIT.max_entries


@given(
    order_id=st.text(max_size=300),
    mfa_code=st.text(max_size=80),
    symbol_pair=st.text(max_size=80),
    token=st.text(max_size=100),
)
def test_no_request_within_its_types_size_has_a_value_over_a_limit(
    order_id: str, mfa_code: str, symbol_pair: str, token: str
) -> None:
    request = CancelOrderRequest(
        connection=requests.mesh(token), order_id=order_id, mfa_code=mfa_code,
        symbol_pair=symbol_pair,
    )  # fmt: skip

    if request.ByteSize() <= size_within_limits(CancelOrderRequest.DESCRIPTOR, LIMITS):
        assert violations(request, LIMITS) == []


@given(st.lists(st.integers(min_value=0, max_value=8), min_size=9, max_size=12))
def test_a_small_request_over_an_entry_limit_is_still_larger_than_its_types_size(
    statuses: list[int],
) -> None:
    # Packed enum entries take a byte each, the default value's included.
    request = aggregator_service_pb2.ListOrdersRequest(
        connection=requests.mesh("t"),
        statuses=statuses,  # type: ignore[arg-type]
    )

    assert violations(request, LIMITS)
    assert request.ByteSize() > size_within_limits(request.DESCRIPTOR, LIMITS)
