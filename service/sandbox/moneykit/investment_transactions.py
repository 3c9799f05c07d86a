"""MoneyKit `GET /links/{id}/investments/transactions`: a link's investment transactions, paged
by page number, with the securities and accounts they refer to.

The shapes are the SDK's `GetInvestmentTransactionsResponse` and
`InvestmentTransactionResponse`: amounts, prices, quantities and fees are decimal strings, an
amount is positive for money out of the account (`quantity * price + fees`), and `type` is
`buy`, `sell`, `cash`, `fee` or `transfer`, with a dotted subtype where there is one.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from service.sandbox._json import JsonObject, JsonValue
from service.sandbox.moneykit.datasets import DEFAULT

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50

_BROKERAGE = "acc_3fTq8NmW2xRbKp9LzVd4Hc"
_CHECKING = "acc_7Yc2Ge5JvQsW1nXoPa8KmT"
_MSFT = "sec_bb6fi893jxdfNxyAjnb784"
_AAPL = "sec_4aJm2TzQ9wCvLp7RnHe3Xd"
_VTI = "sec_9KdT3pQxV2mN8bRw4LcYz6"
_FXAIX = "sec_2HwQ7nRt5LcXp9VbZ4mJe8"
_ETH = "sec_6PzX4kWc8NqT2vRm7LbJd3"
_TREASURY = "sec_8RqL2mXw6VtB4nKc9ZpH5j"


def _transaction(
    number: int,
    account_id: str,
    day: str,
    kind: str,
    description: str,
    amount: str,
    *,
    security_id: str | None = None,
    quantity: str | None = None,
    price: str | None = None,
    fees: str | None = None,
    at: str | None = None,
) -> JsonObject:
    return {
        "investment_transaction_id": f"itx_sandbox_{number:02d}",
        "account_id": account_id,
        "amount": amount,
        "date": day,
        "datetime": at,
        "description": description,
        "type": kind,
        "fees": fees,
        "forex_rate": None,
        "price": price,
        "quantity": quantity,
        "security_id": security_id,
    }


# Newest first, as a statement lists them.
TRANSACTIONS: list[JsonObject] = [
    _transaction(11, _BROKERAGE, "2024-03-14", "fee.transfer_fee", "Outgoing transfer fee", "5.00"),
    _transaction(
        10,
        _BROKERAGE,
        "2024-03-13",
        "buy",
        "Bought 100 US Treasury 4.25% 2034",
        "9854.125",
        security_id=_TREASURY,
        quantity="100",
        price="98.53125",
        fees="1.00",
        at="2024-03-13T14:31:07Z",
    ),
    _transaction(9, _CHECKING, "2024-03-05", "cash.interest", "Interest earned", "-3.17"),
    _transaction(
        8,
        _BROKERAGE,
        "2024-03-01",
        "buy",
        "Bought 12.3456 VTI",
        "3001.21536",
        security_id=_VTI,
        quantity="12.3456",
        price="243.10",
        fees="0",
        at="2024-03-01T15:02:44",
    ),
    _transaction(
        7,
        _BROKERAGE,
        "2024-02-20",
        "transfer.in",
        "Ethereum received",
        "0",
        security_id=_ETH,
        quantity="0.500000000000000001",
    ),
    _transaction(6, _BROKERAGE, "2024-02-15", "fee.account_fee", "Quarterly account fee", "25.00"),
    _transaction(
        5,
        _BROKERAGE,
        "2024-02-05",
        "sell",
        "Sold 5 AAPL",
        "-946.48",
        security_id=_AAPL,
        quantity="-5",
        price="189.30",
        fees="0.02",
        at="2024-02-05T16:59:01Z",
    ),
    _transaction(
        4,
        _BROKERAGE,
        "2024-02-01",
        "cash.dividend",
        "MSFT dividend",
        "-18.75",
        security_id=_MSFT,
    ),
    _transaction(
        3,
        _BROKERAGE,
        "2024-01-16",
        "buy.dividend_reinvestment",
        "Dividend reinvested in FXAIX",
        "20.34",
        security_id=_FXAIX,
        quantity="0.125",
        price="162.72",
    ),
    _transaction(2, _CHECKING, "2024-01-10", "cash.deposit", "Deposit", "-5000.00"),
    _transaction(
        1,
        _BROKERAGE,
        "2024-01-03",
        "buy",
        "Bought 10 MSFT",
        "3706.00",
        security_id=_MSFT,
        quantity="10",
        price="370.60",
        fees="0",
        at="2024-01-03T14:30:00Z",
    ),
]


@dataclass(frozen=True)
class Query:
    """The endpoint's query parameters, once valid."""

    page: int
    size: int
    account_ids: Collection[str]
    start_date: date | None
    end_date: date | None


def page_of(query: Query, link: JsonObject) -> JsonObject:
    """The answer for `query`: the matching transactions' page, and what they refer to."""
    matching = [
        transaction
        for transaction in TRANSACTIONS
        if (not query.account_ids or transaction["account_id"] in query.account_ids)
        and (query.start_date is None or str(transaction["date"]) >= query.start_date.isoformat())
        and (query.end_date is None or str(transaction["date"]) <= query.end_date.isoformat())
    ]
    start = (query.page - 1) * query.size
    batch = matching[start : start + query.size]
    security_ids = {transaction["security_id"] for transaction in batch}
    account_ids = {transaction["account_id"] for transaction in batch}
    return {
        "total": len(matching),
        "page": query.page,
        "size": len(batch),
        "investment_transactions": list(batch),
        "securities": [
            _security(security)
            for security in DEFAULT.securities
            if security["security_id"] in security_ids
        ],
        "accounts": [
            account for account in DEFAULT.accounts if account["account_id"] in account_ids
        ],
        "link": link,
    }


def _security(security: JsonObject) -> JsonObject:
    # The SDK's `SecurityResponse` has the close price as a decimal string.
    close_price: JsonValue = security.get("close_price")
    return {**security, "close_price": None if close_price is None else str(close_price)}
