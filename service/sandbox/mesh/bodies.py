"""The request bodies the Mesh endpoints document, validated as strictly as the schema reads.

The schemas say `additionalProperties: false` and give exact types, so unknown properties and
coerced values (a string for a boolean, a number for a string) are refused, not tolerated.
"""

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from service.sandbox.mesh.institutions import INSTITUTIONS


def _known_institution(value: str) -> str:
    if value not in INSTITUTIONS:
        raise ValueError(f"'{value}' is not an institution type")
    return value


NonEmpty = Annotated[str, Field(min_length=1)]
Institution = Annotated[str, AfterValidator(_known_institution), Field(alias="type")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, alias_generator=to_camel)


class HoldingsValueBody(_Body):
    """PortfolioBrokerBaseRequest."""

    auth_token: NonEmpty
    institution: Institution


class HoldingsGetBody(_Body):
    """PortfolioHoldingsRequest."""

    auth_token: NonEmpty
    institution: Institution
    # A boolean when given; null is not one (the schema does not say nullable).
    include_market_value: bool = False


class CancelOrderBody(_Body):
    """TransactionsB2BBrokerOrderRequest, the body of both the cancel and the details endpoint."""

    auth_token: NonEmpty
    institution: Institution
    id: NonEmpty
    is_cryptocurrency: bool
    side: Literal["unknown", "buy", "sell"] | None = None
    symbol_pair: str | None = None
    mfa_code: str | None = None


class BalanceBody(_Body):
    """BalanceBrokerBaseRequest."""

    auth_token: NonEmpty
    institution: Institution


OrderStatus = Literal[
    "unknown",
    "inProgress",
    "cancelled",
    "rejected",
    "failed",
    "success",
    "partiallyFilled",
    "expired",
]


class OrderListBody(_Body):
    """TransactionsB2BBrokerOrderListRequest."""

    auth_token: NonEmpty
    institution: Institution
    cursor: str | None = None
    # Not nullable in the schema: it may be left out, but null is refused.
    count: int = 100
    statuses: list[OrderStatus] | None = None
    created_after: int | None = Field(default=None, alias="from")
