"""The request bodies of the Plaid endpoints, as their schemas in Plaid's OpenAPI document give
them: `access_token` required everywhere, `client_id` and `secret` optional (they may come as
headers instead), options typed exactly. Plaid refuses properties it does not know
(`UNKNOWN_FIELDS`), so they are refused here too, though the document does not forbid them.
"""

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    client_id: str | None = None
    secret: str | None = None
    access_token: str


class ItemBody(Body):
    """`InvestmentsRefreshRequest`, `ItemGetRequest`."""


class AccountIdsOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    account_ids: list[str] | None = None


class HoldingsBody(Body):
    """`InvestmentsHoldingsGetRequest`, `AccountsGetRequest`."""

    options: AccountIdsOptions | None = None


class BalanceOptions(AccountIdsOptions):
    """`AccountsBalanceGetRequestOptions`."""

    min_last_updated_datetime: str | None = None


class BalanceBody(Body):
    """`AccountsBalanceGetRequest`."""

    options: BalanceOptions | None = None


class TransactionsOptions(AccountIdsOptions):
    """`InvestmentsTransactionsGetRequestOptions`."""

    count: Annotated[int, Field(ge=1, le=500)] = 100
    offset: Annotated[int, Field(ge=0)] = 0
    async_update: bool = False


class TransactionsBody(Body):
    """`InvestmentsTransactionsGetRequest`."""

    start_date: date
    end_date: date
    options: TransactionsOptions | None = None


BODIES: dict[str, type[Body]] = {
    "/investments/holdings/get": HoldingsBody,
    "/investments/transactions/get": TransactionsBody,
    "/investments/refresh": ItemBody,
    "/item/get": ItemBody,
    "/accounts/get": HoldingsBody,
    "/accounts/balance/get": BalanceBody,
}
