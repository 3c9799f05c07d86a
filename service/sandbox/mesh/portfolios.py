"""What the holdings value endpoint answers per institution (BrokerPortfolioValueModel)."""

from decimal import Decimal

from service.sandbox._json import JsonObject

_DOCUMENTED_EXAMPLE: JsonObject = {
    "totalValue": Decimal("186.03"),
    "totalPerformance": Decimal("6.23"),
    "equitiesValue": Decimal("100.12"),
    "equitiesPerformance": Decimal("5.3457"),
    "cryptocurrenciesValue": Decimal("50.37"),
    "cryptocurrenciesPerformance": Decimal("7.23"),
    "nftsValue": Decimal("15.34"),
    "fiatValue": Decimal("20.2"),
}

_OWN_PORTFOLIOS: dict[str, JsonObject] = {
    # A crypto exchange: no equities at all, so no equities performance either.
    "coinbase": {
        "totalValue": Decimal("48213.874512"),
        "totalPerformance": Decimal("18.402137"),
        "equitiesValue": Decimal("0"),
        "cryptocurrenciesValue": Decimal("48102.334512"),
        "cryptocurrenciesPerformance": Decimal("18.55103917"),
        "nftsValue": Decimal("0"),
        "fiatValue": Decimal("111.54"),
    },
    # A broker: equities and cash, and a loss.
    "interactiveBrokers": {
        "totalValue": Decimal("125730.55"),
        "totalPerformance": Decimal("-2.4113"),
        "equitiesValue": Decimal("118245.30"),
        "equitiesPerformance": Decimal("-2.5641"),
        "cryptocurrenciesValue": Decimal("0"),
        "cryptocurrenciesPerformance": Decimal("0"),
        "nftsValue": Decimal("0"),
        "fiatValue": Decimal("7485.25"),
    },
}

_PARTIAL_FIELDS = ("totalValue", "fiatValue")


def portfolio_value(institution: str) -> JsonObject:
    return _OWN_PORTFOLIOS.get(institution, _DOCUMENTED_EXAMPLE)


def partial_portfolio_value(institution: str) -> JsonObject:
    """Only some of the numbers: every one of them is optional in the schema."""
    full = portfolio_value(institution)
    return {name: full[name] for name in _PARTIAL_FIELDS}
