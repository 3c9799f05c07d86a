"""What a provider declares about itself; the registry, the capability checks, `ListInstitutions`,
start-up logging, redaction, the RPC log line and portfolio entries are all derived from it.

A provider is one package under `service/providers/` whose `__init__` exposes a `PROVIDER`, an
instance of a `ProviderDeclaration` subclass, and one line in `service.providers.registry`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any, ClassVar, Protocol

from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    CancelOrderResponse,
    Freshness,
    GetBalancesRequest,
    GetBalancesResponse,
    GetHoldingsRequest,
    GetHoldingsResponse,
    GetHoldingsValueRequest,
    GetHoldingsValueResponse,
    GetOrderRequest,
    GetOrderResponse,
    ListInvestmentTransactionsRequest,
    ListInvestmentTransactionsResponse,
    ListOrdersRequest,
    ListOrdersResponse,
    PortfolioEntry,
    RefreshConnectionRequest,
    RefreshConnectionResponse,
)
from aggregator.v1.connection_pb2 import Connection
from aggregator.v1.institution_pb2 import CancelRequirements, Institution
from aggregator.v1.source_pb2 import Provider
from service.core.errors import CapabilityMissing
from service.core.limits import FieldLimit
from service.core.rpcs import CAPABILITY_NAMES, PORTFOLIO_RPCS, Rpc
from service.core.validation import Violations
from service.providers.call_limits import DocumentedLimit
from service.providers.client import HttpProviderClient
from service.providers.operation import ProviderClient, Serving
from service.providers.settings import ProviderSettings
from service.providers.upstream import UpstreamHttp
from service.resilience.guard import ProviderGuard


class FreshnessCheck(Protocol):
    async def __call__(
        self, client: ProviderClient, connection: Connection, max_age: timedelta
    ) -> Freshness.ValueType:
        """How fresh the connection's data is after refreshing it if it was older than
        `max_age`."""


@dataclass(frozen=True)
class Operations:
    """How a provider serves each RPC (an operation, or a workflow of several exchanges); None
    where it serves none."""

    get_holdings_value: Serving[GetHoldingsValueRequest, GetHoldingsValueResponse] | None = None
    get_holdings: Serving[GetHoldingsRequest, GetHoldingsResponse] | None = None
    cancel_order: Serving[CancelOrderRequest, CancelOrderResponse] | None = None
    get_order: Serving[GetOrderRequest, GetOrderResponse] | None = None
    list_orders: Serving[ListOrdersRequest, ListOrdersResponse] | None = None
    refresh_connection: Serving[RefreshConnectionRequest, RefreshConnectionResponse] | None = None
    get_balances: Serving[GetBalancesRequest, GetBalancesResponse] | None = None
    list_investment_transactions: (
        Serving[ListInvestmentTransactionsRequest, ListInvestmentTransactionsResponse] | None
    ) = None
    refresh_if_older: FreshnessCheck | None = None
    """For providers that cache data: before a read with `max_age`, refresh the
    connection's data if it is older and wait for it within the deadline."""

    @cached_property
    def rpcs(self) -> frozenset[Rpc]:
        """Every RPC these operations serve, the portfolio ones included."""
        served = {
            rpc
            for rpc, operation in (
                (Rpc.GET_HOLDINGS_VALUE, self.get_holdings_value),
                (Rpc.GET_HOLDINGS, self.get_holdings),
                (Rpc.CANCEL_ORDER, self.cancel_order),
                (Rpc.GET_ORDER, self.get_order),
                (Rpc.LIST_ORDERS, self.list_orders),
                (Rpc.REFRESH_CONNECTION, self.refresh_connection),
                (Rpc.GET_BALANCES, self.get_balances),
                (Rpc.LIST_INVESTMENT_TRANSACTIONS, self.list_investment_transactions),
            )
            if operation is not None
        }
        return frozenset(with_portfolio(served))


def with_portfolio(rpcs: set[Rpc] | frozenset[Rpc]) -> set[Rpc]:
    """`rpcs` and the portfolio RPCs, when they include holdings or holdings value."""
    served = set(rpcs)
    if served & {Rpc.GET_HOLDINGS, Rpc.GET_HOLDINGS_VALUE}:
        served |= PORTFOLIO_RPCS
    return served


@dataclass(frozen=True)
class InstitutionRecord:
    """An institution a provider reaches, as the provider names it, and what it supports there."""

    institution: Institution.ValueType
    wire_name: str
    display_name: str
    rpcs: frozenset[Rpc]
    """Every RPC the provider's API supports at this institution, the portfolio ones included."""
    cancel_requirements: CancelRequirements = field(default_factory=CancelRequirements)


@dataclass(frozen=True)
class SandboxCases:
    """Connections that make the provider's sandbox answer each kind of outcome, for the
    provider contract tests and the README."""

    ok: Connection
    other_user: Connection
    """Another user's connection, also answered normally, for checks that users never share."""
    not_found: Connection
    rate_limited: Connection
    unavailable: Connection
    rejected_request: Connection
    user_credentials_rejected: Connection
    malformed: Connection


class ProviderDeclaration(ABC):
    """Everything the gateway knows of one provider."""

    name: ClassVar[str]
    """The provider's branch of `Connection.provider`, and its name in logs and metrics."""
    label: ClassVar[str]
    """The provider's own name, for messages."""
    enum: ClassVar[Provider.ValueType]
    settings_type: ClassVar[type[ProviderSettings]]
    operations: ClassVar[Operations]
    secret_fields: ClassVar[frozenset[str]]
    """The fields of the provider's connection message that are secrets."""
    institutions: ClassVar[tuple[InstitutionRecord, ...]] = ()
    field_limits: ClassVar[Mapping[str, FieldLimit]] = {}
    """Limits on the fields of the provider's connection message, by full field name."""
    sandbox_cases: ClassVar[SandboxCases]

    @abstractmethod
    def connect(
        self, settings: ProviderSettings, http: UpstreamHttp, guard: ProviderGuard
    ) -> HttpProviderClient[Any]:
        """The provider's client over the gateway's shared HTTP client."""

    def call_limits(self, settings: ProviderSettings) -> tuple[DocumentedLimit, ...]:
        """The provider's documented rate limits under `settings`, which the gateway keeps
        across its replicas; none by default."""
        return ()

    @abstractmethod
    def validate_connection(
        self, connection: Connection, violations: Violations, field: str
    ) -> None:
        """Add what is wrong with the provider's branch of `connection`, named under `field`."""

    def institution_of(self, connection: Connection) -> InstitutionRecord | None:
        """The institution the connection names, for providers whose connections name one."""
        return None

    def connection_label(self, connection: Connection) -> str:
        """What the RPC log line calls the connection's institution; never a secret."""
        institution = self.institution_of(connection)
        return institution.wire_name if institution is not None else "-"

    @abstractmethod
    def entry_label(self, connection: Connection) -> str:
        """How a portfolio entry names the connection (`connection_label`); never a secret."""

    def name_entry(self, connection: Connection, entry: PortfolioEntry) -> None:
        """Say, in a portfolio entry, which connection it is (never with a secret)."""
        entry.connection_label = self.entry_label(connection)

    def rpcs_at(self, connection: Connection) -> frozenset[Rpc]:
        """The RPCs the provider serves for this connection."""
        institution = self.institution_of(connection)
        if institution is not None:
            return self.served_at(institution)
        return self.operations.rpcs

    def served_at(self, institution: InstitutionRecord) -> frozenset[Rpc]:
        """What the provider serves at `institution`: what the institution supports upstream,
        as far as the provider has operations for it."""
        return institution.rpcs & self.operations.rpcs

    def refusal(self, rpc: Rpc, connection: Connection, field: str) -> CapabilityMissing | None:
        """Why the provider cannot serve `rpc` for `connection`; None when it can."""
        capability = CAPABILITY_NAMES[rpc]
        if rpc not in self.operations.rpcs:
            return CapabilityMissing(
                capability, field, f"{rpc} does not serve {self.name} connections"
            )
        institution = self.institution_of(connection)
        if institution is not None and rpc not in self.served_at(institution):
            return CapabilityMissing(
                capability,
                f"{field}.{self.name}.institution",
                f"{rpc} is not supported at {institution.display_name}",
            )
        return None

    def sandbox_settings(self, url: str, credentials: Mapping[str, str]) -> ProviderSettings:
        """The settings that point the provider at its sandbox simulator."""
        return self.settings_type(base_url=url, **credentials)
