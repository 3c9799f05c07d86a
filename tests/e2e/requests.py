"""Request builders for the end-to-end tests."""

from __future__ import annotations

from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    GetBalancesRequest,
    GetHoldingsRequest,
    GetHoldingsValueRequest,
)
from aggregator.v1.connection_pb2 import Connection, MeshConnection, MoneyKitLink
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.order_pb2 import OrderSide


def mesh(
    auth_token: str = "user-token", institution: int = Institution.INSTITUTION_ROBINHOOD
) -> Connection:
    return Connection(mesh=MeshConnection(institution=institution, auth_token=auth_token))  # type: ignore[arg-type]


def moneykit(link_id: str = "mk_eqkWN34UEoa2NxyALG8pcV") -> Connection:
    return Connection(moneykit=MoneyKitLink(link_id=link_id))


def holdings_value(auth_token: str = "user-token", **kwargs: int) -> GetHoldingsValueRequest:
    return GetHoldingsValueRequest(connection=mesh(auth_token, **kwargs))


def cancel(
    auth_token: str = "user-token",
    institution: int = Institution.INSTITUTION_ROBINHOOD,
    order_id: str = "17EC1243-D91A-48B6-B0CE-ECFDB134F8A0",
    side: int = OrderSide.ORDER_SIDE_UNSPECIFIED,
    symbol_pair: str = "",
    mfa_code: str = "",
    is_cryptocurrency: bool = False,
) -> CancelOrderRequest:
    return CancelOrderRequest(
        connection=mesh(auth_token, institution),
        order_id=order_id,
        side=side,  # type: ignore[arg-type]
        symbol_pair=symbol_pair,
        mfa_code=mfa_code,
        is_cryptocurrency=is_cryptocurrency,
    )


def holdings(link_id: str = "mk_eqkWN34UEoa2NxyALG8pcV", *account_ids: str) -> GetHoldingsRequest:
    return GetHoldingsRequest(connection=moneykit(link_id), account_ids=list(account_ids))


def balances(connection: Connection, *account_ids: str) -> GetBalancesRequest:
    return GetBalancesRequest(connection=connection, account_ids=list(account_ids))
