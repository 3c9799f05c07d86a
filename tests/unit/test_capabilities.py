"""The capability checks derived from the provider declarations: which provider and Mesh
institution serves which RPC."""

from __future__ import annotations

import pytest

from aggregator.v1.connection_pb2 import Connection, MeshConnection, MoneyKitLink
from aggregator.v1.institution_pb2 import Institution
from service.core.errors import CapabilityMissing, InvalidRequest
from service.core.rpcs import CAPABILITY_NAMES, Rpc
from service.providers.declaration import InstitutionRecord
from service.providers.mesh.institutions import MESH_INSTITUTIONS, by_wire_name
from service.providers.registry import PROVIDERS

ALL_RPCS = list(Rpc)
PROVIDER_RPCS = {provider.name: provider.operations.rpcs for provider in PROVIDERS}
MESH_INSTITUTIONS_BY_RPC = {
    rpc: frozenset(record.wire_name for record in MESH_INSTITUTIONS if rpc in record.rpcs)
    for rpc in (Rpc.GET_HOLDINGS_VALUE, Rpc.CANCEL_ORDER, Rpc.GET_HOLDINGS)
}


def require(rpc: Rpc, connection: Connection, field: str = "connection") -> None:
    """What the registry checks before any adapter is asked."""
    name = connection.WhichOneof("provider")
    if name is None:
        return
    [provider] = [provider for provider in PROVIDERS if provider.name == name]
    refusal = provider.refusal(rpc, connection, field)
    if refusal is not None:
        raise refusal


MESH = next(provider for provider in PROVIDERS if provider.name == "mesh")
MESH_RPCS = [rpc for rpc in Rpc if rpc in MESH.operations.rpcs]


def mesh_institution_rpcs(wire_name: str) -> list[Rpc]:
    record = by_wire_name(wire_name)
    return [rpc for rpc in Rpc if record is not None and rpc in MESH.served_at(record)]


def mesh(institution: int, auth_token: str = "tok") -> Connection:
    return Connection(
        mesh=MeshConnection(institution=institution, auth_token=auth_token)  # type: ignore[arg-type]
    )


def moneykit(link_id: str = "mk_1") -> Connection:
    return Connection(moneykit=MoneyKitLink(link_id=link_id))


def refusal(rpc: Rpc, connection: Connection, field: str = "connection") -> CapabilityMissing:
    with pytest.raises(CapabilityMissing) as caught:
        require(rpc, connection, field)
    return caught.value


# require: refusals ----------------------------------------------------------------------------


def test_cancel_of_a_moneykit_connection_is_refused() -> None:
    error = refusal(Rpc.CANCEL_ORDER, moneykit())

    assert error.reason == "ORDER_CANCEL_NOT_SUPPORTED"
    assert error.capability == "ORDER_CANCEL"
    assert [violation.field for violation in error.violations] == ["connection"]
    assert isinstance(error, InvalidRequest)


def test_cancel_at_a_mesh_institution_outside_the_cancel_list_is_refused() -> None:
    error = refusal(Rpc.CANCEL_ORDER, mesh(Institution.INSTITUTION_OPEN_SEA))

    assert error.reason == "ORDER_CANCEL_NOT_SUPPORTED"
    assert [violation.field for violation in error.violations] == ["connection.mesh.institution"]
    assert "OpenSea" in error.violations[0].description


def test_holdings_value_at_td_ameritrade_is_refused() -> None:
    error = refusal(Rpc.GET_HOLDINGS_VALUE, mesh(Institution.INSTITUTION_TD_AMERITRADE))

    assert error.reason == "HOLDINGS_VALUE_NOT_SUPPORTED"
    assert error.violations[0].field == "connection.mesh.institution"


def test_holdings_at_e_trade_is_refused() -> None:
    error = refusal(Rpc.GET_HOLDINGS, mesh(Institution.INSTITUTION_E_TRADE))

    assert error.reason == "HOLDINGS_NOT_SUPPORTED"


@pytest.mark.parametrize("rpc", [Rpc.GET_PORTFOLIO, Rpc.STREAM_PORTFOLIO])
def test_a_portfolio_at_an_institution_with_neither_holdings_nor_value_is_refused(
    rpc: Rpc,
) -> None:
    error = refusal(rpc, mesh(Institution.INSTITUTION_TD_AMERITRADE))

    assert error.reason == "PORTFOLIO_NOT_SUPPORTED"


def test_the_field_path_is_the_callers() -> None:
    error = refusal(Rpc.CANCEL_ORDER, mesh(Institution.INSTITUTION_OPEN_SEA), "connections[2]")

    assert error.violations[0].field == "connections[2].mesh.institution"


# require: passes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rpc", "connection"),
    [
        (Rpc.CANCEL_ORDER, mesh(Institution.INSTITUTION_ROBINHOOD)),
        (Rpc.CANCEL_ORDER, mesh(Institution.INSTITUTION_COINBASE)),
        (Rpc.GET_HOLDINGS_VALUE, mesh(Institution.INSTITUTION_OPEN_SEA)),
        (Rpc.GET_HOLDINGS_VALUE, mesh(Institution.INSTITUTION_E_TRADE)),
        (Rpc.GET_HOLDINGS, mesh(Institution.INSTITUTION_OPEN_SEA)),
        (Rpc.GET_HOLDINGS, mesh(Institution.INSTITUTION_PARIBU_OAUTH)),
        # A portfolio needs holdings or holdings value: eTrade has only the value.
        (Rpc.GET_PORTFOLIO, mesh(Institution.INSTITUTION_E_TRADE)),
        # ... and paribuOAuth only the holdings.
        (Rpc.STREAM_PORTFOLIO, mesh(Institution.INSTITUTION_PARIBU_OAUTH)),
        (Rpc.GET_HOLDINGS_VALUE, moneykit()),
        (Rpc.GET_HOLDINGS, moneykit()),
        (Rpc.GET_PORTFOLIO, moneykit()),
        (Rpc.STREAM_PORTFOLIO, moneykit()),
    ],
)
def test_supported_combinations_pass(rpc: Rpc, connection: Connection) -> None:
    require(rpc, connection)


@pytest.mark.parametrize("rpc", ALL_RPCS)
def test_a_connection_without_a_provider_passes(rpc: Rpc) -> None:
    require(rpc, Connection())


@pytest.mark.parametrize("institution", [Institution.INSTITUTION_UNSPECIFIED, 9999])
@pytest.mark.parametrize("rpc", MESH_RPCS)
def test_an_unknown_institution_passes(rpc: Rpc, institution: int) -> None:
    require(rpc, mesh(institution))


# The table ------------------------------------------------------------------------------------


def test_mesh_institution_rpcs_lists_what_the_table_says() -> None:
    assert mesh_institution_rpcs("robinhood") == MESH_RPCS
    assert set(mesh_institution_rpcs("openSea")) == {
        Rpc.GET_HOLDINGS_VALUE,
        Rpc.GET_HOLDINGS,
        Rpc.GET_PORTFOLIO,
        Rpc.STREAM_PORTFOLIO,
    }
    assert set(mesh_institution_rpcs("eTrade")) == {
        Rpc.GET_HOLDINGS_VALUE,
        Rpc.CANCEL_ORDER,
        Rpc.GET_PORTFOLIO,
        Rpc.STREAM_PORTFOLIO,
    }
    assert set(mesh_institution_rpcs("paribuOAuth")) == {
        Rpc.GET_HOLDINGS,
        Rpc.GET_BALANCES,
        Rpc.GET_PORTFOLIO,
        Rpc.STREAM_PORTFOLIO,
    }
    assert mesh_institution_rpcs("tdAmeritrade") == []
    assert mesh_institution_rpcs("noSuchInstitution") == []


@pytest.mark.parametrize("institution", MESH_INSTITUTIONS, ids=lambda i: i.wire_name)
def test_mesh_institution_rpcs_agrees_with_the_table_and_require(
    institution: InstitutionRecord,
) -> None:
    listed = mesh_institution_rpcs(institution.wire_name)
    for rpc in (Rpc.GET_HOLDINGS_VALUE, Rpc.CANCEL_ORDER, Rpc.GET_HOLDINGS):
        assert (rpc in listed) == (institution.wire_name in MESH_INSTITUTIONS_BY_RPC[rpc])
    has_data = Rpc.GET_HOLDINGS in listed or Rpc.GET_HOLDINGS_VALUE in listed
    assert (Rpc.GET_PORTFOLIO in listed) == has_data
    assert (Rpc.STREAM_PORTFOLIO in listed) == has_data
    for rpc in MESH_RPCS:
        if rpc in listed:
            require(rpc, mesh(institution.institution))
        else:
            with pytest.raises(CapabilityMissing):
                require(rpc, mesh(institution.institution))


def test_the_documented_lists_have_their_documented_sizes() -> None:
    # Seed 000 (holdings value): 44 names; seed 003 (cancel): 31; the OpenAPI document's
    # holdings "Supported integrations": 37.
    assert len(MESH_INSTITUTIONS_BY_RPC[Rpc.GET_HOLDINGS_VALUE]) == 44
    assert len(MESH_INSTITUTIONS_BY_RPC[Rpc.CANCEL_ORDER]) == 31
    assert len(MESH_INSTITUTIONS_BY_RPC[Rpc.GET_HOLDINGS]) == 37


def test_every_listed_institution_is_one_the_gateway_knows() -> None:
    for rpc, names in MESH_INSTITUTIONS_BY_RPC.items():
        unknown = {name for name in names if by_wire_name(name) is None}
        assert unknown == set(), rpc


def test_every_rpc_has_a_capability_name() -> None:
    assert set(CAPABILITY_NAMES) == set(Rpc)
    assert all(name and name == name.upper() for name in CAPABILITY_NAMES.values())


def test_every_registered_provider_is_a_branch_of_the_connection_oneof() -> None:
    oneof = Connection.DESCRIPTOR.oneofs_by_name["provider"]

    assert set(PROVIDER_RPCS) <= {field.name for field in oneof.fields}


def test_mesh_serves_cancels_beside_holdings_and_moneykit_does_not() -> None:
    reads = {Rpc.GET_HOLDINGS_VALUE, Rpc.GET_HOLDINGS, Rpc.GET_PORTFOLIO, Rpc.STREAM_PORTFOLIO}
    assert reads | {Rpc.CANCEL_ORDER} <= PROVIDER_RPCS["mesh"]
    assert reads <= PROVIDER_RPCS["moneykit"]
    assert Rpc.CANCEL_ORDER not in PROVIDER_RPCS["moneykit"]
