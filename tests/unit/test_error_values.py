"""Gateway errors are immutable values: a change is a new error, and Python's own bookkeeping
(cause, context, traceback, notes) keeps working; `code_of` follows the class hierarchy."""

from __future__ import annotations

import contextlib
import gc
import traceback
import uuid
from collections.abc import AsyncIterator
from dataclasses import FrozenInstanceError

import grpc
import pytest
from google.rpc import code_pb2

from service.core.envelope import Envelope, EnvelopeStatus
from service.core.errors import (
    CircuitOpen,
    GatewayError,
    UpstreamContext,
    UpstreamError,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from service.observability.redaction import REDACTED, request_secrets
from service.providers.upstream import UpstreamCall, restated, upstream_error
from service.rpc import status
from tests.e2e import requests
from tests.unit.test_status_mapping import all_gateway_errors, instance_of

CONTEXT = UpstreamContext("moneykit", "auth_token", 503, Envelope(EnvelopeStatus.SERVER_FAILURE))
READ = UpstreamCall(provider="moneykit", operation="auth_token")


@pytest.mark.parametrize("cls", all_gateway_errors(), ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("name", ["message", "reason", "retryable", "context", "something_new"])
def test_no_attribute_of_a_built_error_can_be_assigned_or_deleted(
    cls: type[GatewayError], name: str
) -> None:
    error = instance_of(cls)
    before = dict(vars(error))

    with pytest.raises(FrozenInstanceError, match="immutable"):
        setattr(error, name, "changed")
    with pytest.raises(FrozenInstanceError, match="immutable"):
        delattr(error, name)

    assert vars(error) == before


def raise_while_handling_another(error: GatewayError, cause: Exception) -> None:
    try:
        raise KeyError("while handling")
    except KeyError:
        raise error from cause


def test_python_still_chains_traces_and_annotates_a_gateway_error() -> None:
    cause = ValueError("malformed")
    error = UpstreamUnavailable("Mesh failed.", CONTEXT)

    with pytest.raises(UpstreamUnavailable) as caught:
        raise_while_handling_another(error, cause)
    error.add_note("seen by the retry loop")

    assert error.__cause__ is cause
    assert isinstance(error.__context__, KeyError)
    assert error.__suppress_context__
    assert error.__traceback__ is not None
    assert error.with_traceback(None) is error
    assert error.__notes__ == ["seen by the retry loop"]
    rendered = "".join(traceback.format_exception(caught.value))
    assert "ValueError: malformed" in rendered
    assert "seen by the retry loop" in rendered


@contextlib.asynccontextmanager
async def passing_through() -> AsyncIterator[None]:
    yield


async def raise_through_context_managers(error: GatewayError) -> None:
    # Both reassign the traceback of an exception that passes through them.
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(passing_through())
        raise error


async def test_a_gateway_error_passes_through_context_managers_that_reset_its_traceback() -> None:
    with pytest.raises(UpstreamNotFound, match="gone") as caught:
        await raise_through_context_managers(UpstreamNotFound("gone", CONTEXT))

    assert caught.value.__traceback__ is not None


def test_what_contextlib_assigns_on_an_exception_stays_assignable() -> None:
    error = UpstreamNotFound("gone", CONTEXT)
    other = KeyError("outer")

    error.__context__ = other
    error.__suppress_context__ = False
    error.__cause__ = None
    error.__traceback__ = None

    assert (error.__context__, error.__cause__, error.__traceback__) == (other, None, None)


@pytest.mark.parametrize(
    "original",
    [
        UpstreamUnavailable("The token endpoint failed.", CONTEXT, retryable=True),
        UpstreamNotFound("No such endpoint.", CONTEXT),
        UpstreamRateLimited("Slow down.", CONTEXT, retry_after_seconds=2.5),
        CircuitOpen("MoneyKit keeps failing.", CONTEXT, retry_after_seconds=7.0),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_restated_error_keeps_kind_and_context_and_is_not_retryable(
    original: UpstreamError,
) -> None:
    message = f"Could not get a MoneyKit access token: {original.message}"

    derived = restated(original, message)

    assert type(derived) is type(original)
    assert derived.context is original.context
    assert derived.message == message
    assert not derived.retryable
    assert getattr(derived, "retry_after_seconds", None) == getattr(
        original, "retry_after_seconds", None
    )
    assert original.message != message, "the original is left as it was"


def test_a_restated_error_is_scrubbed_of_the_secrets_it_quotes() -> None:
    token = f"user-token-{uuid.uuid4().hex}"
    original = upstream_error(UpstreamUnavailable, "MoneyKit failed.", READ)

    with request_secrets(requests.holdings_value(token)):
        derived = restated(original, f"Could not get a token: {token} was refused")

    assert derived.message == f"Could not get a token: {REDACTED} was refused"


# code_of follows the class hierarchy -----------------------------------------------------------


def test_an_unlisted_subclass_gets_its_nearest_listed_ancestors_code() -> None:
    class LinkArchived(UpstreamNotFound):
        reason = "LINK_ARCHIVED"

    class Unlisted(GatewayError):
        reason = "UNLISTED"

    try:
        listed = LinkArchived in status.CODES
        codes = (
            status.code_of(LinkArchived("The link was archived.", CONTEXT)),
            status.code_of(Unlisted("Something failed.")),
        )
        rich = status.to_rpc_status(LinkArchived("The link was archived.", CONTEXT))
    finally:
        # The error tree tests walk every subclass of GatewayError: leave none behind.
        del LinkArchived, Unlisted
        gc.collect()

    assert not listed
    assert codes == (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INTERNAL)
    assert (rich.code, rich.message) == (code_pb2.NOT_FOUND, "The link was archived.")
    assert {cls.__name__ for cls in all_gateway_errors()}.isdisjoint({"LinkArchived", "Unlisted"})
