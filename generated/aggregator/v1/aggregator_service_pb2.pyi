from aggregator.v1 import connection_pb2 as _connection_pb2
from aggregator.v1 import holdings_pb2 as _holdings_pb2
from aggregator.v1 import institution_pb2 as _institution_pb2
from aggregator.v1 import order_pb2 as _order_pb2
from aggregator.v1 import result_pb2 as _result_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetHoldingsValueRequest(_message.Message):
    __slots__ = ("connection",)
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    connection: _connection_pb2.Connection
    def __init__(self, connection: _Optional[_Union[_connection_pb2.Connection, _Mapping]] = ...) -> None: ...

class GetHoldingsValueResponse(_message.Message):
    __slots__ = ("total_value", "total_performance", "equities_value", "equities_performance", "cryptocurrencies_value", "cryptocurrencies_performance", "nfts_value", "fiat_value", "result")
    TOTAL_VALUE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_PERFORMANCE_FIELD_NUMBER: _ClassVar[int]
    EQUITIES_VALUE_FIELD_NUMBER: _ClassVar[int]
    EQUITIES_PERFORMANCE_FIELD_NUMBER: _ClassVar[int]
    CRYPTOCURRENCIES_VALUE_FIELD_NUMBER: _ClassVar[int]
    CRYPTOCURRENCIES_PERFORMANCE_FIELD_NUMBER: _ClassVar[int]
    NFTS_VALUE_FIELD_NUMBER: _ClassVar[int]
    FIAT_VALUE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    total_value: str
    total_performance: str
    equities_value: str
    equities_performance: str
    cryptocurrencies_value: str
    cryptocurrencies_performance: str
    nfts_value: str
    fiat_value: str
    result: _result_pb2.ResultEnvelope
    def __init__(self, total_value: _Optional[str] = ..., total_performance: _Optional[str] = ..., equities_value: _Optional[str] = ..., equities_performance: _Optional[str] = ..., cryptocurrencies_value: _Optional[str] = ..., cryptocurrencies_performance: _Optional[str] = ..., nfts_value: _Optional[str] = ..., fiat_value: _Optional[str] = ..., result: _Optional[_Union[_result_pb2.ResultEnvelope, _Mapping]] = ...) -> None: ...

class CancelOrderRequest(_message.Message):
    __slots__ = ("connection", "order_id", "is_cryptocurrency", "side", "symbol_pair", "mfa_code")
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    IS_CRYPTOCURRENCY_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_PAIR_FIELD_NUMBER: _ClassVar[int]
    MFA_CODE_FIELD_NUMBER: _ClassVar[int]
    connection: _connection_pb2.Connection
    order_id: str
    is_cryptocurrency: bool
    side: _order_pb2.OrderSide
    symbol_pair: str
    mfa_code: str
    def __init__(self, connection: _Optional[_Union[_connection_pb2.Connection, _Mapping]] = ..., order_id: _Optional[str] = ..., is_cryptocurrency: _Optional[bool] = ..., side: _Optional[_Union[_order_pb2.OrderSide, str]] = ..., symbol_pair: _Optional[str] = ..., mfa_code: _Optional[str] = ...) -> None: ...

class CancelOrderResponse(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _result_pb2.ResultEnvelope
    def __init__(self, result: _Optional[_Union[_result_pb2.ResultEnvelope, _Mapping]] = ...) -> None: ...

class GetHoldingsRequest(_message.Message):
    __slots__ = ("connection", "account_ids")
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_IDS_FIELD_NUMBER: _ClassVar[int]
    connection: _connection_pb2.Connection
    account_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, connection: _Optional[_Union[_connection_pb2.Connection, _Mapping]] = ..., account_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetHoldingsResponse(_message.Message):
    __slots__ = ("holdings", "securities", "accounts", "link", "result")
    HOLDINGS_FIELD_NUMBER: _ClassVar[int]
    SECURITIES_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    holdings: _containers.RepeatedCompositeFieldContainer[_holdings_pb2.Holding]
    securities: _containers.RepeatedCompositeFieldContainer[_holdings_pb2.Security]
    accounts: _containers.RepeatedCompositeFieldContainer[_holdings_pb2.Account]
    link: _holdings_pb2.Link
    result: _result_pb2.ResultEnvelope
    def __init__(self, holdings: _Optional[_Iterable[_Union[_holdings_pb2.Holding, _Mapping]]] = ..., securities: _Optional[_Iterable[_Union[_holdings_pb2.Security, _Mapping]]] = ..., accounts: _Optional[_Iterable[_Union[_holdings_pb2.Account, _Mapping]]] = ..., link: _Optional[_Union[_holdings_pb2.Link, _Mapping]] = ..., result: _Optional[_Union[_result_pb2.ResultEnvelope, _Mapping]] = ...) -> None: ...

class ListInstitutionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListInstitutionsResponse(_message.Message):
    __slots__ = ("institutions",)
    INSTITUTIONS_FIELD_NUMBER: _ClassVar[int]
    institutions: _containers.RepeatedCompositeFieldContainer[_institution_pb2.InstitutionInfo]
    def __init__(self, institutions: _Optional[_Iterable[_Union[_institution_pb2.InstitutionInfo, _Mapping]]] = ...) -> None: ...
