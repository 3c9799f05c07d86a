"""What the holdings get endpoint answers per institution (HoldingsModel).

The documented examples come first, each position given a market value and a last price: the
upstream sends them whatever `includeMarketValue` says, and a gateway that only ever saw them
absent would not be tested on reading them.
"""

from decimal import Decimal
from typing import Literal

from service.sandbox._json import JsonObject, JsonValue

_BTC_PRICE = Decimal("67120.55")

# The "Trading platform example" of the document, value for value, plus market values.
_TRADING_PLATFORM: JsonObject = {
    "equityPositions": [
        {
            "symbol": "AAPL",
            "amount": Decimal("3"),
            "costBasis": Decimal("109"),
            "marketValue": Decimal("513.39"),
            "lastPrice": Decimal("171.13"),
        },
        {
            "symbol": "F",
            "amount": Decimal("27"),
            "costBasis": Decimal("7.05791"),
            "marketValue": Decimal("329.67"),
            "lastPrice": Decimal("12.21"),
        },
    ],
    "cryptocurrencyPositions": [
        {
            "marketValue": Decimal("75.15"),
            "lastPrice": Decimal("0.05"),
            "symbol": "DOGE",
            "amount": Decimal("1503"),
            "costBasis": Decimal("0.033"),
        },
        {
            "symbol": "BTC",
            "amount": Decimal("3.0001672"),
            "costBasis": Decimal("18000"),
            "marketValue": Decimal("201372.87"),
            "lastPrice": _BTC_PRICE,
        },
    ],
    "status": "succeeded",
    "errorMessage": "",
    "displayMessage": "",
    "notSupportedEquityPositions": [{"symbol": "CUSIP38259P508", "amount": Decimal("1")}],
    "notSupportedCryptocurrencyPositions": [],
    "nftPositions": [],
    "optionPositions": [],
    "type": "robinhood",
    "accountId": "5FUVPB0",
    "institutionName": "Robinhood",
    "accountName": "Margin account",
}

_EVM_WALLET = "0x1111111111111111111111111111111111111111"
_BITCOIN_MAINNET = "bip122:000000000019d6689c085ae165831e93"

# The "Self-custody cryptocurrency wallet example", with BTC given its market value too.
_SELF_CUSTODY_WALLET: JsonObject = {
    "equityPositions": [],
    "cryptocurrencyPositions": [
        {
            "marketValue": Decimal("75.15"),
            "lastPrice": Decimal("0.05"),
            "symbol": "DOGE",
            "amount": Decimal("1503"),
            "costBasis": Decimal("0.033"),
            "distribution": [
                {"caipNetworkId": "eip155:1", "address": _EVM_WALLET, "amount": Decimal("1500")},
                {"caipNetworkId": "eip155:42161", "address": _EVM_WALLET, "amount": Decimal("3")},
            ],
        },
        {
            "symbol": "BTC",
            "amount": Decimal("3.0001672"),
            "costBasis": Decimal("18000"),
            "marketValue": Decimal("201372.87"),
            "lastPrice": _BTC_PRICE,
            "distribution": [
                {
                    "caipNetworkId": _BITCOIN_MAINNET,
                    "address": "bc1q5cyxnuxmeuwuvkwfem96lxyepd5t0gd5nqf6h4",
                    "amount": Decimal("1"),
                },
                {
                    "caipNetworkId": _BITCOIN_MAINNET,
                    "address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf7du0",
                    "amount": Decimal("1"),
                },
                {
                    "caipNetworkId": _BITCOIN_MAINNET,
                    "address": "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh",
                    "amount": Decimal("1.0001672"),
                },
            ],
        },
    ],
    "status": "succeeded",
    "errorMessage": "",
    "displayMessage": "",
    "notSupportedEquityPositions": [],
    "notSupportedCryptocurrencyPositions": [],
    "nftPositions": [],
    "optionPositions": [],
    "type": "deFiWallet",
    "accountId": "8c02d545753b596075ecbc20e2b7d3fb5b380c52",
    "institutionName": "DeFiWallet",
    "accountName": "MetaMask wallet",
}

# A crypto exchange: no equities, and an ETH amount with all 18 decimals of its smallest unit.
_COINBASE: JsonObject = {
    "equityPositions": [],
    "cryptocurrencyPositions": [
        {
            "name": "Bitcoin",
            "symbol": "BTC",
            "amount": Decimal("0.52183004"),
            "costBasis": Decimal("14210.77"),
            "marketValue": Decimal("35025.52"),
            "lastPrice": _BTC_PRICE,
        },
        {
            "name": "Ethereum",
            "symbol": "ETH",
            "amount": Decimal("8.123456789012345678"),
            "costBasis": Decimal("17322.18"),
            "marketValue": Decimal("31531.36"),
            "lastPrice": Decimal("3881.52"),
        },
        {
            "name": "Solana",
            "symbol": "SOL",
            "amount": Decimal("41.5"),
            "costBasis": Decimal("3120.80"),
            "marketValue": Decimal("6043.23"),
            "lastPrice": Decimal("145.62"),
        },
        {
            "name": "USD Coin",
            "symbol": "USDC",
            "amount": Decimal("111.54"),
            "costBasis": Decimal("111.54"),
            "marketValue": Decimal("111.54"),
            "lastPrice": Decimal("1"),
        },
    ],
    "status": "succeeded",
    "errorMessage": "",
    "displayMessage": "",
    "notSupportedEquityPositions": [],
    "notSupportedCryptocurrencyPositions": [{"symbol": "XYO", "amount": Decimal("12500")}],
    "nftPositions": [],
    "optionPositions": [],
    "type": "coinbase",
    "accountId": "f3b1c9e4-6a0d-4d7e-9b52-2c8e7a41d0f6",
    "institutionName": "Coinbase",
    "accountName": "Coinbase account",
}

# A broker with equities and an option. The document's list for this endpoint leaves
# interactiveBrokers out, so the endpoint refuses it and serves this to no one; kept so that
# option positions are ready (and held to the schema by the contract tests) if the list grows.
_INTERACTIVE_BROKERS: JsonObject = {
    "equityPositions": [
        {
            "name": "Microsoft Corporation",
            "symbol": "MSFT",
            "amount": Decimal("25"),
            "costBasis": Decimal("7421.25"),
            "marketValue": Decimal("10377.50"),
            "lastPrice": Decimal("415.10"),
        },
        {
            "name": "NVIDIA Corporation",
            "symbol": "NVDA",
            "amount": Decimal("60"),
            "costBasis": Decimal("28410.00"),
            "marketValue": Decimal("52516.80"),
            "lastPrice": Decimal("875.28"),
        },
        {
            "name": "Vanguard Total Stock Market ETF",
            "symbol": "VTI",
            "amount": Decimal("38.25"),
            "costBasis": Decimal("8602.11"),
            "marketValue": Decimal("9805.39"),
            "lastPrice": Decimal("256.35"),
        },
    ],
    "cryptocurrencyPositions": [],
    "status": "succeeded",
    "errorMessage": "",
    "displayMessage": "",
    "notSupportedEquityPositions": [],
    "notSupportedCryptocurrencyPositions": [],
    "nftPositions": [],
    "optionPositions": [
        {
            "symbol": "AAPL",
            "amount": Decimal("2"),
            "averageOpenPrice": Decimal("3.45"),
            "direction": "buyToOpen",
            "createdTimestamp": 1709906400,
            "updatedTimestamp": 1710446531,
            "numberOfSharesInContract": Decimal("100"),
            "optionType": "call",
            "expirationTimestamp": 1718928000,
            "strikePrice": Decimal("180"),
        }
    ],
    "type": "interactiveBrokers",
    "accountId": "U4417932",
    "institutionName": "InteractiveBrokers",
    "accountName": "Individual",
}

_NFT_CONTRACT = "0x5a1db0c3e9b7f4d2a6c8e1f0b3d5a7c9e2f4b6d8"

_OPENSEA: JsonObject = {
    "equityPositions": [],
    "cryptocurrencyPositions": [],
    "status": "succeeded",
    "errorMessage": "",
    "displayMessage": "",
    "notSupportedEquityPositions": [],
    "notSupportedCryptocurrencyPositions": [],
    "nftPositions": [
        {
            "amount": Decimal("1"),
            "costBasis": Decimal("0.85"),
            "contractAddress": _NFT_CONTRACT,
            "name": "Sandbox Sprite #4821",
            "description": "One of 10,000 generated sprites.",
            "marketplaceId": "opensea",
            "tokenId": "4821",
            "marketplacePermalink": f"https://opensea.io/assets/ethereum/{_NFT_CONTRACT}/4821",
            "addressType": "ethAddress",
        }
    ],
    "optionPositions": [],
    "type": "openSea",
    "accountId": _EVM_WALLET,
    "institutionName": "OpenSea",
    "accountName": "OpenSea account",
}

_OWN_HOLDINGS: dict[str, JsonObject] = {
    "robinhood": _TRADING_PLATFORM,
    "deFiWallet": _SELF_CUSTODY_WALLET,
    "coinbase": _COINBASE,
    "interactiveBrokers": _INTERACTIVE_BROKERS,
    "openSea": _OPENSEA,
}

_POSITION_LISTS = (
    "equityPositions",
    "cryptocurrencyPositions",
    "notSupportedEquityPositions",
    "notSupportedCryptocurrencyPositions",
    "nftPositions",
    "optionPositions",
)


def institution_name(institution: str) -> str:
    # Mesh names an institution by its type, capitalised: both documented examples do so
    # ("Robinhood", "DeFiWallet").
    return institution[0].upper() + institution[1:]


def holdings(institution: str) -> JsonObject:
    own = _OWN_HOLDINGS.get(institution)
    if own is not None:
        return own
    return {
        **_TRADING_PLATFORM,
        "type": institution,
        "institutionName": institution_name(institution),
    }


def partial_holdings(institution: str) -> JsonObject:
    """Only the status and the positions, each with only its symbol and amount.

    Every property of the model is optional in the schema, the market values included.
    """
    full = holdings(institution)
    partial: JsonObject = {"status": full["status"]}
    for name in ("equityPositions", "cryptocurrencyPositions"):
        partial[name] = [_symbol_and_amount(position) for position in _objects(full[name])]
    return partial


def failed_holdings(institution: str, status: Literal["failed", "notAuthorized"]) -> JsonObject:
    """What Mesh answers, with status `ok`, when the institution itself failed or refused."""
    name = institution_name(institution)
    if status == "failed":
        error_message = f"The request to {name} failed: the institution did not answer in time."
        display_message = f"{name} is not responding. Please try again later."
    else:
        error_message = f"{name} rejected the auth token: it was revoked or has expired."
        display_message = f"Please reconnect your {name} account."
    empty: JsonObject = {list_name: [] for list_name in _POSITION_LISTS}
    return {
        "status": status,
        "errorMessage": error_message,
        "displayMessage": display_message,
        **empty,
        "type": institution,
        "accountId": None,
        "institutionName": name,
        "accountName": None,
    }


def _objects(value: JsonValue) -> list[JsonObject]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _symbol_and_amount(position: JsonObject) -> JsonObject:
    return {"symbol": position["symbol"], "amount": position["amount"]}
