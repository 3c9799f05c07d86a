"""Mesh `POST /api/v1/holdings/get`: an account's positions, normalised to holdings.

Mesh reports positions by kind (equity, crypto, NFT, option, and ones it could not
recognise); each becomes a `Holding` and a `Security` whose id the gateway derives from
the kind and symbol. Values are USD. Mesh's `costBasis` is per unit (its examples show
AAPL x3 at 109), so a holding's total cost basis is amount x costBasis.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from aggregator.v1 import holdings_pb2
from aggregator.v1.aggregator_service_pb2 import GetHoldingsRequest, GetHoldingsResponse
from aggregator.v1.source_pb2 import PROVIDER_MESH
from service.core.converters import data_source, decimal_field, to_result_envelope
from service.core.decimals import exact_product
from service.core.envelope import Envelope, EnvelopeStatus
from service.core.errors import (
    UpstreamUnavailable,
    UserCredentialsRejected,
)
from service.providers.mesh.connection import valid_institution
from service.providers.mesh.models import (
    HoldingsBody,
    HoldingsContent,
    HoldingsResult,
    NftPosition,
    OptionPosition,
    Position,
)
from service.providers.mesh.responses import (
    CURRENCY,
    GATEWAY_CREDENTIALS_REJECTED,
    envelope_of,
    read_result,
)
from service.providers.operation import Operation, UpstreamRequest
from service.providers.upstream import UpstreamCall, UpstreamResponse, upstream_error

CALL = UpstreamCall(provider="mesh", operation="holdings")
PATH = "/api/v1/holdings/get"


def build(request: GetHoldingsRequest) -> UpstreamRequest:
    institution = valid_institution(request.connection.mesh)
    body = HoldingsBody(
        auth_token=request.connection.mesh.auth_token,
        type=institution.wire_name,
        include_market_value=True,
    )
    return UpstreamRequest("POST", PATH, json_body=body.to_json_bytes())


def read(response: UpstreamResponse) -> HoldingsResult:
    """The result, or an error when the institution behind an ok envelope failed."""
    result = read_result(response, HoldingsResult, CALL, GATEWAY_CREDENTIALS_REJECTED)
    content = result.content
    if content is None:
        return result
    if content.status == "failed":
        raise upstream_error(
            UpstreamUnavailable,
            "The institution failed to return holdings through Mesh.",
            CALL,
            http_status=response.status_code,
            envelope=_institution_envelope(result, content),
        )
    if content.status == "notAuthorized":
        raise upstream_error(
            UserCredentialsRejected,
            "The institution no longer authorises the user's connection; reconnect it.",
            CALL,
            http_status=response.status_code,
            envelope=_institution_envelope(result, content),
        )
    return result


def _institution_envelope(result: HoldingsResult, content: HoldingsContent) -> Envelope:
    return Envelope(
        status=EnvelopeStatus.OK,
        message=content.error_message or result.message or "",
        display_message=content.display_message or "",
        error_type=f"institution.{content.status}",
        error_hash=result.error_hash or "",
    )


def convert(result: HoldingsResult, received_at: datetime) -> GetHoldingsResponse:
    response = GetHoldingsResponse(
        result=to_result_envelope(envelope_of(result)),
        source=data_source(PROVIDER_MESH, computed=False, as_of=received_at, from_provider=False),
    )
    content = result.content
    if content is None:
        return response
    account_id = content.account_id or ""
    securities: dict[str, holdings_pb2.Security] = {}

    def add(kind: str, security: holdings_pb2.Security, holding: holdings_pb2.Holding) -> None:
        security.security_id = holding.security_id = f"mesh:{kind}:{security.security_id}"
        security.currency = CURRENCY
        holding.account_id = account_id
        securities.setdefault(security.security_id, security)
        response.holdings.append(holding)

    for kind, positions, security_type in (
        ("equity", content.equity_positions, holdings_pb2.SECURITY_TYPE_EQUITY),
        ("crypto", content.cryptocurrency_positions, holdings_pb2.SECURITY_TYPE_CRYPTO),
        ("unrecognised-equity", content.not_supported_equity_positions, None),
        ("unrecognised-crypto", content.not_supported_cryptocurrency_positions, None),
    ):
        for position in positions:
            add(kind, *_position(position, security_type))
    for nft in content.nft_positions:
        add("nft", *_nft(nft))
    for option in content.option_positions:
        add("option", *_option(option))
    response.securities.extend(securities.values())
    response.accounts.append(
        holdings_pb2.Account(account_id=account_id, name=content.account_name or "")
    )
    response.link.CopyFrom(
        holdings_pb2.Link(
            institution_id=content.type or "",
            institution_name=content.institution_name or "",
            provider="mesh",
            state=holdings_pb2.LINK_STATE_CONNECTED,
        )
    )
    return response


def _position(
    position: Position, security_type: holdings_pb2.SecurityType.ValueType | None
) -> tuple[holdings_pb2.Security, holdings_pb2.Holding]:
    symbol = position.symbol or position.name or ""
    security = holdings_pb2.Security(
        security_id=symbol,
        name=position.name or symbol,
        ticker=position.symbol or "",
        type=security_type if security_type is not None else holdings_pb2.SECURITY_TYPE_UNKNOWN,
    )
    decimal_field(security, "close_price", position.last_price)
    holding = holdings_pb2.Holding()
    decimal_field(holding, "quantity", position.amount)
    decimal_field(holding, "price", position.last_price)
    decimal_field(holding, "value", position.market_value)
    decimal_field(holding, "cost_basis", _total(position.cost_basis, position.amount))
    return security, holding


def _nft(nft: NftPosition) -> tuple[holdings_pb2.Security, holdings_pb2.Holding]:
    identity = f"{nft.contract_address or ''}:{nft.token_id or ''}"
    security = holdings_pb2.Security(
        security_id=identity, name=nft.name or identity, type=holdings_pb2.SECURITY_TYPE_NFT
    )
    holding = holdings_pb2.Holding()
    decimal_field(holding, "quantity", nft.amount)
    decimal_field(holding, "cost_basis", _total(nft.cost_basis, nft.amount))
    return security, holding


def _option(option: OptionPosition) -> tuple[holdings_pb2.Security, holdings_pb2.Holding]:
    strike = format(option.strike_price, "f") if option.strike_price is not None else ""
    identity = (
        f"{option.symbol or ''}:{option.option_type or ''}:{strike}:"
        f"{option.expiration_timestamp or ''}"
    )
    security = holdings_pb2.Security(
        security_id=identity,
        name=f"{option.symbol or ''} {option.option_type or ''} {strike}".strip(),
        ticker=option.symbol or "",
        type=holdings_pb2.SECURITY_TYPE_DERIVATIVE,
    )
    holding = holdings_pb2.Holding()
    decimal_field(holding, "quantity", option.amount)
    decimal_field(holding, "cost_basis", _total(option.average_open_price, option.amount))
    return security, holding


def _total(per_unit: Decimal | None, amount: Decimal | None) -> Decimal | None:
    if per_unit is None or amount is None:
        return None
    return exact_product(per_unit, amount)


OPERATION = Operation(CALL, build, read, convert)
