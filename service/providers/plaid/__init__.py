"""Plaid: an Item's investment holdings, their value, investment transactions, refreshes and
account balances."""

from __future__ import annotations

import hashlib

from aggregator.v1.connection_pb2 import Connection, PlaidItem
from aggregator.v1.source_pb2 import PROVIDER_PLAID
from service.core.validation import Violations
from service.providers.call_limits import DocumentedLimit
from service.providers.client import HttpProviderClient
from service.providers.declaration import Operations, ProviderDeclaration, SandboxCases
from service.providers.plaid import (
    balances,
    holdings,
    holdings_value,
    limits,
    refresh,
    transactions,
)
from service.providers.plaid.call_limits import documented_limits
from service.providers.plaid.client import PlaidClient
from service.providers.plaid.connection import validate_connection
from service.providers.plaid.settings import PlaidSettings
from service.providers.settings import ProviderSettings
from service.providers.upstream import UpstreamHttp
from service.resilience.guard import ProviderGuard
from service.sandbox.plaid import triggers


def _sandbox(access_token: str) -> Connection:
    return Connection(plaid=PlaidItem(access_token=access_token))


class Plaid(ProviderDeclaration):
    name = "plaid"
    label = "Plaid"
    enum = PROVIDER_PLAID
    settings_type = PlaidSettings
    operations = Operations(
        get_holdings_value=holdings_value.OPERATION,
        get_holdings=holdings.OPERATION,
        refresh_connection=refresh.refresh_connection,
        get_balances=balances.get_balances,
        list_investment_transactions=transactions.list_investment_transactions,
    )
    field_limits = limits.FIELD_LIMITS
    secret_fields = frozenset({"access_token"})
    sandbox_cases = SandboxCases(
        ok=_sandbox(triggers.PLAID_BROKERAGE),
        other_user=_sandbox(triggers.PLAID_RETIREMENT),
        not_found=_sandbox(triggers.PLAID_ITEM_NOT_FOUND),
        rate_limited=_sandbox(triggers.PLAID_RATE_LIMIT_EXCEEDED),
        unavailable=_sandbox(triggers.PLAID_INTERNAL_SERVER_ERROR),
        rejected_request=_sandbox(triggers.PLAID_INVALID_FIELD),
        user_credentials_rejected=_sandbox(triggers.PLAID_INVALID_ACCESS_TOKEN),
        malformed=_sandbox(triggers.PLAID_MALFORMED),
    )

    def connect(
        self, settings: ProviderSettings, http: UpstreamHttp, guard: ProviderGuard
    ) -> HttpProviderClient[PlaidSettings]:
        assert isinstance(settings, PlaidSettings)
        return PlaidClient(self.label, settings, http, guard)

    def call_limits(self, settings: ProviderSettings) -> tuple[DocumentedLimit, ...]:
        assert isinstance(settings, PlaidSettings)
        return documented_limits(settings)

    def validate_connection(
        self, connection: Connection, violations: Violations, field: str
    ) -> None:
        validate_connection(connection.plaid, violations, f"{field}.plaid")

    def entry_label(self, connection: Connection) -> str:
        """A fingerprint of the access token: the same Item gets the same label, and 48 bits of
        a hash tell nothing of the token."""
        digest = hashlib.sha256(connection.plaid.access_token.encode()).hexdigest()
        return f"item-{digest[:12]}"


PROVIDER = Plaid()
