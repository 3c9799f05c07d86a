"""Mesh `POST /api/v1/holdings/value`: an account's value and performance by asset class."""

from __future__ import annotations

from datetime import datetime

from aggregator.v1.aggregator_service_pb2 import GetHoldingsValueRequest, GetHoldingsValueResponse
from aggregator.v1.source_pb2 import PROVIDER_MESH
from service.core.converters import data_source, decimal_field, to_result_envelope
from service.providers.mesh.connection import valid_institution
from service.providers.mesh.models import HoldingsValueBody, HoldingsValueResult
from service.providers.mesh.responses import (
    CURRENCY,
    GATEWAY_CREDENTIALS_REJECTED,
    envelope_of,
    read_result,
)
from service.providers.operation import Operation, UpstreamRequest
from service.providers.upstream import UpstreamCall, UpstreamResponse

CALL = UpstreamCall(provider="mesh", operation="holdings_value")
PATH = "/api/v1/holdings/value"


def build(request: GetHoldingsValueRequest) -> UpstreamRequest:
    institution = valid_institution(request.connection.mesh)
    body = HoldingsValueBody(
        auth_token=request.connection.mesh.auth_token, type=institution.wire_name
    )
    return UpstreamRequest("POST", PATH, json_body=body.to_json_bytes())


def read(response: UpstreamResponse) -> HoldingsValueResult:
    return read_result(response, HoldingsValueResult, CALL, GATEWAY_CREDENTIALS_REJECTED)


def convert(result: HoldingsValueResult, received_at: datetime) -> GetHoldingsValueResponse:
    content = result.content
    response = GetHoldingsValueResponse(
        result=to_result_envelope(envelope_of(result)),
        source=data_source(PROVIDER_MESH, computed=False, as_of=received_at, from_provider=False),
        currency=CURRENCY,
    )
    if content is not None:
        for name in (
            "total_value",
            "total_performance",
            "equities_value",
            "equities_performance",
            "cryptocurrencies_value",
            "cryptocurrencies_performance",
            "nfts_value",
            "fiat_value",
        ):
            decimal_field(response, name, getattr(content, name))
    return response


OPERATION = Operation(CALL, build, read, convert)
