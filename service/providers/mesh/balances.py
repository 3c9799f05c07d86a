"""Mesh `POST /api/v1/balance/get`: an account's real-time cash and buying power per currency.

Mesh reports balances per currency, not per account, so each `Balance` has no account id;
the USD totals Mesh computes over the currencies go in the response's `total_*` fields.

HTTP 401 here means the gateway's client id or secret: the document says only "Unauthorized",
and only the order endpoints document a 401 for the user's token; the token travels in the body
like the holdings endpoints', whose 401 the document gives as the client credentials.
"""

from __future__ import annotations

from datetime import datetime

from aggregator.v1.aggregator_service_pb2 import GetBalancesRequest, GetBalancesResponse
from aggregator.v1.balance_pb2 import Balance
from aggregator.v1.source_pb2 import PROVIDER_MESH
from service.core.converters import data_source, decimal_field, to_result_envelope
from service.core.validation import Violations
from service.providers.mesh.connection import validate_connection
from service.providers.mesh.models import BalanceBody, BalancesResult, CurrencyBalance
from service.providers.mesh.responses import (
    GATEWAY_CREDENTIALS_REJECTED,
    envelope_of,
    read_result,
)
from service.providers.operation import Operation, UpstreamRequest
from service.providers.upstream import UpstreamCall, UpstreamResponse

CALL = UpstreamCall(provider="mesh", operation="balances")
PATH = "/api/v1/balance/get"


def build(request: GetBalancesRequest) -> UpstreamRequest:
    violations = Violations()
    institution = validate_connection(request.connection.mesh, violations)
    if request.account_ids:
        # A filter Mesh cannot apply would answer balances the caller did not ask for.
        violations.add(
            "account_ids", "must be empty for a Mesh connection: Mesh balances are per currency"
        )
    violations.raise_if_any()
    assert institution is not None
    body = BalanceBody(auth_token=request.connection.mesh.auth_token, type=institution.wire_name)
    return UpstreamRequest("POST", PATH, json_body=body.to_json_bytes())


def read(response: UpstreamResponse) -> BalancesResult:
    return read_result(response, BalancesResult, CALL, GATEWAY_CREDENTIALS_REJECTED)


def convert(result: BalancesResult, received_at: datetime) -> GetBalancesResponse:
    response = GetBalancesResponse(
        result=to_result_envelope(envelope_of(result)),
        source=data_source(PROVIDER_MESH, computed=False, as_of=received_at, from_provider=False),
        # Mesh reads the institution on every call; the request's `real_time` changes nothing.
        real_time=True,
    )
    content = result.content
    if content is None:
        return response
    response.balances.extend(_balance(balance) for balance in content.balances)
    decimal_field(response, "total_cash_usd_value", content.total_cash_usd_value)
    decimal_field(response, "total_buying_power_usd_value", content.total_buying_power_usd_value)
    return response


def _balance(source: CurrencyBalance) -> Balance:
    balance = Balance(currency=source.currency_code or "")
    decimal_field(balance, "cash", source.cash)
    decimal_field(balance, "buying_power", source.buying_power)
    decimal_field(balance, "cryptocurrency_buying_power", source.cryptocurrency_buying_power)
    return balance


OPERATION = Operation(CALL, build, read, convert)
