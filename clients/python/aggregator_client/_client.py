"""The client: one channel, a deadline on every call, TLS and API keys; failed calls raised as
`GatewayCallError`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import TypeVar

import grpc
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message

from aggregator.v1 import aggregator_service_pb2 as api
from aggregator.v1.aggregator_service_pb2_grpc import AggregatorServiceStub
from aggregator.v1.connection_pb2 import Connection, MeshConnection, MoneyKitLink
from aggregator.v1.institution_pb2 import Institution
from aggregator.v1.order_pb2 import OrderSide, OrderStatus
from aggregator_client._errors import GatewayCallError

Request = TypeVar("Request", bound=Message)
Response = TypeVar("Response", bound=Message)


def mesh(institution: Institution.ValueType, auth_token: str) -> Connection:
    """A Mesh connection: the user's institution and the auth token Mesh issued for it."""
    return Connection(mesh=MeshConnection(institution=institution, auth_token=auth_token))


def moneykit(link_id: str) -> Connection:
    """A MoneyKit link."""
    return Connection(moneykit=MoneyKitLink(link_id=link_id))


class AggregatorClient:
    """One channel to the gateway; every call has a deadline, in seconds from the call
    (`default_deadline` unless the call gives `deadline`)."""

    def __init__(
        self,
        address: str,
        *,
        api_key: str | None = None,
        root_certificates: bytes | None = None,
        client_certificate: tuple[bytes, bytes] | None = None,
        default_deadline: float = 10.0,
    ) -> None:
        """`root_certificates` (PEM) turns on TLS; `client_certificate` is a (certificate
        chain, private key) PEM pair for mutual TLS; `api_key` is sent as a bearer token."""
        if root_certificates is not None or client_certificate is not None:
            chain, key = client_certificate or (None, None)
            credentials = grpc.ssl_channel_credentials(root_certificates, key, chain)
            self._channel = grpc.aio.secure_channel(address, credentials)
        else:
            self._channel = grpc.aio.insecure_channel(address)
        self._stub = AggregatorServiceStub(self._channel)
        self._metadata = (("authorization", f"Bearer {api_key}"),) if api_key else ()
        self._default_deadline = default_deadline

    async def __aenter__(self) -> AggregatorClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self._channel.close()

    async def get_holdings_value(
        self,
        connection: Connection,
        *,
        max_age: timedelta | None = None,
        deadline: float | None = None,
    ) -> api.GetHoldingsValueResponse:
        """The value; with `max_age`, possibly one the gateway fetched at most that long ago
        (`source.from_cache` says so)."""
        request = api.GetHoldingsValueRequest(connection=connection)
        if max_age is not None:
            request.max_age.CopyFrom(_duration(max_age))
        return await self._unary(self._stub.GetHoldingsValue, request, deadline)

    async def cancel_order(
        self,
        connection: Connection,
        order_id: str,
        *,
        is_cryptocurrency: bool = False,
        side: OrderSide.ValueType = OrderSide.ORDER_SIDE_UNSPECIFIED,
        symbol_pair: str = "",
        mfa_code: str = "",
        confirm: bool = False,
        deadline: float | None = None,
    ) -> api.CancelOrderResponse:
        """With `confirm`, the order as read after the cancel, in the response's `order`."""
        request = api.CancelOrderRequest(
            connection=connection,
            order_id=order_id,
            is_cryptocurrency=is_cryptocurrency,
            side=side,
            symbol_pair=symbol_pair,
            mfa_code=mfa_code,
            confirm=confirm,
        )
        return await self._unary(self._stub.CancelOrder, request, deadline)

    async def get_order(
        self,
        connection: Connection,
        order_id: str,
        *,
        is_cryptocurrency: bool = False,
        side: OrderSide.ValueType = OrderSide.ORDER_SIDE_UNSPECIFIED,
        symbol_pair: str = "",
        mfa_code: str = "",
        deadline: float | None = None,
    ) -> api.GetOrderResponse:
        request = api.GetOrderRequest(
            connection=connection,
            order_id=order_id,
            is_cryptocurrency=is_cryptocurrency,
            side=side,
            symbol_pair=symbol_pair,
            mfa_code=mfa_code,
        )
        return await self._unary(self._stub.GetOrder, request, deadline)

    async def list_orders(
        self,
        connection: Connection,
        *,
        page_size: int = 0,
        page_token: str = "",
        statuses: Sequence[OrderStatus.ValueType] = (),
        created_after: datetime | None = None,
        deadline: float | None = None,
    ) -> api.ListOrdersResponse:
        """One page; pass its `next_page_token` back, with the same filters, for the next."""
        request = api.ListOrdersRequest(
            connection=connection, page_size=page_size, page_token=page_token, statuses=statuses
        )
        if created_after is not None:
            request.created_after.FromDatetime(created_after)
        return await self._unary(self._stub.ListOrders, request, deadline)

    async def get_holdings(
        self,
        connection: Connection,
        account_ids: Sequence[str] = (),
        *,
        max_age: timedelta | None = None,
        deadline: float | None = None,
    ) -> api.GetHoldingsResponse:
        """The holdings; with `max_age`, refreshed first if the provider's copy is older
        (`freshness` says what came of it), or ones the gateway fetched at most that long ago
        (`source.from_cache`)."""
        request = api.GetHoldingsRequest(connection=connection, account_ids=account_ids)
        if max_age is not None:
            request.max_age.CopyFrom(_duration(max_age))
        return await self._unary(self._stub.GetHoldings, request, deadline)

    async def get_balances(
        self,
        connection: Connection,
        account_ids: Sequence[str] = (),
        *,
        max_age: timedelta | None = None,
        deadline: float | None = None,
    ) -> api.GetBalancesResponse:
        """Cash and buying power per currency (Mesh) or each account's balances (MoneyKit,
        only `account_ids` when given); with `max_age`, possibly ones the gateway fetched at
        most that long ago (`source.from_cache`)."""
        request = api.GetBalancesRequest(connection=connection, account_ids=account_ids)
        if max_age is not None:
            request.max_age.CopyFrom(_duration(max_age))
        return await self._unary(self._stub.GetBalances, request, deadline)

    async def refresh_connection(
        self, connection: Connection, *, wait: bool = False, deadline: float | None = None
    ) -> api.RefreshConnectionResponse:
        """Ask the provider to refresh its copy; with `wait`, wait for it within the deadline."""
        request = api.RefreshConnectionRequest(connection=connection, wait=wait)
        return await self._unary(self._stub.RefreshConnection, request, deadline)

    async def list_investment_transactions(
        self,
        connection: Connection,
        start_date: str,
        end_date: str,
        account_ids: Sequence[str] = (),
        *,
        page_size: int = 0,
        page_token: str = "",
        deadline: float | None = None,
    ) -> api.ListInvestmentTransactionsResponse:
        """One page of transactions between two `YYYY-MM-DD` dates; pass the answer's
        `next_page_token` for the next."""
        request = api.ListInvestmentTransactionsRequest(
            connection=connection,
            start_date=start_date,
            end_date=end_date,
            account_ids=account_ids,
            page_size=page_size,
            page_token=page_token,
        )
        return await self._unary(self._stub.ListInvestmentTransactions, request, deadline)

    async def list_institutions(
        self, *, deadline: float | None = None
    ) -> api.ListInstitutionsResponse:
        return await self._unary(
            self._stub.ListInstitutions, api.ListInstitutionsRequest(), deadline
        )

    async def get_server_info(self, *, deadline: float | None = None) -> api.GetServerInfoResponse:
        """The gateway's version: the API release it serves."""
        return await self._unary(self._stub.GetServerInfo, api.GetServerInfoRequest(), deadline)

    async def get_portfolio(
        self, connections: Sequence[Connection], *, deadline: float | None = None
    ) -> api.GetPortfolioResponse:
        request = api.GetPortfolioRequest(connections=connections)
        return await self._unary(self._stub.GetPortfolio, request, deadline)

    async def stream_portfolio(
        self, connections: Sequence[Connection], *, deadline: float | None = None
    ) -> AsyncIterator[api.StreamPortfolioResponse]:
        """Each entry as its connection answers, then the summary."""
        request = api.StreamPortfolioRequest(connections=connections)
        stream = self._stub.StreamPortfolio(
            request, timeout=self._seconds(deadline), metadata=self._metadata
        )
        try:
            async for message in stream:
                yield message
        except grpc.aio.AioRpcError as error:
            raise GatewayCallError.from_rpc_error(error) from error

    async def _unary(
        self,
        rpc: grpc.aio.UnaryUnaryMultiCallable[Request, Response],
        request: Request,
        deadline: float | None,
    ) -> Response:
        """One unary call with the client's deadline and credentials; errors raised rich."""
        try:
            return await rpc(request, timeout=self._seconds(deadline), metadata=self._metadata)
        except grpc.aio.AioRpcError as error:
            raise GatewayCallError.from_rpc_error(error) from error

    def _seconds(self, deadline: float | None) -> float:
        return self._default_deadline if deadline is None else deadline


def _duration(value: timedelta) -> Duration:
    duration = Duration()
    duration.FromTimedelta(value)
    return duration
