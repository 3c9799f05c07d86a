"""Secrets never reach the logs: registered credentials, the request's secrets, bearer tokens."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from aggregator.v1.aggregator_service_pb2 import CancelOrderRequest, GetHoldingsValueRequest
from aggregator.v1.connection_pb2 import Connection, MeshConnection
from aggregator.v1.institution_pb2 import Institution
from service.observability import redaction
from service.observability.logs import JsonFormatter
from service.observability.redaction import (
    REDACTED,
    register_secret,
    register_secret_fields,
    request_secrets,
    scrub,
)
from service.providers.registry import secret_fields

# As the server does at start-up: the providers' connection secrets are secret fields.
register_secret_fields(secret_fields())


def unique(prefix: str) -> str:
    # Registered secrets stay registered for the whole process: never reuse one.
    return f"{prefix}-{uuid.uuid4().hex}"


def cancel_request(auth_token: str, mfa_code: str) -> CancelOrderRequest:
    return CancelOrderRequest(
        connection=Connection(
            mesh=MeshConnection(institution=Institution.INSTITUTION_KRAKEN, auth_token=auth_token)
        ),
        order_id="order-42",
        mfa_code=mfa_code,
        symbol_pair="BTC/USD",
    )


# scrub ----------------------------------------------------------------------------------------


def test_a_registered_secret_is_scrubbed_everywhere_it_appears() -> None:
    secret = unique("client-secret")
    register_secret(secret)

    text = scrub(f"X-Client-Secret: {secret}; again={secret}!")

    assert secret not in text
    assert text == f"X-Client-Secret: {REDACTED}; again={REDACTED}!"


def test_an_empty_secret_is_not_registered() -> None:
    register_secret("")

    assert scrub("nothing to hide") == "nothing to hide"


def test_the_secret_fields_of_the_current_request_are_scrubbed() -> None:
    auth_token = unique("user-token")
    mfa_code = unique("mfa")
    message = f"cancel with token={auth_token} mfa={mfa_code} order=order-42 pair=BTC/USD"

    with request_secrets(cancel_request(auth_token, mfa_code)):
        inside = scrub(message)

    assert inside == f"cancel with token={REDACTED} mfa={REDACTED} order=order-42 pair=BTC/USD"
    assert scrub(message) == message, "the request's secrets are forgotten once it is served"


def test_a_request_without_secrets_scrubs_nothing() -> None:
    with request_secrets(CancelOrderRequest(order_id="order-42")):
        assert scrub("order-42 status") == "order-42 status"


def test_nested_request_secrets_restore_the_outer_ones() -> None:
    outer = unique("outer-token")
    inner = unique("inner-token")
    outer_request = GetHoldingsValueRequest(
        connection=Connection(mesh=MeshConnection(auth_token=outer))
    )

    with request_secrets(outer_request):
        with request_secrets(cancel_request(inner, "")):
            assert scrub(f"{inner}") == REDACTED
        assert scrub(f"{outer} {inner}") == f"{REDACTED} {inner}"


async def test_concurrent_requests_scrub_only_their_own_secrets() -> None:
    first, second = unique("first-token"), unique("second-token")
    both_inside = asyncio.Barrier(2)

    async def serve(token: str) -> str:
        with request_secrets(cancel_request(token, "")):
            await both_inside.wait()
            return scrub(f"{first} {second}")

    seen_by_first, seen_by_second = await asyncio.gather(serve(first), serve(second))

    assert seen_by_first == f"{REDACTED} {second}"
    assert seen_by_second == f"{first} {REDACTED}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-123_XYZ", f"Authorization: Bearer {REDACTED}"),
        ("authorization: bearer eyJhbGciOi.x.y", f"authorization: bearer {REDACTED}"),
        (
            "{'Authorization': 'Bearer tok-1', 'Accept': 'application/json'}",
            f"{{'Authorization': 'Bearer {REDACTED}', 'Accept': 'application/json'}}",
        ),
        ('{"authorization": "BEARER tok-2"}', f'{{"authorization": "BEARER {REDACTED}"}}'),
        ("Bearer   spaced", f"Bearer   {REDACTED}"),
    ],
)
def test_bearer_tokens_are_scrubbed(text: str, expected: str) -> None:
    assert scrub(text) == expected


_BEARER_PIECES = st.sampled_from(
    [
        *("bearer", "BeArEr", "BEARER", "bearer ", "Bearer\t", "tok-1", " ", "'", '"', ",", "\n"),
        # Letters that case-fold oddly: long s, Kelvin sign, dotted and dotless i.
        *("\u017f", "\u212a", "\u0130", "\u0131", "\u00e9"),
    ]
)


@given(st.lists(_BEARER_PIECES | st.text(max_size=8), max_size=12).map("".join))
def test_bearer_scrubbing_is_the_patterns_substitution_for_any_text(text: str) -> None:
    # Secrets other tests registered are scrubbed too; this is about bearer tokens alone.
    assume(not any(form in text for form in redaction._static_forms))
    expected = redaction._BEARER.sub(lambda match: match.group(1) + REDACTED, text)
    assert scrub(text) == expected


# Log records ----------------------------------------------------------------------------------


@pytest.fixture
def redacted_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose records go through the gateway's redaction to a formatted stream."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(f"tests.unit.redaction.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    original_factory = logging.getLogRecordFactory()
    installed = getattr(redaction, "_installed", None)
    if hasattr(redaction, "install_redaction"):
        redaction._installed = False  # type: ignore[attr-defined]
        redaction.install_redaction()
    else:  # the earlier design: a handler filter
        handler.addFilter(redaction.RedactingFilter())  # type: ignore[attr-defined]
    try:
        yield logger, stream
    finally:
        logging.setLogRecordFactory(original_factory)
        if installed is not None:
            redaction._installed = installed  # type: ignore[attr-defined]
        logger.removeHandler(handler)


def test_formatted_arguments_are_scrubbed(
    redacted_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = redacted_log
    static = unique("client-secret")
    register_secret(static)
    auth_token, mfa_code = unique("user-token"), unique("mfa")

    with request_secrets(cancel_request(auth_token, mfa_code)):
        logger.info("calling with %s, %s and %r", static, auth_token, {"mfa": mfa_code})
        logger.warning("headers: %s", {"Authorization": "Bearer live-token-123"})

    output = stream.getvalue()
    for secret in (static, auth_token, mfa_code, "live-token-123"):
        assert secret not in output
    assert output.count(REDACTED) == 4
    assert "INFO calling with" in output
    assert "WARNING headers:" in output


def test_tracebacks_are_scrubbed(redacted_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = redacted_log
    auth_token = unique("user-token")

    with request_secrets(cancel_request(auth_token, "")):
        try:
            raise RuntimeError(f"upstream refused token {auth_token}")
        except RuntimeError:
            logger.exception("cancel failed for %s", auth_token)

    output = stream.getvalue()
    assert auth_token not in output
    assert "Traceback (most recent call last)" in output
    assert f"RuntimeError: upstream refused token {REDACTED}" in output
    assert f"cancel failed for {REDACTED}" in output


def test_records_logged_outside_a_request_keep_their_text(
    redacted_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = redacted_log

    logger.info("upstream %s answered %d in %.1f ms", "mesh", 200, 12.25)

    assert stream.getvalue() == "INFO upstream mesh answered 200 in 12.2 ms\n"


@pytest.mark.parametrize(
    ("message", "caller_shown_in_message"),
    [("rpc caller=%s", True), ("rpc done", False)],
)
def test_json_lines_scrub_the_fields_they_carry_beside_the_message(
    redacted_log: tuple[logging.Logger, io.StringIO], message: str, caller_shown_in_message: bool
) -> None:
    logger, stream = redacted_log
    for handler in logger.handlers:
        handler.setFormatter(JsonFormatter())
    auth_token = unique("user-token")
    caller = f"caller with {auth_token}"
    args = (caller,) if caller_shown_in_message else ()

    with request_secrets(cancel_request(auth_token, "")):
        logger.info(message, *args, extra={"caller": caller, "provider": "mesh"})
        logger.info("rpc caller=%s", "ops-team", extra={"caller": "ops-team"})

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert auth_token not in stream.getvalue()
    assert first["caller"] == f"caller with {REDACTED}"
    assert first["provider"] == "mesh"
    assert second["caller"] == "ops-team"


def test_the_per_rpc_record_is_the_record_the_logger_would_make_with_its_message_scrubbed(
    redacted_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, _ = redacted_log
    auth_token = unique("user-token")
    fields: dict[str, object] = {"method": "/m", "caller": "ops", "attempts": 2}
    message = f"rpc method=/m token={auth_token}"

    with request_secrets(cancel_request(auth_token, "")):
        made = logger.makeRecord(logger.name, logging.INFO, "(unknown file)", 0, message, (),
                                 None, "(unknown function)", fields)  # fmt: skip
        lean = redaction.redacted_record(logger, logging.INFO, message, fields)

    timing = {"created", "msecs", "relativeCreated"}
    assert {k: v for k, v in vars(lean).items() if k not in timing} == {
        k: v for k, v in vars(made).items() if k not in timing
    }
    assert lean.getMessage() == f"rpc method=/m token={REDACTED}"
    assert abs(lean.created - made.created) < 60
    assert 0 <= lean.msecs < 1000


def test_the_per_rpc_record_comes_from_another_record_factory_when_one_replaced_ours(
    redacted_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, _ = redacted_log
    ours = logging.getLogRecordFactory()

    def tagging_factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = ours(*args, **kwargs)  # type: ignore[arg-type]
        record.tagged = True
        return record

    logging.setLogRecordFactory(tagging_factory)
    try:
        record = redaction.redacted_record(logger, logging.INFO, "rpc done", {"code": "OK"})
    finally:
        logging.setLogRecordFactory(ours)

    assert getattr(record, "tagged", False)
    assert getattr(record, "code", None) == "OK"
