"""Mesh institutions: wire names, display names, what each supports and what a cancel needs.

The wire names are Mesh's `type` enum, spelled exactly (`eTrade`, `okxOAuth`, ...). Support is
each endpoint's documented "Supported integrations" list (the docs' "Binance" is `binanceUs`):
holdings value and order cancel from their seed documents; holdings, order details and list
(which share one list) and balances from the OpenAPI document.
Following a newly supported institution is adding the RPC to its row.
"""

from __future__ import annotations

from aggregator.v1 import institution_pb2
from aggregator.v1.institution_pb2 import CancelRequirements, Institution
from service.core.rpcs import Rpc
from service.providers.declaration import InstitutionRecord, with_portfolio

VALUE = Rpc.GET_HOLDINGS_VALUE
HOLDINGS = Rpc.GET_HOLDINGS
CANCEL = Rpc.CANCEL_ORDER
BALANCES = Rpc.GET_BALANCES

ORDERS = {Rpc.GET_ORDER, Rpc.LIST_ORDERS}
"""`transactions/details` and `transactions/list`, which share one list of institutions."""

# (enum value name without the INSTITUTION_ prefix, wire name, display name, supported RPCs)
_TABLE: tuple[tuple[str, str, str, set[Rpc]], ...] = (
    ("ROBINHOOD", "robinhood", "Robinhood", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("E_TRADE", "eTrade", "E*TRADE", {VALUE, CANCEL}),
    ("ALPACA", "alpaca", "Alpaca", {VALUE, CANCEL}),
    ("TD_AMERITRADE", "tdAmeritrade", "TD Ameritrade", set()),
    ("WE_BULL", "weBull", "Webull", {VALUE, CANCEL}),
    ("STASH", "stash", "Stash", {VALUE, CANCEL}),
    ("INTERACTIVE_BROKERS", "interactiveBrokers", "Interactive Brokers", {VALUE, CANCEL}),
    ("PUBLIC", "public", "Public", {VALUE, CANCEL}),
    ("COINBASE", "coinbase", "Coinbase", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("KRAKEN", "kraken", "Kraken", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("COINBASE_PRO", "coinbasePro", "Coinbase Pro", {VALUE, CANCEL}),
    ("CRYPTO_COM", "cryptoCom", "Crypto.com", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("OPEN_SEA", "openSea", "OpenSea", {VALUE, HOLDINGS}),
    ("BINANCE_US", "binanceUs", "Binance US", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("GEMINI", "gemini", "Gemini", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("CRYPTOCURRENCY_ADDRESS", "cryptocurrencyAddress", "Cryptocurrency address", set()),
    ("CRYPTOCURRENCY_WALLET", "cryptocurrencyWallet", "Cryptocurrency wallet", set()),
    ("OK_COIN", "okCoin", "OKCoin", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("BITTREX", "bittrex", "Bittrex", set()),
    ("KU_COIN", "kuCoin", "KuCoin", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("ETORO", "etoro", "eToro", {VALUE, CANCEL}),
    ("CEX_IO", "cexIo", "CEX.IO", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    (
        "BINANCE_INTERNATIONAL",
        "binanceInternational",
        "Binance International",
        {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES},
    ),
    ("BITSTAMP", "bitstamp", "Bitstamp", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("GATE_IO", "gateIo", "Gate.io", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("ACORNS", "acorns", "Acorns", {VALUE}),
    ("OKX", "okx", "OKX", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("BIT_FLYER", "bitFlyer", "bitFlyer", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("COINLIST", "coinlist", "CoinList", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("HUOBI", "huobi", "Huobi", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("BITFINEX", "bitfinex", "Bitfinex", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("DE_FI_WALLET", "deFiWallet", "DeFi wallet", {VALUE, HOLDINGS}),
    (
        "KRAKEN_DIRECT",
        "krakenDirect",
        "Kraken Direct",
        {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES},
    ),
    ("VANGUARD", "vanguard", "Vanguard", {VALUE, CANCEL}),
    (
        "BINANCE_INTERNATIONAL_DIRECT",
        "binanceInternationalDirect",
        "Binance International Direct",
        {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES},
    ),
    ("BITFINEX_DIRECT", "bitfinexDirect", "Bitfinex Direct", {VALUE, HOLDINGS, BALANCES}),
    ("BYBIT", "bybit", "Bybit", {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES}),
    ("PAXOS", "paxos", "Paxos", {VALUE, HOLDINGS, BALANCES}),
    (
        "COINBASE_PRIME",
        "coinbasePrime",
        "Coinbase Prime",
        {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES},
    ),
    ("BTC_TURK_DIRECT", "btcTurkDirect", "BtcTurk Direct", {VALUE, HOLDINGS, BALANCES}),
    ("KU_COIN_DIRECT", "kuCoinDirect", "KuCoin Direct", {VALUE, HOLDINGS, BALANCES}),
    ("OKX_OAUTH", "okxOAuth", "OKX OAuth", {VALUE, HOLDINGS, BALANCES}),
    ("PARIBU_DIRECT", "paribuDirect", "Paribu Direct", {VALUE, HOLDINGS, BALANCES}),
    (
        "ROBINHOOD_CONNECT",
        "robinhoodConnect",
        "Robinhood Connect",
        {VALUE, HOLDINGS, CANCEL, *ORDERS, BALANCES},
    ),
    ("BLOCKCHAIN_COM", "blockchainCom", "Blockchain.com", {VALUE, HOLDINGS, BALANCES}),
    ("BITSO_DIRECT", "bitsoDirect", "Bitso Direct", {VALUE, HOLDINGS, BALANCES}),
    ("BINANCE_CONNECT", "binanceConnect", "Binance Connect", set()),
    ("BINANCE_OAUTH", "binanceOAuth", "Binance OAuth", {VALUE, HOLDINGS}),
    ("REVOLUT_CONNECT", "revolutConnect", "Revolut Connect", set()),
    ("BINANCE_PAY", "binancePay", "Binance Pay", set()),
    ("BYBIT_DIRECT", "bybitDirect", "Bybit Direct", {VALUE, HOLDINGS, BALANCES}),
    ("PARIBU_OAUTH", "paribuOAuth", "Paribu OAuth", {HOLDINGS, BALANCES}),
    ("PAY_PAL_CONNECT", "payPalConnect", "PayPal Connect", set()),
    ("BINANCE_TR_DIRECT", "binanceTrDirect", "Binance TR Direct", {HOLDINGS, BALANCES}),
    ("COINBASE_RAMP", "coinbaseRamp", "Coinbase Ramp", set()),
    ("BYBIT_DIRECT_MOBILE", "bybitDirectMobile", "Bybit Direct Mobile", {HOLDINGS, BALANCES}),
    ("SANDBOX", "sandbox", "Mesh sandbox", set()),
    ("CRYPTO_COM_PAY", "cryptoComPay", "Crypto.com Pay", set()),
    ("BYBIT_EU_DIRECT", "bybitEuDirect", "Bybit EU Direct", set()),
)

_CANCEL_REQUIRES_SIDE = frozenset({"coinbase"})
_CANCEL_REQUIRES_SYMBOL_PAIR = frozenset({"binanceUs", "binanceInternational", "okx", "bitFlyer"})
_CANCEL_MAY_REQUIRE_MFA_CODE = frozenset({"kraken"})

MESH_INSTITUTIONS: tuple[InstitutionRecord, ...] = tuple(
    InstitutionRecord(
        institution=institution_pb2.Institution.Value(f"INSTITUTION_{enum_name}"),
        wire_name=wire_name,
        display_name=display_name,
        rpcs=frozenset(with_portfolio(rpcs)),
        cancel_requirements=CancelRequirements(
            side_required=wire_name in _CANCEL_REQUIRES_SIDE,
            symbol_pair_required=wire_name in _CANCEL_REQUIRES_SYMBOL_PAIR,
            mfa_code_may_be_required=wire_name in _CANCEL_MAY_REQUIRE_MFA_CODE,
        ),
    )
    for enum_name, wire_name, display_name, rpcs in _TABLE
)

_BY_ENUM = {entry.institution: entry for entry in MESH_INSTITUTIONS}
_BY_WIRE_NAME = {entry.wire_name: entry for entry in MESH_INSTITUTIONS}


def by_enum(institution: Institution.ValueType) -> InstitutionRecord | None:
    """The institution of an enum value; None for UNSPECIFIED and values this build lacks."""
    return _BY_ENUM.get(institution)


def by_wire_name(wire_name: str) -> InstitutionRecord | None:
    """The institution Mesh calls `wire_name`, if the gateway knows it."""
    return _BY_WIRE_NAME.get(wire_name)
