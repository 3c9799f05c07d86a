"""`ListInstitutions` reports every capability, per institution and per provider, from what the
providers declare; the older `supports_...` flags agree with it."""

from __future__ import annotations

from dataclasses import fields

from google.protobuf.message import Message

from aggregator.v1.institution_pb2 import Institution
from service.core.rpcs import Rpc
from service.providers.declaration import InstitutionRecord, Operations
from service.providers.mesh import Mesh
from service.providers.operation import ProviderClient
from service.providers.registry import PROVIDERS
from service.rpc.institutions import list_institutions


async def _serves_anything(client: ProviderClient, request: Message) -> Message:
    raise AssertionError("ListInstitutions never runs an operation")


class EverythingEverywhere(Mesh):
    """A provider that serves every RPC, at one institution that supports every RPC."""

    operations = Operations(
        **{
            field.name: _serves_anything
            for field in fields(Operations)
            if field.name != "refresh_if_older"
        }
    )
    institutions = (
        InstitutionRecord(
            Institution.INSTITUTION_ROBINHOOD, "robinhood", "Robinhood", frozenset(Rpc)
        ),
    )


def test_every_rpc_a_provider_serves_is_reported_at_its_institutions_and_for_it() -> None:
    response = list_institutions([EverythingEverywhere()])

    (institution,) = response.institutions
    (provider,) = response.providers
    assert list(institution.supported_rpcs) == [rpc.value for rpc in Rpc]
    assert list(provider.supported_rpcs) == [rpc.value for rpc in Rpc]


def test_each_institution_reports_exactly_what_its_provider_serves_there() -> None:
    response = list_institutions(PROVIDERS)

    records = {
        (provider.enum, record.wire_name): provider.served_at(record)
        for provider in PROVIDERS
        for record in provider.institutions
    }
    assert len(response.institutions) == len(records)
    for entry in response.institutions:
        served = records[(entry.provider, entry.wire_name)]
        assert set(entry.supported_rpcs) == {rpc.value for rpc in served}
        assert entry.supports_holdings_value == (Rpc.GET_HOLDINGS_VALUE in served)
        assert entry.supports_holdings == (Rpc.GET_HOLDINGS in served)
        assert entry.supports_order_cancel == (Rpc.CANCEL_ORDER in served)


def test_each_provider_reports_every_rpc_it_declares() -> None:
    response = list_institutions(PROVIDERS)

    reported = {entry.provider: list(entry.supported_rpcs) for entry in response.providers}
    assert reported == {
        provider.enum: [rpc.value for rpc in Rpc if rpc in provider.operations.rpcs]
        for provider in PROVIDERS
    }
