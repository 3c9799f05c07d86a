"""`portfolio_summary.summarize`: positions merged across connections, totals by currency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from aggregator.v1 import holdings_pb2
from aggregator.v1.aggregator_service_pb2 import (
    CurrencyTotal,
    EntryError,
    GetHoldingsResponse,
    GetHoldingsValueResponse,
    MergedPosition,
    PortfolioData,
    PortfolioEntry,
    PortfolioSummary,
)
from aggregator.v1.source_pb2 import PROVIDER_MESH, PROVIDER_MONEYKIT
from service.portfolio.summary import summarize

EQUITY = holdings_pb2.SECURITY_TYPE_EQUITY
CRYPTO = holdings_pb2.SECURITY_TYPE_CRYPTO
APPLE_ISIN = "US0378331005"


@dataclass(frozen=True)
class Pos:
    """One position to put in an entry: its security, account currency and amounts."""

    security_id: str
    isin: str = ""
    ticker: str = ""
    type: int = EQUITY
    name: str = ""
    quantity: str | None = "1"
    value: str | None = "1"
    account_currency: str = "USD"
    security_currency: str = ""


def entry(
    index: int,
    *positions: Pos,
    total: str | None = None,
    currency: str = "USD",
) -> PortfolioEntry:
    """A succeeded entry; each position gets its own account with its own currency."""
    holdings = GetHoldingsResponse()
    for number, pos in enumerate(positions):
        account_id = f"acc_{number}"
        holdings.accounts.append(
            holdings_pb2.Account(
                account_id=account_id,
                balances=holdings_pb2.AccountBalances(currency=pos.account_currency),
            )
        )
        holdings.securities.append(
            holdings_pb2.Security(
                security_id=pos.security_id,
                isin=pos.isin,
                ticker=pos.ticker,
                type=pos.type,  # type: ignore[arg-type]
                name=pos.name,
                currency=pos.security_currency,
            )
        )
        holding = holdings_pb2.Holding(account_id=account_id, security_id=pos.security_id)
        if pos.quantity is not None:
            holding.quantity = pos.quantity
        if pos.value is not None:
            holding.value = pos.value
        holdings.holdings.append(holding)
    value = GetHoldingsValueResponse(currency=currency)
    if total is not None:
        value.total_value = total
    return PortfolioEntry(
        connection_index=index,
        provider=PROVIDER_MESH,
        data=PortfolioData(holdings=holdings, value=value),
    )


def failed(index: int) -> PortfolioEntry:
    return PortfolioEntry(
        connection_index=index,
        provider=PROVIDER_MONEYKIT,
        link_id="mk_1",
        error=EntryError(code=14, message="MoneyKit is unavailable"),
    )


def positions_by_key(summary: PortfolioSummary) -> dict[tuple[str, str, str], MergedPosition]:
    return {(p.isin, p.ticker, p.currency): p for p in summary.positions}


def optional(message: Any, name: str) -> str | None:
    """An optional string field, None when unset."""
    return str(getattr(message, name)) if message.HasField(name) else None


# Merging by ISIN ------------------------------------------------------------------------------


def test_positions_with_the_same_isin_merge_across_connections() -> None:
    summary = summarize(
        [
            entry(
                0, Pos("mk_sec_1", APPLE_ISIN, "AAPL", name="Apple", quantity="1.5", value="300.10")
            ),
            entry(1, Pos("mk_sec_9", "US5949181045", "MSFT", quantity="1", value="400")),
            entry(2, Pos("sec_other", APPLE_ISIN, "AAPL.O", quantity="2", value="399.90")),
        ]
    )

    [apple] = [p for p in summary.positions if p.isin == APPLE_ISIN]
    assert apple.quantity == "3.5"
    assert apple.value == "700.00"
    assert list(apple.connection_indexes) == [0, 2]
    assert apple.currency == "USD"
    assert apple.ticker == "AAPL"
    assert apple.name == "Apple"
    assert apple.type == EQUITY
    assert len(summary.positions) == 2


def test_sums_are_exact() -> None:
    summary = summarize(
        [
            entry(0, Pos("a", APPLE_ISIN, quantity="0.1", value="0.000000000000000000001")),
            entry(1, Pos("b", APPLE_ISIN, quantity="0.2", value="12345678901234567890")),
        ]
    )

    [position] = summary.positions
    assert position.quantity == "0.3"
    assert position.value == "12345678901234567890.000000000000000000001"


def test_connection_indexes_are_in_order_whatever_the_order_of_the_entries() -> None:
    summary = summarize(
        [
            entry(3, Pos("a", APPLE_ISIN)),
            entry(0, Pos("b", APPLE_ISIN)),
            entry(1, Pos("c", APPLE_ISIN)),
        ]
    )

    [position] = summary.positions
    assert list(position.connection_indexes) == [0, 1, 3]
    assert position.quantity == "3"


def test_the_same_security_twice_in_one_connection_merges_with_one_index() -> None:
    summary = summarize(
        [
            entry(
                0, Pos("a", APPLE_ISIN, quantity="1", value="2"), Pos("a", APPLE_ISIN, quantity="3")
            )
        ]
    )

    [position] = summary.positions
    assert list(position.connection_indexes) == [0]
    assert position.quantity == "4"


def test_different_isins_with_the_same_ticker_do_not_merge() -> None:
    summary = summarize(
        [
            entry(0, Pos("a", "US0000000001", "ABC")),
            entry(1, Pos("b", "GB0000000002", "ABC")),
        ]
    )

    assert sorted(p.isin for p in summary.positions) == ["GB0000000002", "US0000000001"]
    assert all(list(p.connection_indexes) in ([0], [1]) for p in summary.positions)


# Merging by ticker and type -------------------------------------------------------------------


def test_without_isin_positions_with_the_same_ticker_and_type_merge() -> None:
    summary = summarize(
        [
            entry(0, Pos("mesh:crypto:BTC", ticker="BTC", type=CRYPTO, quantity="0.5", value="1")),
            entry(1, Pos("mk_btc", ticker="BTC", type=CRYPTO, quantity="0.25", value="2.5")),
        ]
    )

    [position] = summary.positions
    assert position.ticker == "BTC"
    assert position.isin == ""
    assert position.type == CRYPTO
    assert position.quantity == "0.75"
    assert position.value == "3.5"
    assert list(position.connection_indexes) == [0, 1]


def test_the_same_ticker_with_another_type_does_not_merge() -> None:
    summary = summarize(
        [
            entry(0, Pos("a", ticker="BTC", type=CRYPTO)),
            entry(1, Pos("b", ticker="BTC", type=EQUITY)),
        ]
    )

    assert sorted(p.type for p in summary.positions) == sorted([CRYPTO, EQUITY])


def test_securities_without_isin_or_ticker_never_merge() -> None:
    summary = summarize(
        [
            entry(0, Pos("same", name="Mystery"), Pos("same", name="Mystery")),
            entry(1, Pos("same", name="Mystery")),
        ]
    )

    assert len(summary.positions) == 3
    assert sorted(list(p.connection_indexes) for p in summary.positions) == [[0], [0], [1]]
    assert all(p.quantity == "1" for p in summary.positions)


# Currencies -----------------------------------------------------------------------------------


def test_positions_in_different_currencies_never_merge() -> None:
    summary = summarize(
        [
            entry(0, Pos("a", APPLE_ISIN, value="10", account_currency="USD")),
            entry(1, Pos("b", APPLE_ISIN, value="9", account_currency="EUR")),
            entry(2, Pos("c", ticker="BTC", type=CRYPTO, value="1", account_currency="USD")),
            entry(3, Pos("d", ticker="BTC", type=CRYPTO, value="2", account_currency="GBP")),
        ]
    )

    assert {(p.isin, p.ticker, p.currency): p.value for p in summary.positions} == {
        (APPLE_ISIN, "", "USD"): "10",
        (APPLE_ISIN, "", "EUR"): "9",
        ("", "BTC", "USD"): "1",
        ("", "BTC", "GBP"): "2",
    }


def test_without_an_account_currency_the_security_currency_decides() -> None:
    summary = summarize(
        [
            entry(
                0, Pos("a", APPLE_ISIN, value="10", account_currency="", security_currency="USD")
            ),
            entry(1, Pos("b", APPLE_ISIN, value="5", account_currency="USD")),
            entry(2, Pos("c", APPLE_ISIN, value="1", account_currency="", security_currency="EUR")),
        ]
    )

    positions = positions_by_key(summary)
    assert positions[(APPLE_ISIN, "", "USD")].value == "15"
    assert list(positions[(APPLE_ISIN, "", "USD")].connection_indexes) == [0, 1]
    assert positions[(APPLE_ISIN, "", "EUR")].value == "1"


# Missing amounts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("incomplete", "quantity", "value"),
    [
        (Pos("b", APPLE_ISIN, quantity=None, value="1"), None, "4"),
        (Pos("b", APPLE_ISIN, quantity="1", value=None), "3", None),
        (Pos("b", APPLE_ISIN, quantity=None, value=None), None, None),
    ],
)
def test_a_missing_amount_leaves_the_merged_amount_unset(
    incomplete: Pos, quantity: str | None, value: str | None
) -> None:
    summary = summarize(
        [entry(0, Pos("a", APPLE_ISIN, quantity="2", value="3")), entry(1, incomplete)]
    )

    [position] = summary.positions
    assert optional(position, "quantity") == quantity
    assert optional(position, "value") == value
    assert list(position.connection_indexes) == [0, 1]


def test_a_zero_amount_is_not_a_missing_one() -> None:
    summary = summarize(
        [entry(0, Pos("a", APPLE_ISIN, quantity="0", value="0")), entry(1, Pos("b", APPLE_ISIN))]
    )

    [position] = summary.positions
    assert position.quantity == "1"
    assert position.value == "1"


# Succeeded and failed entries -----------------------------------------------------------------


def test_failed_entries_are_counted_and_contribute_nothing() -> None:
    summary = summarize(
        [
            failed(0),
            entry(1, Pos("a", APPLE_ISIN, quantity="2"), total="10"),
            failed(2),
            entry(3, Pos("b", APPLE_ISIN, quantity="3"), total="5"),
        ]
    )

    assert summary.succeeded == 2
    assert summary.failed == 2
    [position] = summary.positions
    assert list(position.connection_indexes) == [1, 3]
    assert position.quantity == "5"
    assert list(summary.totals) == [CurrencyTotal(currency="USD", value="15")]


def test_no_entries_summarise_to_nothing() -> None:
    assert summarize([]) == PortfolioSummary(succeeded=0, failed=0)


def test_only_failures_give_no_positions_and_no_totals() -> None:
    summary = summarize([failed(0), failed(1)])

    assert summary == PortfolioSummary(succeeded=0, failed=2)


# Currency totals ------------------------------------------------------------------------------


def test_totals_add_each_entrys_total_value_by_currency_sorted_by_currency() -> None:
    summary = summarize(
        [
            entry(0, total="100.50", currency="USD"),
            entry(1, total="7", currency="EUR"),
            entry(2, total="0.5", currency="USD"),
            entry(3, total="0.001", currency="CHF"),
        ]
    )

    assert list(summary.totals) == [
        CurrencyTotal(currency="CHF", value="0.001"),
        CurrencyTotal(currency="EUR", value="7"),
        CurrencyTotal(currency="USD", value="101.00"),
    ]


def test_totals_use_the_entries_total_value_not_their_positions() -> None:
    summary = summarize([entry(0, Pos("a", APPLE_ISIN, value="3"), total="1000")])

    assert list(summary.totals) == [CurrencyTotal(currency="USD", value="1000")]


def test_entries_without_a_total_value_are_skipped_in_the_totals() -> None:
    summary = summarize(
        [
            entry(0, Pos("a", APPLE_ISIN, value="3"), total=None, currency="USD"),
            entry(1, total="2", currency="USD"),
            # Values in several currencies: the connection has no total and no currency.
            entry(2, total=None, currency=""),
        ]
    )

    assert list(summary.totals) == [CurrencyTotal(currency="USD", value="2")]
    assert summary.succeeded == 3


# The name -------------------------------------------------------------------------------------


def test_the_name_comes_from_the_first_connection_that_named_it() -> None:
    summary = summarize(
        [
            entry(0, Pos("a", APPLE_ISIN, name="")),
            entry(1, Pos("b", APPLE_ISIN, name="Apple Inc.")),
            entry(2, Pos("c", APPLE_ISIN, name="APPLE")),
        ]
    )

    [position] = summary.positions
    assert position.name == "Apple Inc."
