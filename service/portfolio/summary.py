"""The merged views of a portfolio: positions combined across connections, totals by currency.

Positions are the same security when their ISINs match, or, without an ISIN, their tickers
and security types; positions with neither stay apart. Merging also requires the same
valuation currency. Sums are exact; a sum with a missing part is absent, not partial.
Currency totals add each connection's own total value (`GetHoldingsValueResponse`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from aggregator.v1.aggregator_service_pb2 import (
    CurrencyTotal,
    MergedPosition,
    PortfolioEntry,
    PortfolioSummary,
)
from aggregator.v1.holdings_pb2 import Holding, Security
from service.core.decimals import decimal_text, exact_sum


@dataclass
class _Group:
    first: Security
    """The security as the first connection that named it describes it."""
    currency: str
    quantities: list[Decimal | None] = field(default_factory=list)
    values: list[Decimal | None] = field(default_factory=list)
    connections: list[int] = field(default_factory=list)


def summarize(entries: Sequence[PortfolioEntry]) -> PortfolioSummary:
    succeeded = [entry for entry in entries if entry.HasField("data")]
    summary = PortfolioSummary(succeeded=len(succeeded), failed=len(entries) - len(succeeded))
    groups: dict[tuple[str, ...], _Group] = {}
    for entry in sorted(succeeded, key=lambda entry: entry.connection_index):
        for key, security, currency, holding in _positions(entry):
            group = groups.setdefault(key, _Group(security, currency))
            if not group.first.name and security.name:
                group.first = security
            group.quantities.append(_decimal(holding, "quantity"))
            group.values.append(_decimal(holding, "value"))
            if entry.connection_index not in group.connections:
                group.connections.append(entry.connection_index)
    for group in groups.values():
        position = MergedPosition(
            isin=group.first.isin,
            ticker=group.first.ticker,
            type=group.first.type,
            name=group.first.name,
            currency=group.currency,
            connection_indexes=group.connections,
        )
        _set_sum(position, "quantity", group.quantities)
        _set_sum(position, "value", group.values)
        summary.positions.append(position)
    totals: dict[str, list[Decimal]] = {}
    for entry in succeeded:
        value = entry.data.value
        if value.HasField("total_value") and value.currency:
            totals.setdefault(value.currency, []).append(Decimal(value.total_value))
    summary.totals.extend(
        CurrencyTotal(currency=currency, value=decimal_text(exact_sum(amounts)))
        for currency, amounts in sorted(totals.items())
    )
    return summary


def in_request_order(entries: Sequence[PortfolioEntry]) -> list[PortfolioEntry]:
    return sorted(entries, key=lambda entry: entry.connection_index)


def _positions(
    entry: PortfolioEntry,
) -> Iterable[tuple[tuple[str, ...], Security, str, Holding]]:
    holdings = entry.data.holdings
    securities = {security.security_id: security for security in holdings.securities}
    account_currency = {
        account.account_id: account.balances.currency
        for account in holdings.accounts
        if account.balances.currency
    }
    for number, holding in enumerate(holdings.holdings):
        security = securities.get(holding.security_id, Security(security_id=holding.security_id))
        currency = account_currency.get(holding.account_id) or security.currency
        if security.isin:
            key: tuple[str, ...] = ("isin", security.isin, currency)
        elif security.ticker:
            key = ("ticker", security.ticker, str(security.type), currency)
        else:
            key = ("alone", str(entry.connection_index), str(number))
        yield key, security, currency, holding


def _decimal(holding: Holding, name: str) -> Decimal | None:
    return Decimal(getattr(holding, name)) if holding.HasField(name) else None  # type: ignore[arg-type]


def _set_sum(position: MergedPosition, name: str, amounts: list[Decimal | None]) -> None:
    if amounts and all(amount is not None for amount in amounts):
        setattr(position, name, decimal_text(exact_sum(a for a in amounts if a is not None)))
