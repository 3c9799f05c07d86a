"""The provider-neutral value of holdings: exact sums by asset class, performance only when
every cost basis is known, nothing when currencies differ."""

from __future__ import annotations

from decimal import Context, Decimal, localcontext

from hypothesis import given
from hypothesis import strategies as st

from service.providers.holdings_value import AssetClass, ValuedHolding, value_of

AMOUNTS = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=18, allow_nan=False
)


@given(st.lists(st.tuples(st.sampled_from(list(AssetClass)), AMOUNTS), max_size=30))
def test_each_group_is_the_exact_sum_of_its_holdings(
    items: list[tuple[AssetClass, Decimal]],
) -> None:
    holdings = [ValuedHolding(kind, "USD", value=value) for kind, value in items]

    response = value_of(holdings)

    def total(*kinds: AssetClass) -> Decimal:
        # Precise enough to be exact: the default 28 digits would round 1e10 + 1e-18.
        with localcontext(Context(prec=100)):
            return sum((v for k, v in items if k in kinds), Decimal(0))

    assert Decimal(response.total_value) == total(*AssetClass)
    assert Decimal(response.equities_value) == total(AssetClass.EQUITY)
    assert Decimal(response.cryptocurrencies_value) == total(AssetClass.CRYPTO)
    assert Decimal(response.fiat_value) == total(AssetClass.FIAT)


def test_a_value_is_quantity_times_price_when_the_provider_gave_none() -> None:
    response = value_of(
        [ValuedHolding(AssetClass.CRYPTO, "USD", quantity=Decimal("0.1"), price=Decimal("3"))]
    )

    assert response.cryptocurrencies_value == "0.3"


def test_performance_needs_every_cost_basis_of_the_group() -> None:
    response = value_of(
        [
            ValuedHolding(AssetClass.EQUITY, "USD", value=Decimal(110), cost_basis=Decimal(100)),
            ValuedHolding(AssetClass.CRYPTO, "USD", value=Decimal(50)),
        ]
    )

    assert response.equities_performance == "10.0000"
    assert not response.HasField("cryptocurrencies_performance")
    assert not response.HasField("total_performance")


def test_holdings_in_several_currencies_have_no_value() -> None:
    response = value_of(
        [
            ValuedHolding(AssetClass.EQUITY, "USD", value=Decimal(1)),
            ValuedHolding(AssetClass.CRYPTO, "BTC", value=Decimal(1)),
        ]
    )

    assert response.currency == ""
    assert not response.HasField("total_value")


def test_a_holding_without_currency_leaves_the_value_absent() -> None:
    response = value_of([ValuedHolding(AssetClass.EQUITY, None, value=Decimal(1))])

    assert not response.HasField("total_value")
