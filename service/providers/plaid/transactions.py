"""Plaid `/investments/transactions/get`: an Item's investment transactions between two days,
one page at a time.

Plaid pages by `options.offset` and `options.count` (at most 500); the offset of the next page
travels inside the opaque, signed page token, bound to the request's filters.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from aggregator.v1.aggregator_service_pb2 import (
    ListInvestmentTransactionsRequest,
    ListInvestmentTransactionsResponse,
)
from aggregator.v1.source_pb2 import PROVIDER_PLAID
from aggregator.v1.transaction_pb2 import InvestmentTransaction, InvestmentTransactionType
from service.core import page_tokens
from service.core.converters import data_source, decimal_field, to_timestamp
from service.core.validation import Violations
from service.providers.operation import ProviderClient, UpstreamRequest
from service.providers.plaid import models
from service.providers.plaid.connection import validate_connection
from service.providers.plaid.holdings import security
from service.providers.plaid.responses import read_body
from service.providers.upstream import UpstreamCall, UpstreamResponse

CALL = UpstreamCall(provider="plaid", operation="investment_transactions")
PATH = "/investments/transactions/get"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
PAGING_FIELDS = ("page_token", "page_size")
"""A caller may change the page size between pages, never the filters."""

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

TYPES = {
    "buy": InvestmentTransactionType.INVESTMENT_TRANSACTION_TYPE_BUY,
    "sell": InvestmentTransactionType.INVESTMENT_TRANSACTION_TYPE_SELL,
    "cash": InvestmentTransactionType.INVESTMENT_TRANSACTION_TYPE_CASH,
    "fee": InvestmentTransactionType.INVESTMENT_TRANSACTION_TYPE_FEE,
    "transfer": InvestmentTransactionType.INVESTMENT_TRANSACTION_TYPE_TRANSFER,
}
"""Plaid's `cancel` has no counterpart: it stays UNSPECIFIED, with `provider_type` saying so."""


def build(request: ListInvestmentTransactionsRequest) -> tuple[UpstreamRequest, int]:
    """The upstream request and the offset it asks from; every invalid field is refused
    together, before anything is sent."""
    violations = Violations()
    validate_connection(request.connection.plaid, violations)
    start = _day(request.start_date, "start_date", violations)
    end = _day(request.end_date, "end_date", violations)
    if start is not None and end is not None and end < start:
        violations.add("end_date", "must not be before start_date")
    for index, account_id in enumerate(request.account_ids):
        violations.require_text(f"account_ids[{index}]", account_id)
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    violations.raise_if_any()
    assert start is not None
    assert end is not None
    offset = 0
    if request.page_token:
        offset = _offset(
            page_tokens.read(request.page_token, page_tokens.scope_of(request, *PAGING_FIELDS))
        )
    body = models.TransactionsBody(
        access_token=request.connection.plaid.access_token,
        start_date=start,
        end_date=end,
        options=models.TransactionsOptions(
            account_ids=list(request.account_ids) or None,
            count=min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
            offset=offset,
        ),
    )
    return UpstreamRequest("POST", PATH, json_body=body.to_json_bytes()), offset


def read(response: UpstreamResponse) -> models.TransactionsAnswer:
    return read_body(response, models.TransactionsAnswer, CALL)


async def list_investment_transactions(
    client: ProviderClient, request: ListInvestmentTransactionsRequest
) -> ListInvestmentTransactionsResponse:
    upstream_request, offset = build(request)
    answer = await client.exchange(CALL, upstream_request, read)
    return convert(request, answer, offset, datetime.now(UTC))


def convert(
    request: ListInvestmentTransactionsRequest,
    answer: models.TransactionsAnswer,
    offset: int,
    received_at: datetime,
) -> ListInvestmentTransactionsResponse:
    response = ListInvestmentTransactionsResponse(
        transactions=[_transaction(item) for item in answer.investment_transactions],
        securities=[security(item) for item in answer.securities],
        source=data_source(PROVIDER_PLAID, computed=False, as_of=received_at, from_provider=False),
        total_size=answer.total_investment_transactions,
    )
    following = offset + len(answer.investment_transactions)
    # An empty page ends the listing even if the total says more: no token loops forever.
    if answer.investment_transactions and following < answer.total_investment_transactions:
        response.next_page_token = page_tokens.issue(
            str(following), page_tokens.scope_of(request, *PAGING_FIELDS)
        )
    return response


def _transaction(source: models.InvestmentTransaction) -> InvestmentTransaction:
    transaction = InvestmentTransaction(
        transaction_id=source.investment_transaction_id,
        account_id=source.account_id,
        security_id=source.security_id or "",
        date=source.date.isoformat(),
        datetime=to_timestamp(source.transaction_datetime),
        description=source.name or "",
        type=TYPES.get(
            source.type or "", InvestmentTransactionType.INVESTMENT_TRANSACTION_TYPE_UNSPECIFIED
        ),
        provider_type=".".join(part for part in (source.type, source.subtype) if part),
        currency=source.currency or "",
    )
    for name in ("amount", "quantity", "price", "fees"):
        decimal_field(transaction, name, getattr(source, name))
    return transaction


def _day(text: str, field: str, violations: Violations) -> date | None:
    if not text:
        violations.add(field, "is required: a day as YYYY-MM-DD")
        return None
    try:
        if _DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    violations.add(field, f"{text[:32]!r} is not a day as YYYY-MM-DD")
    return None


def _offset(cursor: str) -> int:
    # Signed by this gateway, so always its own digits; anything else is a bug, not input.
    return int(cursor)
