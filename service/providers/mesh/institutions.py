"""Mesh institutions: wire names, display names and order-cancel requirements.

The wire names are Mesh's `type` enum, spelled exactly (`eTrade`, `okxOAuth`, ...). Which
RPCs each institution supports is in `service.providers.capabilities`.
"""

from __future__ import annotations

from dataclasses import dataclass

from aggregator.v1 import institution_pb2
from aggregator.v1.institution_pb2 import Institution


@dataclass(frozen=True)
class MeshInstitution:
    """One institution as Mesh names it, with the gateway's enum value."""

    institution: Institution.ValueType
    wire_name: str
    display_name: str
    cancel_requires_side: bool
    cancel_requires_symbol_pair: bool
    cancel_may_require_mfa_code: bool


# (enum value name without the INSTITUTION_ prefix, wire name, display name)
_NAMES: tuple[tuple[str, str, str], ...] = (
    ("ROBINHOOD", "robinhood", "Robinhood"),
    ("E_TRADE", "eTrade", "E*TRADE"),
    ("ALPACA", "alpaca", "Alpaca"),
    ("TD_AMERITRADE", "tdAmeritrade", "TD Ameritrade"),
    ("WE_BULL", "weBull", "Webull"),
    ("STASH", "stash", "Stash"),
    ("INTERACTIVE_BROKERS", "interactiveBrokers", "Interactive Brokers"),
    ("PUBLIC", "public", "Public"),
    ("COINBASE", "coinbase", "Coinbase"),
    ("KRAKEN", "kraken", "Kraken"),
    ("COINBASE_PRO", "coinbasePro", "Coinbase Pro"),
    ("CRYPTO_COM", "cryptoCom", "Crypto.com"),
    ("OPEN_SEA", "openSea", "OpenSea"),
    ("BINANCE_US", "binanceUs", "Binance US"),
    ("GEMINI", "gemini", "Gemini"),
    ("CRYPTOCURRENCY_ADDRESS", "cryptocurrencyAddress", "Cryptocurrency address"),
    ("CRYPTOCURRENCY_WALLET", "cryptocurrencyWallet", "Cryptocurrency wallet"),
    ("OK_COIN", "okCoin", "OKCoin"),
    ("BITTREX", "bittrex", "Bittrex"),
    ("KU_COIN", "kuCoin", "KuCoin"),
    ("ETORO", "etoro", "eToro"),
    ("CEX_IO", "cexIo", "CEX.IO"),
    ("BINANCE_INTERNATIONAL", "binanceInternational", "Binance International"),
    ("BITSTAMP", "bitstamp", "Bitstamp"),
    ("GATE_IO", "gateIo", "Gate.io"),
    ("ACORNS", "acorns", "Acorns"),
    ("OKX", "okx", "OKX"),
    ("BIT_FLYER", "bitFlyer", "bitFlyer"),
    ("COINLIST", "coinlist", "CoinList"),
    ("HUOBI", "huobi", "Huobi"),
    ("BITFINEX", "bitfinex", "Bitfinex"),
    ("DE_FI_WALLET", "deFiWallet", "DeFi wallet"),
    ("KRAKEN_DIRECT", "krakenDirect", "Kraken Direct"),
    ("VANGUARD", "vanguard", "Vanguard"),
    ("BINANCE_INTERNATIONAL_DIRECT", "binanceInternationalDirect", "Binance International Direct"),
    ("BITFINEX_DIRECT", "bitfinexDirect", "Bitfinex Direct"),
    ("BYBIT", "bybit", "Bybit"),
    ("PAXOS", "paxos", "Paxos"),
    ("COINBASE_PRIME", "coinbasePrime", "Coinbase Prime"),
    ("BTC_TURK_DIRECT", "btcTurkDirect", "BtcTurk Direct"),
    ("KU_COIN_DIRECT", "kuCoinDirect", "KuCoin Direct"),
    ("OKX_OAUTH", "okxOAuth", "OKX OAuth"),
    ("PARIBU_DIRECT", "paribuDirect", "Paribu Direct"),
    ("ROBINHOOD_CONNECT", "robinhoodConnect", "Robinhood Connect"),
    ("BLOCKCHAIN_COM", "blockchainCom", "Blockchain.com"),
    ("BITSO_DIRECT", "bitsoDirect", "Bitso Direct"),
    ("BINANCE_CONNECT", "binanceConnect", "Binance Connect"),
    ("BINANCE_OAUTH", "binanceOAuth", "Binance OAuth"),
    ("REVOLUT_CONNECT", "revolutConnect", "Revolut Connect"),
    ("BINANCE_PAY", "binancePay", "Binance Pay"),
    ("BYBIT_DIRECT", "bybitDirect", "Bybit Direct"),
    ("PARIBU_OAUTH", "paribuOAuth", "Paribu OAuth"),
    ("PAY_PAL_CONNECT", "payPalConnect", "PayPal Connect"),
    ("BINANCE_TR_DIRECT", "binanceTrDirect", "Binance TR Direct"),
    ("COINBASE_RAMP", "coinbaseRamp", "Coinbase Ramp"),
    ("BYBIT_DIRECT_MOBILE", "bybitDirectMobile", "Bybit Direct Mobile"),
    ("SANDBOX", "sandbox", "Mesh sandbox"),
    ("CRYPTO_COM_PAY", "cryptoComPay", "Crypto.com Pay"),
    ("BYBIT_EU_DIRECT", "bybitEuDirect", "Bybit EU Direct"),
)

_CANCEL_REQUIRES_SIDE = frozenset({"coinbase"})
_CANCEL_REQUIRES_SYMBOL_PAIR = frozenset({"binanceUs", "binanceInternational", "okx", "bitFlyer"})
_CANCEL_MAY_REQUIRE_MFA_CODE = frozenset({"kraken"})

MESH_INSTITUTIONS: tuple[MeshInstitution, ...] = tuple(
    MeshInstitution(
        institution=institution_pb2.Institution.Value(f"INSTITUTION_{enum_name}"),
        wire_name=wire_name,
        display_name=display_name,
        cancel_requires_side=wire_name in _CANCEL_REQUIRES_SIDE,
        cancel_requires_symbol_pair=wire_name in _CANCEL_REQUIRES_SYMBOL_PAIR,
        cancel_may_require_mfa_code=wire_name in _CANCEL_MAY_REQUIRE_MFA_CODE,
    )
    for enum_name, wire_name, display_name in _NAMES
)

_BY_ENUM = {entry.institution: entry for entry in MESH_INSTITUTIONS}
_BY_WIRE_NAME = {entry.wire_name: entry for entry in MESH_INSTITUTIONS}


def by_enum(institution: Institution.ValueType) -> MeshInstitution | None:
    """The institution of an enum value; None for UNSPECIFIED and values this build lacks."""
    return _BY_ENUM.get(institution)


def by_wire_name(wire_name: str) -> MeshInstitution | None:
    """The institution Mesh calls `wire_name`, if the gateway knows it."""
    return _BY_WIRE_NAME.get(wire_name)
