"""MoneyKit `GET /links/{id}/investments/transactions`: a link's investment transactions between
two dates, page by page, with the securities they refer to.

MoneyKit pages by number (`page` from 1, `size` up to 1000) and reports the `total`; the caller
pages with opaque tokens (AIP-158, `service.core.page_tokens`). A token wraps the next page's
number and the page size it was issued for: page numbers only mean something at one size, so a
token's pages keep its size whatever `page_size` comes with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from aggregator.v1 import transaction_pb2
from aggregator.v1.aggregator_service_pb2 import (
    ListInvestmentTransactionsRequest,
    ListInvestmentTransactionsResponse,
)
from service.core import page_tokens
from service.core.converters import decimal_field, to_timestamp
from service.core.validation import Violations
from service.providers.moneykit import holdings, models
from service.providers.moneykit.connection import link_path, validate_connection
from service.providers.moneykit.responses import read_body
from service.providers.operation import ProviderClient, UpstreamRequest
from service.providers.upstream import UpstreamCall, UpstreamResponse

CALL = UpstreamCall(provider="moneykit", operation="investment_transactions")
PATH = "/investments/transactions"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
PAGING_FIELDS = ("page_token", "page_size")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

_TYPES = {
    "buy": transaction_pb2.INVESTMENT_TRANSACTION_TYPE_BUY,
    "sell": transaction_pb2.INVESTMENT_TRANSACTION_TYPE_SELL,
    "cash": transaction_pb2.INVESTMENT_TRANSACTION_TYPE_CASH,
    "fee": transaction_pb2.INVESTMENT_TRANSACTION_TYPE_FEE,
    "transfer": transaction_pb2.INVESTMENT_TRANSACTION_TYPE_TRANSFER,
}
"""MoneyKit's types; a dotted subtype (`buy.dividend_reinvestment`) has its type's kind."""


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def cursor(self) -> str:
        return f"{self.number}:{self.size}"


async def list_investment_transactions(
    client: ProviderClient, request: ListInvestmentTransactionsRequest
) -> ListInvestmentTransactionsResponse:
    scope = page_tokens.scope_of(request, *PAGING_FIELDS)
    page = _page(request, scope)
    answer = await client.exchange(CALL, build(request, page), read)
    return convert(answer, page, scope, datetime.now(UTC))


def build(request: ListInvestmentTransactionsRequest, page: Page) -> UpstreamRequest:
    return UpstreamRequest(
        "GET",
        link_path(request.connection.moneykit.link_id, PATH),
        query=(
            ("start_date", request.start_date),
            ("end_date", request.end_date),
            ("page", str(page.number)),
            ("size", str(page.size)),
            # Repeated once per id, as MoneyKit expects.
            *(("account_ids", account_id) for account_id in request.account_ids),
        ),
    )


def read(response: UpstreamResponse) -> models.InvestmentTransactions:
    return read_body(response, models.InvestmentTransactions, CALL)


def convert(
    body: models.InvestmentTransactions, page: Page, scope: bytes, received_at: datetime
) -> ListInvestmentTransactionsResponse:
    currencies = {
        account.account_id: account.balances.currency
        for account in body.accounts
        if account.balances is not None and account.balances.currency
    }
    referred = {t.security_id for t in body.investment_transactions if t.security_id}
    response = ListInvestmentTransactionsResponse(
        transactions=[
            _transaction(transaction, currencies.get(transaction.account_id, ""))
            for transaction in body.investment_transactions
        ],
        securities=[
            holdings.security(security)
            for security in body.securities
            if security.security_id in referred
        ],
        source=holdings.link_source(body.link, received_at, computed=False),
        total_size=body.total,
    )
    last = not body.investment_transactions or page.number * page.size >= body.total
    if not last:
        response.next_page_token = page_tokens.issue(Page(page.number + 1, page.size).cursor, scope)
    return response


def _page(request: ListInvestmentTransactionsRequest, scope: bytes) -> Page:
    """The page `request` asks for; INVALID_ARGUMENT, before any upstream call, for bad input."""
    violations = Violations()
    validate_connection(request.connection.moneykit, violations)
    start = _date(violations, "start_date", request.start_date)
    end = _date(violations, "end_date", request.end_date)
    if start is not None and end is not None and end < start:
        violations.add("end_date", f"must not be before start_date ({request.start_date})")
    for index, account_id in enumerate(request.account_ids):
        violations.require_text(f"account_ids[{index}]", account_id)
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    violations.raise_if_any()
    if request.page_token:
        number, _, token_size = page_tokens.read(request.page_token, scope).partition(":")
        return Page(int(number), int(token_size))
    return Page(1, min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE))


def _date(violations: Violations, field: str, value: str) -> date | None:
    if not value:
        violations.add(field, "is required: a date, YYYY-MM-DD")
        return None
    try:
        if _ISO_DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    violations.add(field, "must be a date, YYYY-MM-DD")
    return None


def _transaction(
    source: models.InvestmentTransaction, currency: str
) -> transaction_pb2.InvestmentTransaction:
    provider_type = source.type or ""
    transaction = transaction_pb2.InvestmentTransaction(
        transaction_id=source.investment_transaction_id,
        account_id=source.account_id,
        security_id=source.security_id or "",
        date=source.posted_on.isoformat(),
        datetime=to_timestamp(source.happened_at),
        description=source.description or "",
        type=_TYPES.get(
            provider_type.partition(".")[0],
            transaction_pb2.INVESTMENT_TRANSACTION_TYPE_UNSPECIFIED,
        ),
        provider_type=provider_type,
        currency=currency,
    )
    for name, value in (
        ("amount", source.amount),
        ("quantity", source.quantity),
        ("price", source.price),
        ("fees", source.fees),
    ):
        decimal_field(transaction, name, value)
    return transaction
