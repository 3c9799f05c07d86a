"""What each provider, and each Mesh institution, can serve: the one table of capabilities.

Following a provider's newly supported institution is adding its wire name to one set here.
The Mesh lists are the endpoints' documented "Supported integrations" (the docs' "Binance" is
`binanceUs`): holdings value and order cancel from their seed documents, holdings from the
OpenAPI document.
"""

from __future__ import annotations

from enum import StrEnum

from aggregator.v1.connection_pb2 import Connection
from service.core.errors import CapabilityMissing
from service.providers.mesh.institutions import by_enum


class Rpc(StrEnum):
    GET_HOLDINGS_VALUE = "GetHoldingsValue"
    CANCEL_ORDER = "CancelOrder"
    GET_HOLDINGS = "GetHoldings"
    GET_PORTFOLIO = "GetPortfolio"
    STREAM_PORTFOLIO = "StreamPortfolio"


CAPABILITY_NAMES = {
    Rpc.GET_HOLDINGS_VALUE: "HOLDINGS_VALUE",
    Rpc.CANCEL_ORDER: "ORDER_CANCEL",
    Rpc.GET_HOLDINGS: "HOLDINGS",
    Rpc.GET_PORTFOLIO: "PORTFOLIO",
    Rpc.STREAM_PORTFOLIO: "PORTFOLIO",
}

PROVIDER_RPCS: dict[str, frozenset[Rpc]] = {
    "mesh": frozenset(Rpc),
    "moneykit": frozenset(
        {Rpc.GET_HOLDINGS_VALUE, Rpc.GET_HOLDINGS, Rpc.GET_PORTFOLIO, Rpc.STREAM_PORTFOLIO}
    ),
}

MESH_INSTITUTIONS_BY_RPC: dict[Rpc, frozenset[str]] = {
    Rpc.GET_HOLDINGS_VALUE: frozenset(
        [
            "robinhood",
            "eTrade",
            "alpaca",
            "weBull",
            "stash",
            "interactiveBrokers",
            "public",
            "coinbase",
            "kraken",
            "coinbasePro",
            "cryptoCom",
            "openSea",
            "binanceUs",
            "gemini",
            "okCoin",
            "kuCoin",
            "etoro",
            "cexIo",
            "binanceInternational",
            "bitstamp",
            "gateIo",
            "acorns",
            "okx",
            "bitFlyer",
            "coinlist",
            "huobi",
            "bitfinex",
            "krakenDirect",
            "vanguard",
            "binanceInternationalDirect",
            "bitfinexDirect",
            "bybit",
            "paxos",
            "coinbasePrime",
            "btcTurkDirect",
            "kuCoinDirect",
            "okxOAuth",
            "paribuDirect",
            "robinhoodConnect",
            "blockchainCom",
            "bitsoDirect",
            "binanceOAuth",
            "bybitDirect",
            "deFiWallet",
        ]
    ),
    Rpc.CANCEL_ORDER: frozenset(
        [
            "robinhood",
            "eTrade",
            "alpaca",
            "weBull",
            "stash",
            "interactiveBrokers",
            "public",
            "coinbase",
            "kraken",
            "coinbasePro",
            "cryptoCom",
            "binanceUs",
            "gemini",
            "okCoin",
            "kuCoin",
            "etoro",
            "cexIo",
            "binanceInternational",
            "bitstamp",
            "gateIo",
            "okx",
            "bitFlyer",
            "coinlist",
            "huobi",
            "bitfinex",
            "krakenDirect",
            "vanguard",
            "binanceInternationalDirect",
            "bybit",
            "coinbasePrime",
            "robinhoodConnect",
        ]
    ),
    Rpc.GET_HOLDINGS: frozenset(
        [
            "robinhood",
            "coinbase",
            "kraken",
            "cryptoCom",
            "openSea",
            "binanceUs",
            "gemini",
            "okCoin",
            "kuCoin",
            "cexIo",
            "binanceInternational",
            "bitstamp",
            "gateIo",
            "okx",
            "bitFlyer",
            "coinlist",
            "huobi",
            "bitfinex",
            "krakenDirect",
            "binanceInternationalDirect",
            "bitfinexDirect",
            "bybit",
            "paxos",
            "coinbasePrime",
            "btcTurkDirect",
            "kuCoinDirect",
            "okxOAuth",
            "paribuDirect",
            "robinhoodConnect",
            "blockchainCom",
            "bitsoDirect",
            "binanceOAuth",
            "bybitDirect",
            "paribuOAuth",
            "binanceTrDirect",
            "bybitDirectMobile",
            "deFiWallet",
        ]
    ),
}
"""Per RPC, the Mesh institutions it serves; a portfolio needs holdings or holdings value."""


def mesh_institution_supports(rpc: Rpc, wire_name: str) -> bool:
    if rpc in (Rpc.GET_PORTFOLIO, Rpc.STREAM_PORTFOLIO):
        return any(
            wire_name in MESH_INSTITUTIONS_BY_RPC[part]
            for part in (Rpc.GET_HOLDINGS, Rpc.GET_HOLDINGS_VALUE)
        )
    return wire_name in MESH_INSTITUTIONS_BY_RPC[rpc]


def mesh_institution_rpcs(wire_name: str) -> list[Rpc]:
    return [rpc for rpc in Rpc if mesh_institution_supports(rpc, wire_name)]


def require(rpc: Rpc, connection: Connection, field: str = "connection") -> None:
    """Refuse, before any upstream call, an RPC the connection's provider or institution lacks.

    A connection with no provider or an unknown institution passes: validation names those.
    """
    provider = connection.WhichOneof("provider")
    if provider is None:
        return
    capability = CAPABILITY_NAMES[rpc]
    if rpc not in PROVIDER_RPCS[provider]:
        raise CapabilityMissing(capability, field, f"{rpc} does not serve {provider} connections")
    if provider == "mesh":
        institution = by_enum(connection.mesh.institution)
        if institution is not None and not mesh_institution_supports(rpc, institution.wire_name):
            raise CapabilityMissing(
                capability,
                f"{field}.mesh.institution",
                f"{rpc} is not supported at {institution.display_name}",
            )
