"""A request's secrets are found however deep they sit (repeated, map, oneof, recursive), and
upstream texts are scrubbed of them where upstream answers become gateway errors."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import Message
from hypothesis import given
from hypothesis import strategies as st

from aggregator.v1.aggregator_service_pb2 import GetPortfolioRequest
from service.core.envelope import Envelope, EnvelopeStatus
from service.core.errors import UpstreamRejectedRequest
from service.observability.redaction import (
    REDACTED,
    register_secret,
    register_secret_fields,
    request_secrets,
    scrub,
    scrub_json,
)
from service.providers.upstream import UpstreamCall, upstream_error
from tests.e2e import requests

Field = descriptor_pb2.FieldDescriptorProto

# Secret fields as providers declare them (Mesh's auth token, an access token).
register_secret_fields({"auth_token", "access_token"})


def unique(prefix: str) -> str:
    # Registered secrets stay registered for the whole process: never reuse one.
    return f"{prefix}-{uuid.uuid4().hex}"


def _field(
    name: str,
    number: int,
    kind: Field.Type.ValueType,
    *,
    label: Field.Label.ValueType = Field.LABEL_OPTIONAL,
    **options: str | int,
) -> Field:
    return Field(name=name, number=number, type=kind, label=label, **options)  # type: ignore[arg-type]


def nested_message_class() -> type[Message]:
    """A message with secret fields in every shape protobuf has, built for this test only."""
    file = descriptor_pb2.FileDescriptorProto(name="redaction_nesting.proto", package="nesting")
    inner = file.message_type.add(name="Inner")
    inner.field.extend(
        [
            _field("auth_token", 1, Field.TYPE_STRING),
            _field("label", 2, Field.TYPE_STRING),
        ]
    )
    outer = file.message_type.add(name="Outer")
    for entry_name, value in (
        ("ByNameEntry", _field("value", 2, Field.TYPE_MESSAGE, type_name=".nesting.Inner")),
        ("MfaCodeEntry", _field("value", 2, Field.TYPE_STRING)),
    ):
        entry = outer.nested_type.add(name=entry_name)
        entry.options.map_entry = True
        entry.field.extend([_field("key", 1, Field.TYPE_STRING), value])
    outer.oneof_decl.add(name="choice")
    repeated = Field.LABEL_REPEATED
    outer.field.extend(
        [
            _field("items", 1, Field.TYPE_MESSAGE, label=repeated, type_name=".nesting.Inner"),
            _field(
                "by_name",
                2,
                Field.TYPE_MESSAGE,
                label=repeated,
                type_name=".nesting.Outer.ByNameEntry",
            ),
            _field(
                "mfa_code",
                3,
                Field.TYPE_MESSAGE,
                label=repeated,
                type_name=".nesting.Outer.MfaCodeEntry",
            ),
            _field("access_token", 4, Field.TYPE_STRING, label=repeated),
            _field("picked", 5, Field.TYPE_MESSAGE, type_name=".nesting.Inner", oneof_index=0),
            _field("client_secret", 6, Field.TYPE_STRING, oneof_index=0),
            _field("child", 7, Field.TYPE_MESSAGE, type_name=".nesting.Outer"),
            _field("label", 8, Field.TYPE_STRING),
        ]
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("nesting.Outer"))


Outer = nested_message_class()


def test_secrets_in_repeated_map_oneof_and_recursive_fields_are_all_found() -> None:
    secrets = [unique(f"secret-{n}") for n in range(7)]
    labels = [unique(f"label-{n}") for n in range(3)]
    message: Any = Outer(label=labels[0])
    message.items.add(auth_token=secrets[0], label=labels[1])
    message.items.add(auth_token=secrets[1])
    message.by_name["first"].auth_token = secrets[2]
    message.mfa_code["sms"] = secrets[3]
    message.access_token.extend([secrets[4], ""])
    message.picked.auth_token = secrets[5]
    message.child.child.items.add(auth_token=secrets[6], label=labels[2])
    text = " ".join([*secrets, *labels])

    with request_secrets(message):
        scrubbed = scrub(text)

    assert scrubbed == " ".join([REDACTED] * len(secrets) + labels)


def test_the_other_branch_of_a_oneof_is_found_too() -> None:
    secret = unique("client-secret")
    message: Any = Outer(client_secret=secret)

    with request_secrets(message):
        assert scrub(f"sent {secret}") == f"sent {REDACTED}"


@given(st.lists(st.uuids().map(lambda u: f"token-{u.hex}"), min_size=1, max_size=8, unique=True))
def test_every_auth_token_of_a_portfolio_is_scrubbed_and_no_link_id(tokens: list[str]) -> None:
    link_id = f"mk_{uuid.uuid4().hex}"
    request = GetPortfolioRequest(
        connections=[requests.mesh(token) for token in tokens] + [requests.moneykit(link_id)]
    )
    text = "; ".join([*tokens, link_id])

    with request_secrets(request):
        scrubbed = scrub(text)

    assert scrubbed == "; ".join([REDACTED] * len(tokens) + [link_id])


def test_scrub_json_scrubs_every_string_key_and_value_and_keeps_the_rest() -> None:
    secret = unique("access-token")
    register_secret(secret)
    data = {
        "token": secret,
        secret: [f"Bearer x-{secret}", {"nested": f"again {secret}"}],
        "amount": Decimal("12.30"),
        "flags": [True, None, 3],
    }

    assert scrub_json(data) == {
        "token": REDACTED,
        REDACTED: [f"Bearer {REDACTED}", {"nested": f"again {REDACTED}"}],
        "amount": Decimal("12.30"),
        "flags": [True, None, 3],
    }


def test_an_upstream_error_built_while_serving_a_portfolio_quotes_none_of_its_tokens() -> None:
    first, second = unique("first-token"), unique("second-token")
    request = GetPortfolioRequest(connections=[requests.mesh(first), requests.mesh(second)])
    echo = f"{first} / {second}"
    envelope = Envelope(
        status=EnvelopeStatus.BAD_REQUEST,
        message=f"bad token {echo}",
        display_message=f"Reconnect {echo}",
        error_type=echo,
        error_hash=echo,
        error_data={"tokens": [first, second]},
    )
    call = UpstreamCall(provider="mesh", operation="holdings")

    with request_secrets(request):
        error = upstream_error(
            UpstreamRejectedRequest, f"Mesh said: {echo}", call, envelope=envelope
        )

    scrubbed_echo = f"{REDACTED} / {REDACTED}"
    assert error.message == f"Mesh said: {scrubbed_echo}"
    assert error.context.envelope == Envelope(
        status=EnvelopeStatus.BAD_REQUEST,
        message=f"bad token {scrubbed_echo}",
        display_message=f"Reconnect {scrubbed_echo}",
        error_type=scrubbed_echo,
        error_hash=scrubbed_echo,
        error_data={"tokens": [REDACTED, REDACTED]},
    )
