"""Mesh institution wire names (`type`) and the integrations each endpoint documents."""

INSTITUTIONS = frozenset(
    {
        # Every value of the documented enum...
        "robinhood", "eTrade", "alpaca", "tdAmeritrade", "weBull", "stash",
        "interactiveBrokers", "public", "coinbase", "kraken", "coinbasePro", "cryptoCom",
        "openSea", "binanceUs", "gemini", "cryptocurrencyAddress", "cryptocurrencyWallet",
        "okCoin", "bittrex", "kuCoin", "etoro", "cexIo", "binanceInternational", "bitstamp",
        "gateIo", "acorns", "okx", "bitFlyer", "coinlist", "huobi", "bitfinex", "deFiWallet",
        "krakenDirect", "vanguard", "binanceInternationalDirect", "bitfinexDirect", "bybit",
        "paxos", "coinbasePrime", "btcTurkDirect", "kuCoinDirect", "okxOAuth", "paribuDirect",
        "robinhoodConnect", "blockchainCom", "bitsoDirect", "binanceConnect", "binanceOAuth",
        "revolutConnect", "binancePay", "bybitDirect",
        # ...and those the current API added since.
        "paribuOAuth", "payPalConnect", "binanceTrDirect", "coinbaseRamp", "bybitDirectMobile",
        "sandbox", "cryptoComPay", "bybitEuDirect",
    }
)  # fmt: skip

# The "Supported integrations" lists, in the documents' order; the documents' "Binance" is the
# `binanceUs` wire value.
HOLDINGS_VALUE_SUPPORTED = frozenset(
    {
        "robinhood", "eTrade", "alpaca", "weBull", "stash", "interactiveBrokers", "public",
        "coinbase", "kraken", "coinbasePro", "cryptoCom", "openSea", "binanceUs", "gemini",
        "okCoin", "kuCoin", "etoro", "cexIo", "binanceInternational", "bitstamp", "gateIo",
        "acorns", "okx", "bitFlyer", "coinlist", "huobi", "bitfinex", "krakenDirect", "vanguard",
        "binanceInternationalDirect", "bitfinexDirect", "bybit", "paxos", "coinbasePrime",
        "btcTurkDirect", "kuCoinDirect", "okxOAuth", "paribuDirect", "robinhoodConnect",
        "blockchainCom", "bitsoDirect", "binanceOAuth", "bybitDirect", "deFiWallet",
    }
)  # fmt: skip
HOLDINGS_GET_SUPPORTED = frozenset(
    {
        "robinhood", "coinbase", "kraken", "cryptoCom", "openSea", "binanceUs", "gemini",
        "okCoin", "kuCoin", "cexIo", "binanceInternational", "bitstamp", "gateIo", "okx",
        "bitFlyer", "coinlist", "huobi", "bitfinex", "krakenDirect", "binanceInternationalDirect",
        "bitfinexDirect", "bybit", "paxos", "coinbasePrime", "btcTurkDirect", "kuCoinDirect",
        "okxOAuth", "paribuDirect", "robinhoodConnect", "blockchainCom", "bitsoDirect",
        "binanceOAuth", "bybitDirect", "paribuOAuth", "binanceTrDirect", "bybitDirectMobile",
        "deFiWallet",
    }
)  # fmt: skip
CANCEL_SUPPORTED = frozenset(
    {
        "robinhood", "eTrade", "alpaca", "weBull", "stash", "interactiveBrokers", "public",
        "coinbase", "kraken", "coinbasePro", "cryptoCom", "binanceUs", "gemini", "okCoin",
        "kuCoin", "etoro", "cexIo", "binanceInternational", "bitstamp", "gateIo", "okx",
        "bitFlyer", "coinlist", "huobi", "bitfinex", "krakenDirect", "vanguard",
        "binanceInternationalDirect", "bybit", "coinbasePrime", "robinhoodConnect",
    }
)  # fmt: skip

BALANCE_SUPPORTED = frozenset(
    {
        "robinhood", "coinbase", "kraken", "cryptoCom", "binanceUs", "gemini", "okCoin",
        "kuCoin", "cexIo", "binanceInternational", "bitstamp", "gateIo", "okx", "bitFlyer",
        "coinlist", "huobi", "bitfinex", "krakenDirect", "binanceInternationalDirect",
        "bitfinexDirect", "bybit", "paxos", "coinbasePrime", "btcTurkDirect", "kuCoinDirect",
        "okxOAuth", "paribuDirect", "robinhoodConnect", "blockchainCom", "bitsoDirect",
        "bybitDirect", "paribuOAuth", "binanceTrDirect", "bybitDirectMobile",
    }
)  # fmt: skip

# The details and list endpoints share one list, shorter than the cancel's.
ORDERS_SUPPORTED = frozenset(
    {
        "robinhood", "coinbase", "kraken", "cryptoCom", "binanceUs", "gemini", "okCoin",
        "kuCoin", "cexIo", "binanceInternational", "bitstamp", "gateIo", "okx", "bitFlyer",
        "coinlist", "huobi", "bitfinex", "krakenDirect", "binanceInternationalDirect", "bybit",
        "coinbasePrime", "robinhoodConnect",
    }
)  # fmt: skip

CANCEL_NEEDS_SIDE = frozenset({"coinbase"})
CANCEL_NEEDS_SYMBOL_PAIR = frozenset({"binanceUs", "binanceInternational", "okx", "bitFlyer"})
