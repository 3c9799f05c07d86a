"""SnapTrade: positions, balances and order cancels, reads and lists of a brokerage account
connected through SnapTrade, every request signed with the gateway's consumer key."""

from __future__ import annotations

from aggregator.v1.connection_pb2 import Connection, SnapTradeAccount
from aggregator.v1.source_pb2 import PROVIDER_SNAPTRADE
from service.core.validation import Violations
from service.providers.call_limits import DocumentedLimit
from service.providers.client import HttpProviderClient
from service.providers.declaration import Operations, ProviderDeclaration, SandboxCases
from service.providers.settings import ProviderSettings
from service.providers.snaptrade import (
    balances,
    cancel_order,
    get_order,
    holdings,
    holdings_value,
    limits,
    list_orders,
    refresh,
)
from service.providers.snaptrade.call_limits import documented_limits
from service.providers.snaptrade.client import SnapTradeClient
from service.providers.snaptrade.connection import validate_connection
from service.providers.snaptrade.settings import SnapTradeSettings
from service.providers.upstream import UpstreamHttp
from service.resilience.guard import ProviderGuard
from service.sandbox.snaptrade import triggers


def _sandbox(user_id: str) -> Connection:
    return Connection(
        snaptrade=SnapTradeAccount(
            user_id=user_id,
            user_secret=f"{user_id}-secret-9d1f",
            account_id=triggers.SNAPTRADE_BROKERAGE_ACCOUNT,
        )
    )


class SnapTrade(ProviderDeclaration):
    name = "snaptrade"
    label = "SnapTrade"
    enum = PROVIDER_SNAPTRADE
    settings_type = SnapTradeSettings
    operations = Operations(
        get_holdings_value=holdings_value.get_holdings_value,
        get_holdings=holdings.get_holdings,
        cancel_order=cancel_order.cancel_order,
        get_order=get_order.get_order,
        list_orders=list_orders.list_orders,
        refresh_connection=refresh.refresh_connection,
        get_balances=balances.get_balances,
    )
    field_limits = limits.FIELD_LIMITS
    secret_fields = frozenset({"user_secret"})
    sandbox_cases = SandboxCases(
        ok=_sandbox("alice"),
        other_user=_sandbox("bob"),
        not_found=_sandbox(triggers.SNAPTRADE_NOT_FOUND),
        rate_limited=_sandbox(triggers.SNAPTRADE_RATE_LIMITED),
        unavailable=_sandbox(triggers.SNAPTRADE_UNAVAILABLE),
        rejected_request=_sandbox(triggers.SNAPTRADE_BAD_REQUEST),
        user_credentials_rejected=_sandbox(triggers.SNAPTRADE_INVALID_USER),
        malformed=_sandbox(triggers.SNAPTRADE_MALFORMED),
    )

    def connect(
        self, settings: ProviderSettings, http: UpstreamHttp, guard: ProviderGuard
    ) -> HttpProviderClient[SnapTradeSettings]:
        assert isinstance(settings, SnapTradeSettings)
        return SnapTradeClient(settings, http, guard)

    def call_limits(self, settings: ProviderSettings) -> tuple[DocumentedLimit, ...]:
        assert isinstance(settings, SnapTradeSettings)
        return documented_limits(settings)

    def validate_connection(
        self, connection: Connection, violations: Violations, field: str
    ) -> None:
        validate_connection(connection.snaptrade, violations, f"{field}.snaptrade")

    def connection_label(self, connection: Connection) -> str:
        return connection.snaptrade.account_id or "-"

    def entry_label(self, connection: Connection) -> str:
        return self.connection_label(connection)


PROVIDER = SnapTrade()
