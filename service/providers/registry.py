"""The providers the gateway serves, and how each RPC finds the one a connection names.

Adding a provider is adding its package, and its import and entry in `PROVIDERS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message

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
    GetPortfolioRequest,
    ListInvestmentTransactionsRequest,
    ListInvestmentTransactionsResponse,
    ListOrdersRequest,
    ListOrdersResponse,
    RefreshConnectionRequest,
    RefreshConnectionResponse,
    StreamPortfolioRequest,
)
from aggregator.v1.connection_pb2 import Connection
from service.config import Settings
from service.core.errors import CapabilityMissing, FieldViolation, InvalidRequest
from service.core.limits import GATEWAY_LIMITS, FieldLimit
from service.core.rpcs import CAPABILITY_NAMES, Rpc
from service.providers import mesh, moneykit, plaid, snaptrade
from service.providers.call_limits import CallLimits
from service.providers.client import HttpProviderClient
from service.providers.declaration import ProviderDeclaration
from service.providers.operation import RpcRequest, RpcResponse, Serving, Step, serve
from service.providers.settings import ProviderSettings
from service.providers.upstream import UpstreamHttp
from service.resilience.guard import ProviderGuard
from service.sandbox import SandboxUpstreams
from service.state.backend import StateBackend
from service.state.keys import KeyedDigests

PROVIDERS: tuple[ProviderDeclaration, ...] = (
    mesh.PROVIDER,
    moneykit.PROVIDER,
    plaid.PROVIDER,
    snaptrade.PROVIDER,
)

_BY_NAME = {provider.name: provider for provider in PROVIDERS}
_DURATION_SECONDS_MAX = 315_576_000_000


def provider_settings_from_env() -> dict[str, ProviderSettings]:
    """Each provider's settings section, read from its own environment variables."""
    return {provider.name: provider.settings_type() for provider in PROVIDERS}


def sandbox_provider_settings(sandbox: SandboxUpstreams) -> dict[str, ProviderSettings]:
    """Each provider's settings, pointed at its simulator in `sandbox`."""
    return {
        provider.name: provider.sandbox_settings(
            sandbox.simulators[provider.name].url, sandbox.simulators[provider.name].credentials
        )
        for provider in PROVIDERS
    }


def secret_fields() -> frozenset[str]:
    """The connection fields every provider declares secret."""
    return frozenset(name for provider in PROVIDERS for name in provider.secret_fields)


class ProviderAdapter:
    """A provider at run time: its declaration, and its client over the shared HTTP client."""

    def __init__(self, declaration: ProviderDeclaration, client: HttpProviderClient[Any]) -> None:
        self.declaration = declaration
        self.client = client

    async def get_holdings_value(
        self, request: GetHoldingsValueRequest
    ) -> GetHoldingsValueResponse:
        return await self._run(
            Rpc.GET_HOLDINGS_VALUE, self.declaration.operations.get_holdings_value, request
        )

    async def get_holdings(self, request: GetHoldingsRequest) -> GetHoldingsResponse:
        freshness = await self.refresh_if_older(request.connection, request)
        response = await self._run(
            Rpc.GET_HOLDINGS, self.declaration.operations.get_holdings, request
        )
        response.freshness = freshness
        return response

    async def cancel_order(self, request: CancelOrderRequest) -> CancelOrderResponse:
        return await self._run(Rpc.CANCEL_ORDER, self.declaration.operations.cancel_order, request)

    async def get_order(self, request: GetOrderRequest) -> GetOrderResponse:
        return await self._run(Rpc.GET_ORDER, self.declaration.operations.get_order, request)

    async def list_orders(self, request: ListOrdersRequest) -> ListOrdersResponse:
        return await self._run(Rpc.LIST_ORDERS, self.declaration.operations.list_orders, request)

    async def refresh_connection(
        self, request: RefreshConnectionRequest
    ) -> RefreshConnectionResponse:
        return await self._run(
            Rpc.REFRESH_CONNECTION, self.declaration.operations.refresh_connection, request
        )

    async def get_balances(self, request: GetBalancesRequest) -> GetBalancesResponse:
        return await self._run(Rpc.GET_BALANCES, self.declaration.operations.get_balances, request)

    async def list_investment_transactions(
        self, request: ListInvestmentTransactionsRequest
    ) -> ListInvestmentTransactionsResponse:
        return await self._run(
            Rpc.LIST_INVESTMENT_TRANSACTIONS,
            self.declaration.operations.list_investment_transactions,
            request,
        )

    async def refresh_if_older(
        self,
        connection: Connection,
        request: GetHoldingsRequest | GetPortfolioRequest | StreamPortfolioRequest,
    ) -> Freshness.ValueType:
        """With a `max_age`, have a provider that caches data refresh it first if it is older."""
        check = self.declaration.operations.refresh_if_older
        if check is None or not request.HasField("max_age"):
            return Freshness.FRESHNESS_UNSPECIFIED
        return await check(self.client, connection, max_age_of(request.max_age))

    def portfolio_steps(self, connection: Connection) -> dict[str, Step]:
        """What one portfolio entry of `connection` needs, by `PortfolioData` field: the
        holdings and the value, as far as the provider serves them for this connection."""
        operations = self.declaration.operations
        served = self.declaration.rpcs_at(connection)
        steps: dict[str, Step] = {}
        if operations.get_holdings is not None and Rpc.GET_HOLDINGS in served:
            steps["holdings"] = Step(
                operations.get_holdings, GetHoldingsRequest(connection=connection)
            )
        if operations.get_holdings_value is not None and Rpc.GET_HOLDINGS_VALUE in served:
            steps["value"] = Step(
                operations.get_holdings_value, GetHoldingsValueRequest(connection=connection)
            )
        return steps

    async def _run(
        self,
        rpc: Rpc,
        serving: Serving[RpcRequest, RpcResponse] | None,
        request: RpcRequest,
    ) -> RpcResponse:
        if serving is None:
            # The registry refuses first; reached only if the declaration contradicts itself.
            raise CapabilityMissing(
                CAPABILITY_NAMES[rpc],
                "connection",
                f"{rpc} does not serve {self.declaration.name} connections",
            )
        return await serve(serving, self.client, request)


def max_age_of(duration: Duration) -> timedelta:
    """`duration` as a `timedelta`; INVALID_ARGUMENT when it is negative or out of range."""
    # Duration's own range (about 10,000 years, nanos below a second); ToTimedelta checks
    # neither.
    if not (0 <= duration.seconds <= _DURATION_SECONDS_MAX and 0 <= duration.nanos < 10**9):
        raise InvalidRequest([FieldViolation("max_age", "must be a duration of zero or more")])
    return duration.ToTimedelta()


def requested_max_age(
    request: GetHoldingsRequest
    | GetHoldingsValueRequest
    | GetBalancesRequest
    | GetPortfolioRequest
    | StreamPortfolioRequest,
) -> timedelta | None:
    """The request's `max_age`, None when unset; INVALID_ARGUMENT when it is invalid."""
    return max_age_of(request.max_age) if request.HasField("max_age") else None


class ProviderRegistry:
    def __init__(self, adapters: Mapping[str, ProviderAdapter]) -> None:
        self._adapters = dict(adapters)

    @property
    def adapters(self) -> list[ProviderAdapter]:
        return list(self._adapters.values())

    def for_connection(
        self, connection: Connection, rpc: Rpc, field: str = "connection"
    ) -> ProviderAdapter:
        """The adapter of the connection's provider, once the provider (and the institution,
        where the connection names one) is known to serve `rpc`."""
        provider = connection.WhichOneof("provider")
        if provider is None:
            names = " or ".join(self._adapters)
            raise InvalidRequest([FieldViolation(field, f"is required: set one of {names}")])
        adapter = self._adapters.get(provider)
        if adapter is None:
            raise CapabilityMissing(
                CAPABILITY_NAMES[rpc], field, f"this gateway serves no {provider} connections"
            )
        refusal = adapter.declaration.refusal(rpc, connection, field)
        if refusal is not None:
            raise refusal
        return adapter

    def describe(self, request: Message) -> tuple[str, str]:
        """The provider(s) and the institution an RPC request names, for its log line."""
        connection = getattr(request, "connection", None)
        if isinstance(connection, Connection):
            provider = connection.WhichOneof("provider") or "-"
            adapter = self._adapters.get(provider)
            if adapter is None:
                return provider, "-"
            return provider, adapter.declaration.connection_label(connection)
        connections = getattr(request, "connections", None)
        if connections is not None:
            names = {c.WhichOneof("provider") or "-" for c in connections}
            return ",".join(sorted(names)) or "-", "-"
        return "-", "-"


def build_registry(
    settings: Settings,
    providers: Mapping[str, ProviderSettings],
    http: UpstreamHttp,
    state: tuple[StateBackend, KeyedDigests] | None = None,
) -> ProviderRegistry:
    """Every provider's adapter; their documented limits are counted in `state` (the shared
    backend and its digests), or by this process alone without it."""
    adapters = {}
    for provider in PROVIDERS:
        # A provider without a section is one nobody configured.
        section = providers.get(provider.name) or provider.settings_type.model_construct()
        client = provider.connect(
            section, http, ProviderGuard.from_settings(provider.name, settings)
        )
        limits = provider.call_limits(section)
        client.call_limits = (
            CallLimits(provider.label, limits, *state)
            if state is not None
            else CallLimits.per_process(provider.label, limits)
        )
        adapters[provider.name] = ProviderAdapter(provider, client)
    return ProviderRegistry(adapters)


def field_limits() -> dict[str, FieldLimit]:
    """The limits of every request field: the gateway's own and each provider's."""
    limits = dict(GATEWAY_LIMITS)
    for provider in PROVIDERS:
        limits.update(provider.field_limits)
    return limits
