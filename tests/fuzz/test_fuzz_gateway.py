"""Fuzzing a real gateway in front of the sandbox with hostile requests, as messages and as raw
bytes: every answer is allowed and leaks nothing, refused input reaches no upstream, accepted
input reaches the upstreams well-formed and intact, and the gateway keeps serving."""

from __future__ import annotations

import logging

import grpc
import pytest
from google.protobuf.message import DecodeError
from hypothesis import given
from hypothesis import strategies as st

from service.sandbox import SandboxUpstreams
from tests.conftest import Gateway
from tests.fuzz.conftest import FUZZ
from tests.fuzz.outcomes import (
    FIGURES,
    SERVICE,
    Answer,
    assert_acceptable,
    assert_serving,
    call_with_bytes,
    call_with_message,
)
from tests.fuzz.strategies import raw_requests, requests

RPCS = [method.name for method in SERVICE.methods]
REQUESTS = {method.name: requests(method.input_type) for method in SERVICE.methods}
RAW = {method.name: raw_requests(method.input_type) for method in SERVICE.methods}


def errors_logged(caplog: pytest.LogCaptureFixture, since: int) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records[since:]
        if record.levelno >= logging.ERROR or record.exc_info is not None
    ]


async def settle(
    suite: str,
    rpc: str,
    answer: Answer,
    gateway: Gateway,
    sandbox: SandboxUpstreams,
    caplog: pytest.LogCaptureFixture,
    logged: int,
) -> None:
    FIGURES.record(suite, rpc, answer, len(sandbox.mesh.requests) + len(sandbox.moneykit.requests))
    assert errors_logged(caplog, logged) == []
    await assert_serving(gateway)


@pytest.mark.parametrize("rpc", RPCS)
@FUZZ
@given(data=st.data())
async def test_any_request_message_gets_an_allowed_answer(
    gateway: Gateway,
    sandbox: SandboxUpstreams,
    caplog: pytest.LogCaptureFixture,
    rpc: str,
    data: st.DataObject,
) -> None:
    request = data.draw(REQUESTS[rpc], label="request")
    sandbox.reset()
    logged = len(caplog.records)

    answer = await call_with_message(gateway, rpc, request)

    assert_acceptable(answer, rpc, request, request.ByteSize(), sandbox)
    await settle("messages", rpc, answer, gateway, sandbox, caplog, logged)


@pytest.mark.parametrize("rpc", RPCS)
@FUZZ
@given(data=st.data())
async def test_any_request_bytes_get_an_allowed_answer(
    gateway: Gateway,
    sandbox: SandboxUpstreams,
    caplog: pytest.LogCaptureFixture,
    rpc: str,
    data: st.DataObject,
) -> None:
    payload = data.draw(RAW[rpc], label="payload")
    try:
        request = SERVICE.methods_by_name[rpc].input_type._concrete_class.FromString(payload)
    except DecodeError:
        request = None
    sandbox.reset()
    logged = len(caplog.records)

    answer = await call_with_bytes(gateway, rpc, payload)

    malformed = answer.error_info is not None and answer.error_info.reason == "MALFORMED_REQUEST"
    assert malformed == (request is None), answer.texts
    if malformed:
        assert answer.code == grpc.StatusCode.INVALID_ARGUMENT
    assert_acceptable(answer, rpc, request, len(payload), sandbox)
    await settle("bytes", rpc, answer, gateway, sandbox, caplog, logged)
