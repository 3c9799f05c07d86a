"""The `ListInstitutions` answer, derived from what each provider declares."""

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
                supports_holdings_value=Rpc.GET_HOLDINGS_VALUE in served,
                supports_holdings=Rpc.GET_HOLDINGS in served,
                supports_order_cancel=Rpc.CANCEL_ORDER in served,
                supported_rpcs=[rpc.value for rpc in Rpc if rpc in served],
                cancel_requirements=record.cancel_requirements,
            )
            for provider in providers
            for record in provider.institutions
            for served in [provider.served_at(record)]
        ],
        providers=[
            ProviderInfo(
                provider=provider.enum,
                supported_rpcs=[rpc.value for rpc in Rpc if rpc in provider.operations.rpcs],
            )
            for provider in sorted(providers, key=lambda provider: provider.name)
        ],
    )
