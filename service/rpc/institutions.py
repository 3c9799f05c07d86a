"""The `ListInstitutions` answer, derived from what each provider declares.

Every capability is reported in `supported_rpcs`, per institution and per provider; the
`supports_...` flags of the first three capabilities stay for existing callers, and no
capability gets a new one.
"""

from __future__ import annotations

from collections.abc import Sequence

from aggregator.v1.aggregator_service_pb2 import ListInstitutionsResponse
from aggregator.v1.institution_pb2 import InstitutionInfo, ProviderInfo
from service.core.rpcs import Rpc
from service.providers.declaration import ProviderDeclaration


def list_institutions(providers: Sequence[ProviderDeclaration]) -> ListInstitutionsResponse:
    return ListInstitutionsResponse(
        institutions=[
            InstitutionInfo(
                institution=record.institution,
                wire_name=record.wire_name,
                display_name=record.display_name,
                provider=provider.enum,
                supported_rpcs=_names(served),
                cancel_requirements=record.cancel_requirements,
                supports_holdings_value=Rpc.GET_HOLDINGS_VALUE in served,
                supports_holdings=Rpc.GET_HOLDINGS in served,
                supports_order_cancel=Rpc.CANCEL_ORDER in served,
            )
            for provider in providers
            for record in provider.institutions
            for served in [provider.served_at(record)]
        ],
        providers=[
            ProviderInfo(provider=provider.enum, supported_rpcs=_names(provider.operations.rpcs))
            for provider in sorted(providers, key=lambda provider: provider.name)
        ],
    )


def _names(served: frozenset[Rpc]) -> list[str]:
    """The RPCs' names, in the order of `Rpc`."""
    return [rpc.value for rpc in Rpc if rpc in served]
