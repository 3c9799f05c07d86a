"""MoneyKit: a link's investment holdings, the value the gateway computes from them, its
accounts' balances, its investment transactions, and refreshes of its cached data."""

from __future__ import annotations

from aggregator.v1.aggregator_service_pb2 import PortfolioEntry
from aggregator.v1.connection_pb2 import Connection, MoneyKitLink
from aggregator.v1.source_pb2 import PROVIDER_MONEYKIT
from service.core.validation import Violations
from service.providers.client import HttpProviderClient
from service.providers.declaration import Operations, ProviderDeclaration, SandboxCases
from service.providers.moneykit import (
    balances,
    freshness,
    holdings,
    holdings_value,
    investment_transactions,
    limits,
    refresh_connection,
)
from service.providers.moneykit.client import MoneyKitClient
from service.providers.moneykit.connection import validate_connection
from service.providers.moneykit.settings import MoneyKitSettings
from service.providers.settings import ProviderSettings
from service.providers.upstream import UpstreamHttp
from service.resilience.guard import ProviderGuard
from service.sandbox.moneykit import triggers


def _sandbox(link_id: str) -> Connection:
    return Connection(moneykit=MoneyKitLink(link_id=link_id))


class MoneyKit(ProviderDeclaration):
    name = "moneykit"
    label = "MoneyKit"
    enum = PROVIDER_MONEYKIT
    settings_type = MoneyKitSettings
    operations = Operations(
        get_holdings_value=holdings_value.OPERATION,
        get_holdings=holdings.OPERATION,
        get_balances=balances.get_balances,
        refresh_connection=refresh_connection.refresh_connection,
        list_investment_transactions=investment_transactions.list_investment_transactions,
        refresh_if_older=freshness.refresh_if_older,
    )
    field_limits = limits.FIELD_LIMITS
    secret_fields = frozenset()
    sandbox_cases = SandboxCases(
        ok=_sandbox(triggers.MONEYKIT_BROKERAGE),
        other_user=_sandbox(triggers.MONEYKIT_CRYPTO),
        not_found=_sandbox(triggers.MONEYKIT_NOT_FOUND),
        rate_limited=_sandbox(triggers.MONEYKIT_RATE_LIMITED),
        unavailable=_sandbox(triggers.MONEYKIT_UNAVAILABLE),
        rejected_request=_sandbox(triggers.MONEYKIT_BAD_REQUEST),
        user_credentials_rejected=_sandbox(triggers.MONEYKIT_UNAUTHORIZED_LINK),
        malformed=_sandbox(triggers.MONEYKIT_MALFORMED),
    )

    def connect(
        self, settings: ProviderSettings, http: UpstreamHttp, guard: ProviderGuard
    ) -> HttpProviderClient[MoneyKitSettings]:
        assert isinstance(settings, MoneyKitSettings)
        return MoneyKitClient(settings, http, guard)

    def validate_connection(
        self, connection: Connection, violations: Violations, field: str
    ) -> None:
        validate_connection(connection.moneykit, violations, f"{field}.moneykit")

    def entry_label(self, connection: Connection) -> str:
        return connection.moneykit.link_id

    def name_entry(self, connection: Connection, entry: PortfolioEntry) -> None:
        super().name_entry(connection, entry)
        entry.link_id = connection.moneykit.link_id


PROVIDER = MoneyKit()
