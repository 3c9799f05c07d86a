"""Calling the gateway with fuzzed input, the properties every answer must have, and the figures
of a run (examples, status histogram) that the suite prints at its end."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

import grpc
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status
from pydantic import BaseModel

from aggregator.v1 import aggregator_service_pb2
from service.config import Settings
from service.rpc.status import GATEWAY_DOMAIN
from service.sandbox import RecordedRequest, SandboxUpstreams
from service.sandbox.mesh.bodies import (
    BalanceBody,
    CancelOrderBody,
    HoldingsGetBody,
    HoldingsValueBody,
    OrderListBody,
)
from service.sandbox.mesh.endpoints import (
    BALANCE_PATH,
    CANCEL_PATH,
    DETAILS_PATH,
    HOLDINGS_GET_PATH,
    HOLDINGS_VALUE_PATH,
    LIST_PATH,
)
from tests.conftest import Gateway

SERVICE = aggregator_service_pb2.DESCRIPTOR.services_by_name["AggregatorService"]
MAX_RECEIVE_BYTES: int = Settings.model_fields["aggregator_grpc_max_receive_bytes"].default
MESH_BODIES: dict[str, type[BaseModel]] = {
    HOLDINGS_VALUE_PATH: HoldingsValueBody,
    HOLDINGS_GET_PATH: HoldingsGetBody,
    CANCEL_PATH: CancelOrderBody,
    BALANCE_PATH: BalanceBody,
    DETAILS_PATH: CancelOrderBody,
    LIST_PATH: OrderListBody,
}
LEAK = re.compile(
    r"Traceback|File \"|\.py\b|site-packages|<class |\b[A-Z][A-Za-z]*(?:Error|Exception)\b"
)
"""What no answer may carry: a traceback, a source path or an exception class name."""


@dataclass
class Answer:
    code: grpc.StatusCode
    texts: list[str]
    """The status message and every text of its rich details."""
    error_info: error_details_pb2.ErrorInfo | None = None
    responses: list[Message] = field(default_factory=list)

    @property
    def label(self) -> str:
        reason = f" {self.error_info.reason}" if self.error_info is not None else ""
        return f"{self.code.name}{reason}"


def _answer_of(error: grpc.aio.AioRpcError) -> Answer:
    status: status_pb2.Status | None = rpc_status.from_call(error)
    texts = [error.details() or ""]
    error_info = None
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            error_info = error_details_pb2.ErrorInfo()
            detail.Unpack(error_info)
            texts += [error_info.reason, error_info.domain, *error_info.metadata.values()]
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            for violation in bad_request.field_violations:
                texts += [violation.field, violation.description]
    return Answer(error.code(), texts, error_info)


def _is_stream(rpc: str) -> bool:
    return SERVICE.methods_by_name[rpc].server_streaming


async def call_with_message(gateway: Gateway, rpc: str, request: Message) -> Answer:
    method = getattr(gateway.stub, rpc)
    responses: list[Message] = []
    try:
        if _is_stream(rpc):
            responses = [response async for response in method(request, timeout=30)]
        else:
            responses = [await method(request, timeout=30)]
    except grpc.aio.AioRpcError as error:
        return _answer_of(error)
    return Answer(grpc.StatusCode.OK, [], responses=responses)


async def call_with_bytes(gateway: Gateway, rpc: str, payload: bytes) -> Answer:
    path = f"/{SERVICE.full_name}/{rpc}"
    output = SERVICE.methods_by_name[rpc].output_type._concrete_class
    responses: list[Message] = []
    try:
        if _is_stream(rpc):
            call = gateway.channel.unary_stream(path, response_deserializer=output.FromString)
            responses = [response async for response in call(payload, timeout=30)]
        else:
            unary = gateway.channel.unary_unary(path, response_deserializer=output.FromString)
            responses = [await unary(payload, timeout=30)]
    except grpc.aio.AioRpcError as error:
        return _answer_of(error)
    return Answer(grpc.StatusCode.OK, [], responses=responses)


async def assert_serving(gateway: Gateway) -> None:
    health = health_pb2_grpc.HealthStub(gateway.channel)
    reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def assert_acceptable(
    answer: Answer, rpc: str, request: Message | None, size: int, sandbox: SandboxUpstreams
) -> None:
    """The properties of every answer; `request` is what the bytes decode to, if anything."""
    upstream = [r for simulator in sandbox.simulators.values() for r in simulator.requests]
    for text in answer.texts:
        assert not LEAK.search(text), f"the answer leaks internals: {text!r}"
    if answer.code == grpc.StatusCode.OK:
        assert request is not None, "the gateway accepted bytes that do not decode"
        names_a_connection = {"connection", "connections"} & set(request.DESCRIPTOR.fields_by_name)
        assert upstream or not names_a_connection, "an accepted request reached no upstream"
        _assert_well_formed(request, sandbox)
        _assert_no_failed_entry(answer.responses)
    elif answer.code == grpc.StatusCode.INVALID_ARGUMENT:
        assert answer.error_info is not None
        assert answer.error_info.domain == GATEWAY_DOMAIN, (
            f"an upstream refused what the gateway sent it: {answer.texts}"
        )
        assert upstream == [], f"a refused request reached an upstream: {upstream[:1]}"
    elif answer.code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        assert size > MAX_RECEIVE_BYTES, answer.texts
        assert upstream == []
    else:
        raise AssertionError(f"{answer.label} is not an allowed answer: {answer.texts}")


def _connections(request: Message) -> list[Message]:
    found = []
    if "connection" in request.DESCRIPTOR.fields_by_name and request.HasField("connection"):
        found.append(request.connection)  # type: ignore[attr-defined]
    if "connections" in request.DESCRIPTOR.fields_by_name:
        found.extend(request.connections)  # type: ignore[attr-defined]
    return found


def _assert_well_formed(request: Message, sandbox: SandboxUpstreams) -> None:
    """Each upstream request fits the sandbox's schema and carries the caller's values intact."""
    connections = _connections(request)
    tokens = {c.mesh.auth_token for c in connections if c.HasField("mesh")}
    links = {c.moneykit.link_id for c in connections if c.HasField("moneykit")}
    for sent in sandbox.mesh.requests:
        body = MESH_BODIES[sent.path].model_validate_json(sent.body)
        assert getattr(body, "auth_token", None) in tokens
    access_tokens = {c.plaid.access_token for c in connections if c.HasField("plaid")}
    for sent in sandbox.plaid.requests:
        body = json.loads(sent.body)
        assert body["access_token"] in access_tokens, sent.path
    account_ids = list(getattr(request, "account_ids", []))
    for sent in sandbox.moneykit.requests:
        if sent.path == "/auth/token":
            continue
        link_id, endpoint = _link_endpoint(sent)
        assert link_id in links, sent.path
        if endpoint in ("investments/holdings", "investments/transactions", "accounts"):
            query = parse_qs(sent.query, keep_blank_values=True)
            assert query.get("account_ids", []) == account_ids, sent.query


def _link_endpoint(sent: RecordedRequest) -> tuple[str, str]:
    """The link id of a `/links/{id}...` request, and the endpoint's path after it."""
    match sent.path.split("/"):
        case ["", "links", encoded, *rest]:
            return unquote(encoded), "/".join(rest)
    raise AssertionError(f"not a link path: {sent.path}")


def _assert_no_failed_entry(responses: list[Message]) -> None:
    for response in responses:
        entries = getattr(response, "entries", None)
        for entry in [*(entries or []), *([response.entry] if _has(response, "entry") else [])]:
            assert entry.WhichOneof("result") == "data", entry


def _has(message: Message, name: str) -> bool:
    return name in message.DESCRIPTOR.fields_by_name and message.HasField(name)


class Figures:
    """Examples run and answers seen, by suite and RPC."""

    def __init__(self) -> None:
        self.answers: Counter[tuple[str, str, str]] = Counter()
        self.upstream_requests: Counter[str] = Counter()

    def record(self, suite: str, rpc: str, answer: Answer, upstream_requests: int) -> None:
        self.answers[(suite, rpc, answer.label)] += 1
        self.upstream_requests[suite] += upstream_requests

    def report(self) -> list[str]:
        lines = []
        for suite in sorted({suite for suite, _, _ in self.answers}):
            examples = sum(n for (s, _, _), n in self.answers.items() if s == suite)
            lines.append(
                f"{suite}: {examples} examples, {self.upstream_requests[suite]} upstream requests"
            )
            histogram: Counter[str] = Counter()
            for (s, rpc, label), count in sorted(self.answers.items()):
                if s == suite:
                    lines.append(f"  {rpc:<18} {label:<40} {count}")
                    histogram[label] += count
            lines.append("  statuses: " + ", ".join(f"{k} {v}" for k, v in histogram.most_common()))
        return lines


FIGURES = Figures()
