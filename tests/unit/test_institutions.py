"""Mesh institutions: every enum value has its wire name, and the documented support lists."""

from __future__ import annotations

import pytest

from aggregator.v1.institution_pb2 import Institution
from service.core.rpcs import Rpc
from service.providers.mesh.institutions import MESH_INSTITUTIONS, by_enum, by_wire_name

# The `type` enum of upstreams.md: the seeds' 51 values, then the 8 the current API adds.
WIRE_NAMES = frozenset(
    {
        "robinhood",
        "eTrade",
        "alpaca",
        "tdAmeritrade",
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
        "cryptocurrencyAddress",
        "cryptocurrencyWallet",
        "okCoin",
        "bittrex",
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
        "deFiWallet",
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
        "binanceConnect",
        "binanceOAuth",
        "revolutConnect",
        "binancePay",
        "bybitDirect",
        # Beyond the seeds:
        "paribuOAuth",
        "payPalConnect",
        "binanceTrDirect",
        "coinbaseRamp",
        "bybitDirectMobile",
        "sandbox",
        "cryptoComPay",
        "bybitEuDirect",
    }
)

# "Supported integrations" as the seeds print them (seed 000, seed 003).
HOLDINGS_VALUE_DOC = (
    "Robinhood ETrade Alpaca WeBull Stash InteractiveBrokers Public Coinbase Kraken CoinbasePro "
    "CryptoCom OpenSea Binance Gemini OkCoin KuCoin Etoro CexIo BinanceInternational Bitstamp "
    "GateIo Acorns Okx BitFlyer Coinlist Huobi Bitfinex KrakenDirect Vanguard "
    "BinanceInternationalDirect BitfinexDirect Bybit Paxos CoinbasePrime BtcTurkDirect "
    "KuCoinDirect OkxOAuth ParibuDirect RobinhoodConnect BlockchainCom BitsoDirect BinanceOAuth "
    "BybitDirect DeFiWallet"
)
ORDER_CANCEL_DOC = (
    "Robinhood ETrade Alpaca WeBull Stash InteractiveBrokers Public Coinbase Kraken CoinbasePro "
    "CryptoCom Binance Gemini OkCoin KuCoin Etoro CexIo BinanceInternational Bitstamp GateIo Okx "
    "BitFlyer Coinlist Huobi Bitfinex KrakenDirect Vanguard BinanceInternationalDirect Bybit "
    "CoinbasePrime RobinhoodConnect"
)


def wire_names_of(doc: str) -> set[str]:
    """The docs' PascalCase names as wire names; the docs' "Binance" is `binanceUs`."""
    return {
        "binanceUs" if name == "Binance" else name[0].lower() + name[1:] for name in doc.split()
    }


ENUM_VALUES = [value for value in Institution.values() if value != 0]


def test_there_are_59_institutions() -> None:
    assert len(ENUM_VALUES) == 59
    assert len(WIRE_NAMES) == 59
    assert len(MESH_INSTITUTIONS) == 59


@pytest.mark.parametrize("value", ENUM_VALUES, ids=Institution.Name)
def test_each_enum_value_maps_to_a_wire_name_and_back(value: int) -> None:
    institution = by_enum(value)  # type: ignore[arg-type]

    assert institution is not None
    assert institution.institution == value
    assert institution.wire_name in WIRE_NAMES
    assert institution.display_name
    assert by_wire_name(institution.wire_name) == institution


def test_wire_names_are_unique_and_exactly_the_documented_set() -> None:
    names = [entry.wire_name for entry in MESH_INSTITUTIONS]

    assert len(set(names)) == len(names)
    assert set(names) == WIRE_NAMES


@pytest.mark.parametrize(
    ("value", "wire_name"),
    [
        (Institution.INSTITUTION_E_TRADE, "eTrade"),
        (Institution.INSTITUTION_BINANCE_US, "binanceUs"),
        (Institution.INSTITUTION_OKX_OAUTH, "okxOAuth"),
        (Institution.INSTITUTION_DE_FI_WALLET, "deFiWallet"),
        (Institution.INSTITUTION_WE_BULL, "weBull"),
        (Institution.INSTITUTION_PAY_PAL_CONNECT, "payPalConnect"),
        (Institution.INSTITUTION_BINANCE_TR_DIRECT, "binanceTrDirect"),
    ],
)
def test_the_spelling_of_tricky_wire_names(value: int, wire_name: str) -> None:
    institution = by_enum(value)  # type: ignore[arg-type]

    assert institution is not None
    assert institution.wire_name == wire_name


def test_unspecified_and_unknown_values_have_no_institution() -> None:
    assert by_enum(Institution.INSTITUTION_UNSPECIFIED) is None
    assert by_enum(9999) is None  # type: ignore[arg-type]
    assert by_wire_name("Robinhood") is None
    assert by_wire_name("binance") is None
    assert by_wire_name("") is None


def test_44_institutions_support_holdings_value() -> None:
    expected = wire_names_of(HOLDINGS_VALUE_DOC)
    supported = {
        entry.wire_name for entry in MESH_INSTITUTIONS if Rpc.GET_HOLDINGS_VALUE in entry.rpcs
    }

    assert len(expected) == 44
    assert supported == expected


def test_31_institutions_support_order_cancel() -> None:
    expected = wire_names_of(ORDER_CANCEL_DOC)
    supported = {entry.wire_name for entry in MESH_INSTITUTIONS if Rpc.CANCEL_ORDER in entry.rpcs}

    assert len(expected) == 31
    assert supported == expected


HOLDINGS_DOC = (
    "Robinhood Coinbase Kraken CryptoCom OpenSea Binance Gemini OkCoin KuCoin CexIo "
    "BinanceInternational Bitstamp GateIo Okx BitFlyer Coinlist Huobi Bitfinex KrakenDirect "
    "BinanceInternationalDirect BitfinexDirect Bybit Paxos CoinbasePrime BtcTurkDirect "
    "KuCoinDirect OkxOAuth ParibuDirect RobinhoodConnect BlockchainCom BitsoDirect BinanceOAuth "
    "BybitDirect ParibuOAuth BinanceTrDirect BybitDirectMobile DeFiWallet"
)


def test_37_institutions_support_holdings_as_the_openapi_document_lists() -> None:
    expected = wire_names_of(HOLDINGS_DOC)
    supported = {entry.wire_name for entry in MESH_INSTITUTIONS if Rpc.GET_HOLDINGS in entry.rpcs}

    assert len(expected) == 37
    assert supported == expected


def test_a_portfolio_needs_holdings_or_holdings_value() -> None:
    assert Rpc.GET_PORTFOLIO in supported("eTrade")
    assert Rpc.GET_PORTFOLIO in supported("paribuOAuth")
    assert Rpc.GET_PORTFOLIO not in supported("tdAmeritrade")


def test_only_coinbase_requires_a_side() -> None:
    assert {e.wire_name for e in MESH_INSTITUTIONS if e.cancel_requirements.side_required} == {
        "coinbase"
    }


def test_binance_us_binance_international_okx_and_bitflyer_require_a_symbol_pair() -> None:
    assert {
        e.wire_name for e in MESH_INSTITUTIONS if e.cancel_requirements.symbol_pair_required
    } == {
        "binanceUs",
        "binanceInternational",
        "okx",
        "bitFlyer",
    }


def test_only_kraken_may_require_an_mfa_code() -> None:
    assert {
        e.wire_name for e in MESH_INSTITUTIONS if e.cancel_requirements.mfa_code_may_be_required
    } == {"kraken"}


def supported(wire_name: str) -> frozenset[Rpc]:
    record = by_wire_name(wire_name)
    assert record is not None
    return record.rpcs
