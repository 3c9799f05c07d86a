"""The Items the simulated Plaid answers with, written from the response schemas of Plaid's
OpenAPI document (every required property present, nullable ones null where unknown).

Amounts are JSON numbers, as Plaid sends them, some with more digits than a double holds, so a
gateway that reads them through a float is caught.
"""

import dataclasses
import hashlib
from collections.abc import Collection
from decimal import Decimal

from service.sandbox._json import JsonObject, JsonValue

_BROKERAGE = "BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp"
_IRA = "dVzbVMLjrxTnLjX4G66XUp5GLklm4oiZy88yK"
_CHECKING = "6PdjjRP6LmugpBy5NgQvUqpRXMWxzktg3rwrk"
_401K = "k67E4xKvMlhmleEa4pg9hlwGGNnnEeixPolGm"
_AAPL = "KDwjlXj1Rqt58dVvmzRguxJybmyQL8FgeWWAy"
_VTI = "NDVQrXQoqzt5v3bAe8qRt4A7mK7wvZCLEBBJk"
_VFIAX = "JDdP7XPMklt5vwPmDN45t3KAoWAPmjtpaW7DP"
_TREASURY = "nnmo8doZ4lfKNEDe3mPJipLGkaGw3jfPrpxoN"
_BTC = "vLRMV3MvY1FYNP91on35CJD5QN5rw9Fpa9qOL"
_CASH = "d6ePmbPxgWCWmMVv66q9iPV94n91vMtov5Are"
_VTIVX = "Lxe4yz4XQEtwb2YArO7RFMpPDvPxy7FALRyea"
_VBTLX = "8E4L9XLl6MudjEpwPAAgivmdZRdBPJuvMPlPb"
_INSTITUTION = {"institution_id": "ins_109512", "institution_name": "Plaid Sandbox Brokerage"}


def _account(
    account_id: str,
    name: str,
    mask: str,
    account_type: str,
    subtype: str,
    *,
    available: str | None,
    current: str,
) -> JsonObject:
    return {
        "account_id": account_id,
        "balances": {
            "available": Decimal(available) if available is not None else None,
            "current": Decimal(current),
            "limit": None,
            "iso_currency_code": "USD",
            "unofficial_currency_code": None,
            "margin_loan_amount": None,
        },
        "mask": mask,
        "name": name,
        "official_name": None,
        "type": account_type,
        "subtype": subtype,
    }


def _security(
    security_id: str,
    name: str,
    security_type: str,
    subtype: str | None,
    close_price: str,
    *,
    ticker: str | None,
    isin: str | None = None,
    cusip: str | None = None,
    is_cash_equivalent: bool = False,
    update_datetime: str | None = None,
) -> JsonObject:
    return {
        "security_id": security_id,
        "isin": isin,
        "cusip": cusip,
        "sedol": None,
        "institution_security_id": None,
        "institution_id": None,
        "proxy_security_id": None,
        "name": name,
        "ticker_symbol": ticker,
        "is_cash_equivalent": is_cash_equivalent,
        "type": security_type,
        "subtype": subtype,
        "close_price": Decimal(close_price),
        "close_price_as_of": "2024-11-29",
        "update_datetime": update_datetime,
        "iso_currency_code": "USD",
        "unofficial_currency_code": None,
        "market_identifier_code": None,
        "sector": None,
        "industry": None,
        "cfi_code": None,
        "option_contract": None,
        "fixed_income": None,
    }


def _holding(
    account_id: str,
    security_id: str,
    quantity: str,
    price: str,
    value: str,
    cost_basis: str | None,
    *,
    price_datetime: str | None = None,
) -> JsonObject:
    return {
        "account_id": account_id,
        "security_id": security_id,
        "institution_price": Decimal(price),
        "institution_price_as_of": "2024-11-29",
        "institution_price_datetime": price_datetime,
        "institution_value": Decimal(value),
        "cost_basis": Decimal(cost_basis) if cost_basis is not None else None,
        "quantity": Decimal(quantity),
        "iso_currency_code": "USD",
        "unofficial_currency_code": None,
        "vested_quantity": None,
        "vested_value": None,
    }


def _transaction(
    transaction_id: str,
    account_id: str,
    security_id: str | None,
    day: str,
    name: str,
    kind: tuple[str, str],
    quantity: str,
    price: str,
    amount: str,
    fees: str | None = "0",
) -> JsonObject:
    return {
        "investment_transaction_id": transaction_id,
        "account_id": account_id,
        "security_id": security_id,
        "date": day,
        "transaction_datetime": None,
        "name": name,
        "quantity": Decimal(quantity),
        "amount": Decimal(amount),
        "price": Decimal(price),
        "fees": Decimal(fees) if fees is not None else None,
        "type": kind[0],
        "subtype": kind[1],
        "iso_currency_code": "USD",
        "unofficial_currency_code": None,
    }


@dataclasses.dataclass(frozen=True)
class Item:
    """One Item's data; `for_token` gives it the id Plaid would give that access token's Item."""

    item_id: str
    accounts: list[JsonObject]
    securities: list[JsonObject]
    holdings: list[JsonObject]
    transactions: list[JsonObject]

    def for_token(self, access_token: str) -> "Item":
        digest = hashlib.sha256(access_token.encode()).hexdigest()
        return dataclasses.replace(self, item_id=f"sandbox-item-{digest[:24]}")

    def for_accounts(self, account_ids: Collection[str] | None) -> "Item":
        """Only the given accounts (all of them for None), with what they hold."""
        if account_ids is None:
            return self
        holdings = [h for h in self.holdings if h["account_id"] in account_ids]
        transactions = [t for t in self.transactions if t["account_id"] in account_ids]
        used = {h["security_id"] for h in holdings} | {t["security_id"] for t in transactions}
        return dataclasses.replace(
            self,
            accounts=[a for a in self.accounts if a["account_id"] in account_ids],
            holdings=holdings,
            transactions=transactions,
            securities=[s for s in self.securities if s["security_id"] in used],
        )

    def item_json(self) -> JsonObject:
        return {
            "item_id": self.item_id,
            **_INSTITUTION,
            "webhook": None,
            "error": None,
            "available_products": ["balance"],
            "billed_products": ["investments"],
            "products": ["investments"],
            "consent_expiration_time": None,
            "update_type": "background",
        }

    def securities_of(self, rows: list[JsonObject]) -> list[JsonValue]:
        used = {row["security_id"] for row in rows}
        return [s for s in self.securities if s["security_id"] in used]


BROKERAGE = Item(
    item_id="",
    accounts=[
        _account(
            _BROKERAGE,
            "Plaid Brokerage",
            "7001",
            "investment",
            "brokerage",
            available="1203.55",
            current="24325.46655999986656948136",
        ),
        _account(
            _IRA, "Plaid IRA", "7002", "investment", "ira", available=None, current="11197.56047"
        ),
        _account(
            _CHECKING,
            "Plaid Checking",
            "0000",
            "depository",
            "checking",
            available="100",
            current="110",
        ),
    ],
    securities=[
        _security(
            _AAPL,
            "Apple Inc.",
            "equity",
            "common stock",
            "189.98",
            ticker="AAPL",
            isin="US0378331005",
            cusip="037833100",
        ),
        _security(
            _VTI,
            "Vanguard Total Stock Market ETF",
            "etf",
            "etf",
            "296.51",
            ticker="VTI",
            isin="US9229087690",
            cusip="922908769",
        ),
        _security(
            _VFIAX,
            "Vanguard 500 Index Fund Admiral",
            "mutual fund",
            "mutual fund",
            "510.47",
            ticker="VFIAX",
            isin="US9229087104",
            cusip="922908710",
        ),
        _security(
            _TREASURY,
            "United States Treasury Note 4.25% 11/15/2034",
            "fixed income",
            "bond",
            "98.765",
            ticker=None,
            cusip="91282CLF6",
        ),
        _security(
            _BTC,
            "Bitcoin",
            "cryptocurrency",
            "cryptocurrency",
            "96000.12",
            ticker="BTC",
            update_datetime="2024-11-29T21:00:00Z",
        ),
        _security(
            _CASH, "U S Dollar", "cash", "cash", "1", ticker="CUR:USD", is_cash_equivalent=True
        ),
    ],
    holdings=[
        _holding(_BROKERAGE, _AAPL, "12.5", "189.98", "2374.75", "1850.10"),
        _holding(_BROKERAGE, _VTI, "30", "296.51", "8895.30", "7500"),
        _holding(
            _BROKERAGE,
            _BTC,
            "0.123456789012345678",
            "96000.12",
            "11851.86655999986656948136",
            None,
            price_datetime="2024-11-29T21:00:00Z",
        ),
        _holding(_BROKERAGE, _CASH, "1203.55", "1", "1203.55", "1203.55"),
        _holding(_IRA, _VFIAX, "20.001", "510.47", "10209.91047", "8000"),
        _holding(_IRA, _TREASURY, "10", "98.765", "987.65", "1000"),
    ],
    transactions=[
        _transaction(
            "pBbGzMa3Xqh8Eyd7aNnWtqWLpVJjgrSvrmx5L",
            _BROKERAGE,
            _AAPL,
            "2024-11-04",
            "BUY Apple Inc.",
            ("buy", "buy"),
            "2.5",
            "222.01",
            "555.025",
            "0.99",
        ),
        _transaction(
            "Mz9RgYa4NqT3vKp6LdXb2WcJ8hFs1eOnPu7Qi",
            _BROKERAGE,
            _AAPL,
            "2024-10-01",
            "DIVIDEND Apple Inc.",
            ("cash", "dividend"),
            "0",
            "0",
            "-2.5",
        ),
        _transaction(
            "Qw2ErTy5UiOp8AsDf1GhJk4LzXc7VbNm3Qa6S",
            _BROKERAGE,
            _VTI,
            "2024-09-16",
            "BUY Vanguard Total Stock Market ETF",
            ("buy", "buy"),
            "10",
            "276.12",
            "2761.2",
        ),
        _transaction(
            "Zx8CvBn2MaS5dFg7HjK9lQw1ErT3yUi6OpP4L",
            _BROKERAGE,
            _BTC,
            "2024-08-05",
            "BUY Bitcoin",
            ("buy", "buy"),
            "0.023456789012345678",
            "53210.5",
            "1248.1474717414196992190",
            "1.25",
        ),
        _transaction(
            "Lk3JhG6fDs9AqW2eRt5YuI8oP1zXc4VbN7mQa",
            _BROKERAGE,
            None,
            "2024-07-01",
            "ACH DEPOSIT",
            ("cash", "deposit"),
            "0",
            "0",
            "-5000",
            None,
        ),
        _transaction(
            "Po9IuY2tRe5WqA8sDf1GhJ4kLz7XcV3bNm6Qw",
            _IRA,
            _VFIAX,
            "2024-06-14",
            "SELL Vanguard 500 Index Fund Admiral",
            ("sell", "sell"),
            "-1.5",
            "495.3",
            "-742.95",
        ),
        _transaction(
            "Nm4BvC7xZa1SdF3gHj6KlQ9wEr2Ty5Ui8OpL0",
            _IRA,
            None,
            "2024-01-31",
            "ACCOUNT FEE",
            ("fee", "account fee"),
            "0",
            "0",
            "25",
        ),
    ],
)

RETIREMENT = Item(
    item_id="",
    accounts=[
        _account(
            _401K, "Plaid 401k", "6666", "investment", "401k", available=None, current="29639.9022"
        ),
    ],
    securities=[
        _security(
            _VTIVX,
            "Vanguard Target Retirement 2045 Fund",
            "mutual fund",
            "mutual fund",
            "131.09",
            ticker="VTIVX",
            isin="US92202E4070",
            cusip="92202E407",
        ),
        _security(
            _VBTLX,
            "Vanguard Total Bond Market Index Fund Admiral",
            "mutual fund",
            "mutual fund",
            "108.44",
            ticker="VBTLX",
            isin="US9219377283",
            cusip="921937728",
        ),
        _security(
            _CASH, "U S Dollar", "cash", "cash", "1", ticker="CUR:USD", is_cash_equivalent=True
        ),
    ],
    holdings=[
        _holding(_401K, _VTIVX, "152.38", "131.09", "19975.4942", "17500"),
        _holding(_401K, _VBTLX, "88.2", "108.44", "9564.408", "9800"),
        _holding(_401K, _CASH, "100", "1", "100", "100"),
    ],
    transactions=[
        _transaction(
            "Rt6YuI9oPa2SdF5gHj8KlZ1xCv4Bn7MqW3eE0",
            _401K,
            _VTIVX,
            "2024-11-15",
            "CONTRIBUTION Target 2045",
            ("buy", "contribution"),
            "3.8",
            "131.58",
            "500.004",
        ),
        _transaction(
            "Ui7OpA1sDf4GhJ6kLz9XcV2bNm5Qw8ErT3yY0",
            _401K,
            _VBTLX,
            "2024-10-15",
            "CONTRIBUTION Total Bond",
            ("buy", "contribution"),
            "2.3",
            "108.9",
            "250.47",
        ),
        _transaction(
            "Aa5SdF8gHj1KlZ3xCv6Bn9MqW2eRt4YuI7oP0",
            _401K,
            None,
            "2024-09-30",
            "INTEREST",
            ("cash", "interest"),
            "0",
            "0",
            "-0.42",
        ),
    ],
)
