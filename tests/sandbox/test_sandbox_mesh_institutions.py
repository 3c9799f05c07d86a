"""The institution lists, as the Mesh documents give them."""

from service.sandbox.mesh.institutions import (
    CANCEL_NEEDS_SIDE,
    CANCEL_NEEDS_SYMBOL_PAIR,
    CANCEL_SUPPORTED,
    HOLDINGS_GET_SUPPORTED,
    HOLDINGS_VALUE_SUPPORTED,
    INSTITUTIONS,
)

# The documents' "Supported integrations", spelled as they spell them.
HOLDINGS_VALUE_DOCUMENTED = (
    "Robinhood ETrade Alpaca WeBull Stash InteractiveBrokers Public Coinbase Kraken CoinbasePro "
    "CryptoCom OpenSea Binance Gemini OkCoin KuCoin Etoro CexIo BinanceInternational Bitstamp "
    "GateIo Acorns Okx BitFlyer Coinlist Huobi Bitfinex KrakenDirect Vanguard "
    "BinanceInternationalDirect BitfinexDirect Bybit Paxos CoinbasePrime BtcTurkDirect "
    "KuCoinDirect OkxOAuth ParibuDirect RobinhoodConnect BlockchainCom BitsoDirect BinanceOAuth "
    "BybitDirect DeFiWallet"
)
HOLDINGS_GET_DOCUMENTED = (
    "Robinhood Coinbase Kraken CryptoCom OpenSea Binance Gemini OkCoin KuCoin CexIo "
    "BinanceInternational Bitstamp GateIo Okx BitFlyer Coinlist Huobi Bitfinex KrakenDirect "
    "BinanceInternationalDirect BitfinexDirect Bybit Paxos CoinbasePrime BtcTurkDirect "
    "KuCoinDirect OkxOAuth ParibuDirect RobinhoodConnect BlockchainCom BitsoDirect BinanceOAuth "
    "BybitDirect ParibuOAuth BinanceTrDirect BybitDirectMobile DeFiWallet"
)
CANCEL_DOCUMENTED = (
    "Robinhood ETrade Alpaca WeBull Stash InteractiveBrokers Public Coinbase Kraken CoinbasePro "
    "CryptoCom Binance Gemini OkCoin KuCoin Etoro CexIo BinanceInternational Bitstamp GateIo Okx "
    "BitFlyer Coinlist Huobi Bitfinex KrakenDirect Vanguard BinanceInternationalDirect Bybit "
    "CoinbasePrime RobinhoodConnect"
)


def wire_names(documented: str) -> set[str]:
    return {
        "binanceUs" if name == "Binance" else name[0].lower() + name[1:]
        for name in documented.split()
    }


def test_the_enum_has_59_values() -> None:
    assert len(INSTITUTIONS) == 59


def test_the_holdings_value_list_is_the_documented_one() -> None:
    assert len(HOLDINGS_VALUE_SUPPORTED) == 44
    assert wire_names(HOLDINGS_VALUE_DOCUMENTED) == HOLDINGS_VALUE_SUPPORTED


def test_the_cancel_list_is_the_documented_one() -> None:
    assert len(CANCEL_SUPPORTED) == 31
    assert wire_names(CANCEL_DOCUMENTED) == CANCEL_SUPPORTED


def test_every_supported_or_constrained_institution_is_in_the_enum() -> None:
    named = (
        HOLDINGS_VALUE_SUPPORTED | CANCEL_SUPPORTED | CANCEL_NEEDS_SIDE | CANCEL_NEEDS_SYMBOL_PAIR
    )

    assert named <= INSTITUTIONS


def test_institutions_with_cancel_requirements_support_cancel() -> None:
    assert CANCEL_NEEDS_SIDE | CANCEL_NEEDS_SYMBOL_PAIR <= CANCEL_SUPPORTED


def test_the_holdings_get_list_is_the_documented_one() -> None:
    assert len(HOLDINGS_GET_SUPPORTED) == 37
    assert wire_names(HOLDINGS_GET_DOCUMENTED) == HOLDINGS_GET_SUPPORTED
    assert HOLDINGS_GET_SUPPORTED <= INSTITUTIONS


def test_holdings_get_leaves_out_the_brokers() -> None:
    assert {"interactiveBrokers", "eTrade", "alpaca", "vanguard"}.isdisjoint(HOLDINGS_GET_SUPPORTED)
