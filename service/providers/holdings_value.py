"""A connection's value, computed by the gateway from its holdings, for providers that have no
value endpoint.

The figures are exact sums over the holdings: equities, cryptocurrencies and fiat are the
holdings of those asset classes, the total every holding whatever its class. A group's
performance is (value - cost basis) / cost basis x 100, only when every holding of the group has
a value and a cost basis; otherwise it is absent, never zero. A holding's value is its own,
else quantity x price. Holdings in several currencies (or one without a currency) cannot be
summed, so the values are then absent and the currency empty.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from aggregator.v1.aggregator_service_pb2 import GetHoldingsValueResponse
from service.core.converters import decimal_field
from service.core.decimals import exact_product, exact_sum, percent_change


class AssetClass(enum.Enum):
    """The groups of `GetHoldingsValueResponse`; a provider says which its security types are."""

    EQUITY = "equity"
    CRYPTO = "crypto"
    FIAT = "fiat"
    OTHER = "other"


@dataclass(frozen=True)
class ValuedHolding:
    """One holding, as far as its value goes."""

    asset_class: AssetClass
    currency: str | None
    value: Decimal | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    cost_basis: Decimal | None = None

    @property
    def total_value(self) -> Decimal | None:
        if self.value is not None:
            return self.value
        if self.quantity is not None and self.price is not None:
            return exact_product(self.quantity, self.price)
        return None


_GROUPS: tuple[tuple[str, str | None, frozenset[AssetClass] | None], ...] = (
    ("equities_value", "equities_performance", frozenset({AssetClass.EQUITY})),
    ("cryptocurrencies_value", "cryptocurrencies_performance", frozenset({AssetClass.CRYPTO})),
    ("fiat_value", None, frozenset({AssetClass.FIAT})),
    ("total_value", "total_performance", None),
)


def value_of(holdings: Sequence[ValuedHolding]) -> GetHoldingsValueResponse:
    """The values and currency computed from `holdings`; the caller adds result and source."""
    response = GetHoldingsValueResponse()
    currencies = {holding.currency or None for holding in holdings}
    if len(currencies) > 1 or None in currencies:
        return response
    # No holdings sum to zero, in no particular currency.
    response.currency = next((c for c in currencies if c is not None), "")
    for value_field, performance_field, classes in _GROUPS:
        group = [h for h in holdings if classes is None or h.asset_class in classes]
        value = _sum_or_none(h.total_value for h in group)
        decimal_field(response, value_field, value)
        cost = _sum_or_none(h.cost_basis for h in group)
        if performance_field and value is not None and cost is not None:
            decimal_field(response, performance_field, percent_change(value, cost))
    return response


def _sum_or_none(values: Iterable[Decimal | None]) -> Decimal | None:
    items = list(values)
    if any(item is None for item in items):
        return None
    return exact_sum(item for item in items if item is not None)
