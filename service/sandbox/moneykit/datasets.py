"""The investment holdings MoneyKit answers with, as whole response bodies.

The amounts mix encodings on purpose: MoneyKit's newer models send them as decimal strings, the
documented example sends JSON numbers, and a gateway must read both exactly. Timestamps mix
zoned and zoneless forms for the same reason.
"""

import dataclasses
from collections.abc import Collection
from decimal import Decimal

from service.sandbox._json import JsonObject

_BROKERAGE = "acc_3fTq8NmW2xRbKp9LzVd4Hc"
_CHECKING = "acc_7Yc2Ge5JvQsW1nXoPa8KmT"
_MSFT = "sec_bb6fi893jxdfNxyAjnb784"
_AAPL = "sec_4aJm2TzQ9wCvLp7RnHe3Xd"
_VTI = "sec_9KdT3pQxV2mN8bRw4LcYz6"
_FXAIX = "sec_2HwQ7nRt5LcXp9VbZ4mJe8"
_ETH = "sec_6PzX4kWc8NqT2vRm7LbJd3"
_USD = "sec_1MvB5tQr9ZxK3cWp6NhL2y"
_TREASURY = "sec_8RqL2mXw6VtB4nKc9ZpH5j"


@dataclasses.dataclass(frozen=True)
class HoldingsDataset:
    holdings: list[JsonObject]
    securities: list[JsonObject]
    accounts: list[JsonObject]
    link: JsonObject

    def for_link(self, link_id: str) -> "HoldingsDataset":
        return dataclasses.replace(self, link={**self.link, "link_id": link_id})

    def for_accounts(self, account_ids: Collection[str]) -> "HoldingsDataset":
        """Only the given accounts, their holdings and the securities those hold."""
        holdings = [holding for holding in self.holdings if holding["account_id"] in account_ids]
        held = {holding["security_id"] for holding in holdings}
        return dataclasses.replace(
            self,
            holdings=holdings,
            securities=[
                security for security in self.securities if security["security_id"] in held
            ],
            accounts=[account for account in self.accounts if account["account_id"] in account_ids],
        )

    def to_json(self) -> JsonObject:
        return {
            "holdings": list(self.holdings),
            "securities": list(self.securities),
            "accounts": list(self.accounts),
            "link": self.link,
        }


DEFAULT = HoldingsDataset(
    holdings=[
        {
            "account_id": _BROKERAGE,
            "security_id": _MSFT,
            "quantity": "25",
            "price": "415.10",
            "price_datetime": "2024-03-13T20:00:00Z",
            "value": "10377.50",
            "cost_basis": "7421.25",
        },
        {
            "account_id": _BROKERAGE,
            "security_id": _AAPL,
            "quantity": Decimal("40.5"),
            "price": Decimal("171.13"),
            "price_datetime": "2024-03-13T20:00:00",
            "value": Decimal("6930.77"),
            "cost_basis": Decimal("6102.34"),
        },
        {
            "account_id": _BROKERAGE,
            "security_id": _VTI,
            "quantity": "12.3456",
            "price": "256.35",
            "price_datetime": "2024-03-13T20:00:00Z",
            "value": "3164.79",
            "cost_basis": None,
        },
        {
            "account_id": _BROKERAGE,
            "security_id": _FXAIX,
            "quantity": "50.123",
            "price": Decimal("178.62"),
            "price_datetime": "2024-03-13T21:00:00Z",
            "value": "8952.97",
            "cost_basis": "7010.00",
        },
        {
            "account_id": _BROKERAGE,
            "security_id": _ETH,
            "quantity": "1.234567890123456789",
            "price": "3881.52",
            "price_datetime": "2024-03-14T15:02:11Z",
            "value": "4792.00",
            "cost_basis": "2469.14",
        },
        {
            "account_id": _BROKERAGE,
            "security_id": _USD,
            "quantity": "1520.44",
            "price": "1",
            "price_datetime": "2024-03-14T15:02:11Z",
            "value": "1520.44",
            "cost_basis": "1520.44",
        },
        {
            "account_id": _BROKERAGE,
            "security_id": _TREASURY,
            "quantity": "100",
            "price": "98.53125",
            "price_datetime": "2024-03-13T21:00:00Z",
            "value": "9853.13",
            "cost_basis": "9912.50",
        },
    ],
    securities=[
        {
            "security_id": _MSFT,
            "name": "Microsoft Corporation",
            "type": "equity",
            "currency": "USD",
            "ticker": "MSFT",
            "isin": "US5949181045",
            "sedol": "2588173",
            "close_price": "415.10",
            "close_datetime": "2024-03-13T20:00:00Z",
        },
        {
            "security_id": _AAPL,
            "name": "Apple Inc.",
            "type": "equity",
            "currency": "USD",
            "ticker": "AAPL",
            "isin": "US0378331005",
            "sedol": "2046251",
            "close_price": Decimal("171.13"),
            "close_date": "2024-03-13",
        },
        {
            "security_id": _VTI,
            "name": "Vanguard Total Stock Market ETF",
            "type": "etf",
            "currency": "USD",
            "ticker": "VTI",
            "isin": "US9229087690",
            "sedol": None,
            "close_price": "256.35",
            "close_datetime": "2024-03-13T20:00:00",
        },
        {
            "security_id": _FXAIX,
            "name": "Fidelity 500 Index Fund",
            "type": "fund",
            "currency": "USD",
            "ticker": "FXAIX",
            "isin": "US3159117502",
            "sedol": None,
            "close_price": Decimal("178.62"),
            "close_datetime": "2024-03-13T21:00:00Z",
        },
        {
            # Priced in its own currency, so there is no USD close.
            "security_id": _ETH,
            "name": "Ethereum",
            "type": "crypto",
            "currency": "ETH",
            "ticker": "ETH",
            "isin": None,
            "sedol": None,
            "close_price": None,
            "close_datetime": None,
        },
        {
            "security_id": _USD,
            "name": "U.S. Dollar",
            "type": "cash",
            "currency": "USD",
            "ticker": "USD",
            "isin": None,
            "sedol": None,
            "close_price": "1",
            "close_datetime": "2024-03-14T15:02:11Z",
        },
        {
            "security_id": _TREASURY,
            "name": "United States Treasury Note 4.25% 15/02/2034",
            "type": "bond",
            "currency": "USD",
            "ticker": None,
            "isin": "US91282CJZ59",
            "sedol": None,
            "close_price": "98.53125",
            "close_datetime": "2024-03-13T21:00:00Z",
            "cusip": "91282CJZ5",
        },
    ],
    accounts=[
        {
            "account_id": _BROKERAGE,
            "account_type": "investment.brokerage",
            "name": "Individual - TOD",
            "account_mask": "4417",
            "balances": {
                "currency": "USD",
                "available": Decimal("1520.44"),
                "current": Decimal("45591.60"),
                "limit": None,
                "balance_date": "2024-03-14T15:02:37Z",
            },
        },
        {
            "account_id": _CHECKING,
            "account_type": "depository.checking",
            "name": "Cash Management (Individual)",
            "account_mask": "0932",
            "balances": {
                "currency": "USD",
                "available": Decimal("2310.58"),
                "current": Decimal("2455.12"),
                "limit": Decimal("500"),
                "balance_date": "2024-03-14",
            },
            "account_group": "personal",
        },
    ],
    link={
        "link_id": "mk_sandbox",
        "institution_id": "fidelity",
        "institution_name": "Fidelity Investments",
        "provider": "mx",
        "state": "connected",
        "error_code": None,
        "last_synced_at": "2024-03-14T15:02:37Z",
        "tags": ["user_type:individual", "plan:premium"],
        "products": {
            "accounts": {
                "refreshed_at": "2024-03-14T15:02:37Z",
                "last_attempted_at": "2024-03-14T15:02:37Z",
                "settings": {"required": True, "prefetch": False},
            },
            "investments": {
                "refreshed_at": "2024-03-14T09:14:11",
                "last_attempted_at": "2024-03-14T15:02:35Z",
                "settings": {"required": True, "prefetch": True},
            },
        },
    },
)

# The example response body of the holdings endpoint's documentation, value for value.
SEED_EXAMPLE = HoldingsDataset(
    holdings=[
        {
            "account_id": "acc_6Tef269B6ZArSVpYrxtjBV",
            "security_id": "sec_bb6fi893jxdfNxyAjnb784",
            "quantity": 10,
            "price": Decimal("98.12"),
            "price_datetime": "2023-02-16T09:14:11",
            "value": Decimal("987.15"),
            "cost_basis": Decimal("781.38"),
        }
    ],
    securities=[
        {
            "security_id": "sec_bb6fi893jxdfNxyAjnb784",
            "name": "Microsoft",
            "type": "equity",
            "currency": "USD",
            "ticker": "MSFT",
            "isin": "US5949181045",
            "sedol": "<string>",
            "close_price": Decimal("98.12"),
            "close_datetime": "2023-02-16T09:14:11",
        }
    ],
    accounts=[
        {
            "account_id": "acc_6Tef269B6ZArSVpYrxtjBV",
            "account_type": "depository.checking",
            "name": "Premier Checking",
            "account_mask": "3748",
            "balances": {
                "currency": "USD",
                "available": Decimal("340.12"),
                "current": Decimal("445.89"),
                "limit": 500,
            },
        }
    ],
    link={
        "link_id": "mk_eqkWN34UEoa2NxyALG8pcV",
        "institution_id": "chase",
        "institution_name": "Chase",
        "provider": "mx",
        "state": "connected",
        "last_synced_at": "2023-02-16T09:14:11",
        "tags": ["user_type:admin"],
        "products": {
            "accounts": {
                "refreshed_at": "2023-02-16T09:14:11",
                "last_attempted_at": "2023-02-16T09:14:11",
            },
            "identity": {
                "refreshed_at": "2023-02-16T09:14:11",
                "last_attempted_at": "2023-02-16T09:14:11",
                "settings": {"required": True, "prefetch": False},
            },
        },
    },
)

_401K = "acc_5Lq8Vz2NcW7xTb4RmK9pHd"
_IRA = "acc_2Xn6Jr9QwB3tLk8VcM5sFa"
_VFIAX = "sec_7Cz3Qm9XkT5vNb2WpL8rHd"
_TARGET_2045 = "sec_3Vb8Kx2RmN6qTz9LcW4pJe"
_BND = "sec_5Hp2Wt8ZcQ4nXv7KmB3rLd"
_VXUS = "sec_9Jm4Lc7TxV2bQn8RzK5wPe"
_TREASURY_2033 = "sec_6Qw9Nz3KvB8xTm2LcR7pHj"
_MONEY_MARKET = "sec_4Tk7Rb2VnX9cLq5WzM8pJd"

# A retirement link: funds and ETFs, a bond and cash over two accounts, every cost basis known.
# The accounts are typed `investment`, the value MoneyKit's SDK enumerates for them.
RETIREMENT = HoldingsDataset(
    holdings=[
        {
            "account_id": _401K,
            "security_id": _VFIAX,
            "quantity": "152.318",
            "price": "461.27",
            "price_datetime": "2024-03-13T21:00:00Z",
            "value": "70259.72",
            "cost_basis": "51840.06",
        },
        {
            "account_id": _401K,
            "security_id": _TARGET_2045,
            "quantity": "803.552",
            "price": "30.12",
            "price_datetime": "2024-03-13T21:00:00Z",
            "value": "24202.99",
            "cost_basis": "21996.31",
        },
        {
            "account_id": _401K,
            "security_id": _BND,
            "quantity": Decimal("120"),
            "price": Decimal("72.41"),
            "price_datetime": "2024-03-13T20:00:00",
            "value": Decimal("8689.20"),
            "cost_basis": Decimal("9102.00"),
        },
        {
            "account_id": _401K,
            "security_id": _MONEY_MARKET,
            "quantity": "2310.58",
            "price": "1",
            "price_datetime": "2024-03-14T15:02:11Z",
            "value": "2310.58",
            "cost_basis": "2310.58",
        },
        {
            "account_id": _IRA,
            "security_id": _VXUS,
            "quantity": "85.5",
            "price": "60.18",
            "price_datetime": "2024-03-13T20:00:00Z",
            "value": "5145.39",
            "cost_basis": "4873.50",
        },
        {
            "account_id": _IRA,
            "security_id": _TREASURY_2033,
            "quantity": "50",
            "price": "95.28125",
            "price_datetime": "2024-03-13T21:00:00Z",
            "value": "4764.06",
            "cost_basis": "4987.50",
        },
        {
            "account_id": _IRA,
            "security_id": _MONEY_MARKET,
            "quantity": "412.07",
            "price": "1",
            "price_datetime": "2024-03-14T15:02:11Z",
            "value": "412.07",
            "cost_basis": "412.07",
        },
    ],
    securities=[
        {
            "security_id": _VFIAX,
            "name": "Vanguard 500 Index Fund Admiral Shares",
            "type": "fund",
            "currency": "USD",
            "ticker": "VFIAX",
            "isin": "US9229087104",
            "sedol": None,
            "close_price": "461.27",
            "close_datetime": "2024-03-13T21:00:00Z",
        },
        {
            "security_id": _TARGET_2045,
            "name": "Vanguard Target Retirement 2045 Fund",
            "type": "fund",
            "currency": "USD",
            "ticker": "VTIVX",
            "isin": "US92202E6077",
            "sedol": None,
            "close_price": "30.12",
            "close_date": "2024-03-13",
        },
        {
            "security_id": _BND,
            "name": "Vanguard Total Bond Market ETF",
            "type": "etf",
            "currency": "USD",
            "ticker": "BND",
            "isin": "US9219378356",
            "sedol": "B1BGH41",
            "close_price": Decimal("72.41"),
            "close_datetime": "2024-03-13T20:00:00",
        },
        {
            "security_id": _VXUS,
            "name": "Vanguard Total International Stock ETF",
            "type": "etf",
            "currency": "USD",
            "ticker": "VXUS",
            "isin": "US9219097683",
            "sedol": None,
            "close_price": "60.18",
            "close_datetime": "2024-03-13T20:00:00Z",
        },
        {
            "security_id": _TREASURY_2033,
            "name": "United States Treasury Note 3.875% 15/08/2033",
            "type": "bond",
            "currency": "USD",
            "ticker": None,
            "isin": "US91282CHT18",
            "sedol": None,
            "close_price": "95.28125",
            "close_datetime": "2024-03-13T21:00:00Z",
            "cusip": "91282CHT1",
        },
        {
            "security_id": _MONEY_MARKET,
            "name": "Vanguard Federal Money Market Fund",
            "type": "cash",
            "currency": "USD",
            "ticker": "VMFXX",
            "isin": None,
            "sedol": None,
            "close_price": "1",
            "close_datetime": "2024-03-14T15:02:11Z",
        },
    ],
    accounts=[
        {
            "account_id": _401K,
            "account_type": "investment",
            "name": "Acme Corp 401(k) Plan",
            "account_mask": "0045",
            "balances": {
                "currency": "USD",
                "available": "2310.58",
                "current": "105462.49",
                "limit": None,
                "balance_date": "2024-03-14T15:02:37Z",
            },
        },
        {
            "account_id": _IRA,
            "account_type": "investment",
            "name": "Rollover IRA",
            "account_mask": "7310",
            "balances": {
                "currency": "USD",
                "available": Decimal("412.07"),
                "current": Decimal("10321.52"),
                "limit": None,
                "balance_date": "2024-03-14",
            },
        },
    ],
    link={
        "link_id": "mk_sandbox_retirement",
        "institution_id": "vanguard",
        "institution_name": "Vanguard",
        "provider": "finicity",
        "state": "connected",
        "error_code": None,
        "last_synced_at": "2024-03-14T15:02:37Z",
        "tags": ["user_type:individual"],
        "products": {
            "investments": {
                "refreshed_at": "2024-03-14T15:02:37Z",
                "last_attempted_at": "2024-03-14T15:02:37Z",
                "settings": {"required": True, "prefetch": False},
            },
        },
    },
)

_TRADING = "acc_8Rt3Hm6XqZ1vWc9NbL4kPs"
_VAULT = "acc_1Dp7Kw4TnQ8zXr2MvB6cJh"
_BITCOIN = "sec_2Nx8Vq5LmT3wRb9KcZ6pHe"
_ETHER = "sec_8Lw2Zr6QxN4vKc7TbM3pJd"
_CHAINLINK = "sec_5Km9Tx3WqB7nLv2RcZ8pHf"
_UNISWAP = "sec_3Qz6Nb9LxV2tKw5RmC8pJg"

# A crypto exchange link: crypto only, Ethereum-chain quantities with all 18 decimals of their
# smallest unit, and an airdrop whose cost basis the exchange does not know (the property is
# absent, not null). Ether is held in both accounts, so filtering by either one keeps it.
CRYPTO = HoldingsDataset(
    holdings=[
        {
            "account_id": _TRADING,
            "security_id": _BITCOIN,
            "quantity": "0.52183004",
            "price": "67120.55",
            "price_datetime": "2024-03-14T15:02:11Z",
            "value": "35025.52",
            "cost_basis": "14210.77",
        },
        {
            "account_id": _TRADING,
            "security_id": _ETHER,
            "quantity": "2.718281828459045235",
            "price": "3881.52",
            "price_datetime": "2024-03-14T15:02:11Z",
            "value": "10551.07",
            "cost_basis": "5796.22",
        },
        {
            "account_id": _TRADING,
            "security_id": _CHAINLINK,
            "quantity": "57.314159265358979323",
            "price": "18.93",
            "price_datetime": "2024-03-14T15:02:11Z",
            "value": "1084.96",
            "cost_basis": "802.40",
        },
        {
            "account_id": _TRADING,
            "security_id": _UNISWAP,
            "quantity": "400.123456789012345678",
            "price": "11.42",
            "price_datetime": "2024-03-14T15:02:11Z",
            "value": "4569.41",
        },
        {
            "account_id": _VAULT,
            "security_id": _ETHER,
            "quantity": "10.000000000000000001",
            "price": "3881.52",
            "price_datetime": "2024-03-14T15:02:11",
            "value": "38815.20",
            "cost_basis": "18420.00",
        },
    ],
    securities=[
        {
            "security_id": _BITCOIN,
            "name": "Bitcoin",
            "type": "crypto",
            "currency": "USD",
            "ticker": "BTC",
            "isin": None,
            "sedol": None,
            "close_price": "67120.55",
            "close_datetime": "2024-03-14T15:02:11Z",
        },
        {
            "security_id": _ETHER,
            "name": "Ethereum",
            "type": "crypto",
            "currency": "USD",
            "ticker": "ETH",
            "isin": None,
            "sedol": None,
            "close_price": "3881.52",
            "close_datetime": "2024-03-14T15:02:11Z",
        },
        {
            "security_id": _CHAINLINK,
            "name": "Chainlink",
            "type": "crypto",
            "currency": "USD",
            "ticker": "LINK",
            "isin": None,
            "sedol": None,
            "close_price": "18.93",
            "close_datetime": "2024-03-14T15:02:11Z",
        },
        {
            "security_id": _UNISWAP,
            "name": "Uniswap",
            "type": "crypto",
            "currency": "USD",
            "ticker": "UNI",
            "isin": None,
            "sedol": None,
            "close_price": "11.42",
            "close_datetime": "2024-03-14T15:02:11Z",
        },
    ],
    accounts=[
        {
            "account_id": _TRADING,
            "account_type": "investment",
            "name": "Crypto Trading",
            "account_mask": "9921",
            "balances": {
                "currency": "USD",
                "available": "0",
                "current": "51230.96",
                "limit": None,
                "balance_date": "2024-03-14T15:02:37Z",
            },
        },
        {
            "account_id": _VAULT,
            "account_type": "investment",
            "name": "ETH Vault",
            "account_mask": "3306",
            "balances": {
                "currency": "USD",
                "available": "0",
                "current": "38815.20",
                "limit": None,
                "balance_date": "2024-03-14T15:02:37Z",
            },
        },
    ],
    link={
        "link_id": "mk_sandbox_crypto",
        "institution_id": "coinbase",
        "institution_name": "Coinbase",
        "provider": "mx",
        "state": "connected",
        "error_code": None,
        "last_synced_at": "2024-03-14T15:02:37Z",
        "tags": [],
        "products": {
            "investments": {
                "refreshed_at": "2024-03-14T15:02:37Z",
                "last_attempted_at": "2024-03-14T15:02:37Z",
                "settings": {"required": True, "prefetch": True},
            },
        },
    },
)

_SAVINGS = "acc_8Wm3Tx6QcN2vLp9RbK4zHe"
_CARD = "acc_4Rk9Vb2XnT7cQm5LwJ8pZd"
_WALLET = "acc_6Nc2Lq8WzK4vTb9XmR3pJh"
_EURO = "acc_3Jp7Zc5KvR9xNw2TmB6qLd"

# A link of accounts without holdings, for balances: three currencies, 18-decimal and
# 38-digit amounts, a number in exponent form, a credit limit, and balances nobody reported.
BALANCES = HoldingsDataset(
    holdings=[],
    securities=[],
    accounts=[
        {
            "account_id": _SAVINGS,
            "account_type": "depository.savings",
            "name": "High Yield Savings",
            "account_mask": "2291",
            "balances": {
                "currency": "USD",
                "available": Decimal("2310.580000000000000001"),
                "current": Decimal("2455.123456789012345678"),
                "limit": None,
                "balance_date": "2024-03-14T15:02:37Z",
            },
        },
        {
            "account_id": _CARD,
            "account_type": "liability.credit_card",
            "name": "Sapphire Preferred",
            "account_mask": "8810",
            "balances": {
                "currency": "USD",
                "available": Decimal("4500.5"),
                "current": Decimal("499.50"),
                "limit": 5000,
                "balance_date": "2024-03-14",
            },
        },
        {
            "account_id": _WALLET,
            "account_type": "investment.crypto_exchange",
            "name": "ETH Wallet",
            "account_mask": "9f3a",
            "balances": {
                "currency": "ETH",
                "available": Decimal("98765432109876543210.123456789012345678"),
                "current": Decimal("98765432109876543210.123456789012345678"),
                "limit": None,
                "balance_date": "2024-03-14T15:02:37Z",
            },
        },
        {
            "account_id": _EURO,
            "account_type": "depository.checking",
            "name": "Compte courant",
            "account_mask": "7702",
            "balances": {
                "currency": "EUR",
                "available": Decimal("1E-18"),
                "current": Decimal("1E+3"),
                "limit": None,
                "balance_date": None,
            },
        },
    ],
    link={
        "link_id": "mk_sandbox_balances",
        "institution_id": "chase",
        "institution_name": "Chase",
        "provider": "mx",
        "state": "connected",
        "error_code": None,
        "last_synced_at": "2024-03-14T15:02:37Z",
        "tags": [],
        "products": {
            "accounts": {
                "refreshed_at": "2024-03-14T15:02:37Z",
                "last_attempted_at": "2024-03-14T15:02:37Z",
                "settings": {"required": True, "prefetch": False},
            },
        },
    },
)
