import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SecurityType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SECURITY_TYPE_UNSPECIFIED: _ClassVar[SecurityType]
    SECURITY_TYPE_CASH: _ClassVar[SecurityType]
    SECURITY_TYPE_CRYPTO: _ClassVar[SecurityType]
    SECURITY_TYPE_DERIVATIVE: _ClassVar[SecurityType]
    SECURITY_TYPE_EQUITY: _ClassVar[SecurityType]
    SECURITY_TYPE_ETF: _ClassVar[SecurityType]
    SECURITY_TYPE_BOND: _ClassVar[SecurityType]
    SECURITY_TYPE_LOAN: _ClassVar[SecurityType]
    SECURITY_TYPE_FUND: _ClassVar[SecurityType]
    SECURITY_TYPE_UNKNOWN: _ClassVar[SecurityType]

class LinkState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LINK_STATE_UNSPECIFIED: _ClassVar[LinkState]
    LINK_STATE_CONNECTING: _ClassVar[LinkState]
    LINK_STATE_AWAITING_TOKEN_EXCHANGE: _ClassVar[LinkState]
    LINK_STATE_CONNECTED: _ClassVar[LinkState]
    LINK_STATE_DELETED: _ClassVar[LinkState]
    LINK_STATE_ERROR: _ClassVar[LinkState]
SECURITY_TYPE_UNSPECIFIED: SecurityType
SECURITY_TYPE_CASH: SecurityType
SECURITY_TYPE_CRYPTO: SecurityType
SECURITY_TYPE_DERIVATIVE: SecurityType
SECURITY_TYPE_EQUITY: SecurityType
SECURITY_TYPE_ETF: SecurityType
SECURITY_TYPE_BOND: SecurityType
SECURITY_TYPE_LOAN: SecurityType
SECURITY_TYPE_FUND: SecurityType
SECURITY_TYPE_UNKNOWN: SecurityType
LINK_STATE_UNSPECIFIED: LinkState
LINK_STATE_CONNECTING: LinkState
LINK_STATE_AWAITING_TOKEN_EXCHANGE: LinkState
LINK_STATE_CONNECTED: LinkState
LINK_STATE_DELETED: LinkState
LINK_STATE_ERROR: LinkState

class Holding(_message.Message):
    __slots__ = ("account_id", "security_id", "quantity", "price", "price_datetime", "value", "cost_basis")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SECURITY_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    PRICE_DATETIME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    COST_BASIS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    security_id: str
    quantity: str
    price: str
    price_datetime: _timestamp_pb2.Timestamp
    value: str
    cost_basis: str
    def __init__(self, account_id: _Optional[str] = ..., security_id: _Optional[str] = ..., quantity: _Optional[str] = ..., price: _Optional[str] = ..., price_datetime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., value: _Optional[str] = ..., cost_basis: _Optional[str] = ...) -> None: ...

class Security(_message.Message):
    __slots__ = ("security_id", "name", "type", "currency", "ticker", "isin", "sedol", "close_price", "close_datetime", "close_date")
    SECURITY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TICKER_FIELD_NUMBER: _ClassVar[int]
    ISIN_FIELD_NUMBER: _ClassVar[int]
    SEDOL_FIELD_NUMBER: _ClassVar[int]
    CLOSE_PRICE_FIELD_NUMBER: _ClassVar[int]
    CLOSE_DATETIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_DATE_FIELD_NUMBER: _ClassVar[int]
    security_id: str
    name: str
    type: SecurityType
    currency: str
    ticker: str
    isin: str
    sedol: str
    close_price: str
    close_datetime: _timestamp_pb2.Timestamp
    close_date: str
    def __init__(self, security_id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[_Union[SecurityType, str]] = ..., currency: _Optional[str] = ..., ticker: _Optional[str] = ..., isin: _Optional[str] = ..., sedol: _Optional[str] = ..., close_price: _Optional[str] = ..., close_datetime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_date: _Optional[str] = ...) -> None: ...

class AccountBalances(_message.Message):
    __slots__ = ("currency", "available", "current", "limit", "balance_date")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    BALANCE_DATE_FIELD_NUMBER: _ClassVar[int]
    currency: str
    available: str
    current: str
    limit: str
    balance_date: _timestamp_pb2.Timestamp
    def __init__(self, currency: _Optional[str] = ..., available: _Optional[str] = ..., current: _Optional[str] = ..., limit: _Optional[str] = ..., balance_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("account_id", "account_type", "name", "account_mask", "balances")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_MASK_FIELD_NUMBER: _ClassVar[int]
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    account_type: str
    name: str
    account_mask: str
    balances: AccountBalances
    def __init__(self, account_id: _Optional[str] = ..., account_type: _Optional[str] = ..., name: _Optional[str] = ..., account_mask: _Optional[str] = ..., balances: _Optional[_Union[AccountBalances, _Mapping]] = ...) -> None: ...

class LinkProductSettings(_message.Message):
    __slots__ = ("required", "prefetch")
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    PREFETCH_FIELD_NUMBER: _ClassVar[int]
    required: bool
    prefetch: bool
    def __init__(self, required: _Optional[bool] = ..., prefetch: _Optional[bool] = ...) -> None: ...

class LinkProduct(_message.Message):
    __slots__ = ("refreshed_at", "last_attempted_at", "settings")
    REFRESHED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_ATTEMPTED_AT_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    refreshed_at: _timestamp_pb2.Timestamp
    last_attempted_at: _timestamp_pb2.Timestamp
    settings: LinkProductSettings
    def __init__(self, refreshed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_attempted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., settings: _Optional[_Union[LinkProductSettings, _Mapping]] = ...) -> None: ...

class Link(_message.Message):
    __slots__ = ("link_id", "institution_id", "institution_name", "provider", "state", "error_code", "last_synced_at", "tags", "products")
    class ProductsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: LinkProduct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[LinkProduct, _Mapping]] = ...) -> None: ...
    LINK_ID_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_ID_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_NAME_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    LAST_SYNCED_AT_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    link_id: str
    institution_id: str
    institution_name: str
    provider: str
    state: LinkState
    error_code: str
    last_synced_at: _timestamp_pb2.Timestamp
    tags: _containers.RepeatedScalarFieldContainer[str]
    products: _containers.MessageMap[str, LinkProduct]
    def __init__(self, link_id: _Optional[str] = ..., institution_id: _Optional[str] = ..., institution_name: _Optional[str] = ..., provider: _Optional[str] = ..., state: _Optional[_Union[LinkState, str]] = ..., error_code: _Optional[str] = ..., last_synced_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tags: _Optional[_Iterable[str]] = ..., products: _Optional[_Mapping[str, LinkProduct]] = ...) -> None: ...
