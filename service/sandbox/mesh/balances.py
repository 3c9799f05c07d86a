"""What the balance endpoint answers per institution (B2BBrokerAccountBalanceModel).

Every answer has two currencies. Coinbase's numbers test exactness: 18-decimal amounts, a
38-digit buying power, and a tiny EUR cash amount that JSON carries in exponent form (`1E-18`).
"""

from decimal import Decimal

from service.sandbox._json import JsonObject

# The document's example (USD and EUR), with totals that add up at 1.085 USD per EUR.
_BROKER: JsonObject = {
    "balances": [
        {
            "cash": Decimal("158.5"),
            "buyingPower": Decimal("258.5"),
            "cryptocurrencyBuyingPower": Decimal("158.5"),
            "currencyCode": "USD",
        },
        {"cash": Decimal("10"), "buyingPower": Decimal("10"), "currencyCode": "EUR"},
    ],
    "totalCashUsdValue": Decimal("169.35"),
    "totalBuyingPowerUsdValue": Decimal("269.35"),
}

_OWN_BALANCES: dict[str, JsonObject] = {
    "coinbase": {
        "balances": [
            {
                "cash": Decimal("1520.123456789012345678"),
                "buyingPower": Decimal("1520.123456789012345678"),
                "cryptocurrencyBuyingPower": Decimal("98765432109876543210.123456789012345678"),
                "currencyCode": "USD",
            },
            {
                "cash": Decimal("1E-18"),
                "buyingPower": Decimal("0"),
                "cryptocurrencyBuyingPower": None,
                "currencyCode": "EUR",
            },
        ],
        "totalCashUsdValue": Decimal("1520.123456789012345679"),
        "totalBuyingPowerUsdValue": Decimal("1520.123456789012345678"),
    },
}


def balances(institution: str) -> JsonObject:
    return _OWN_BALANCES.get(institution, _BROKER)


def partial_balances(institution: str) -> JsonObject:
    """Only each currency's code and cash: every other number is optional in the schema."""
    full = balances(institution)
    entries = full["balances"]
    assert isinstance(entries, list)
    return {
        "balances": [
            {"currencyCode": entry["currencyCode"], "cash": entry["cash"]}
            for entry in entries
            if isinstance(entry, dict)
        ]
    }
