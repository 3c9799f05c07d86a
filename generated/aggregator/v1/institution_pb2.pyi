from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Institution(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INSTITUTION_UNSPECIFIED: _ClassVar[Institution]
    INSTITUTION_ROBINHOOD: _ClassVar[Institution]
    INSTITUTION_E_TRADE: _ClassVar[Institution]
    INSTITUTION_ALPACA: _ClassVar[Institution]
    INSTITUTION_TD_AMERITRADE: _ClassVar[Institution]
    INSTITUTION_WE_BULL: _ClassVar[Institution]
    INSTITUTION_STASH: _ClassVar[Institution]
    INSTITUTION_INTERACTIVE_BROKERS: _ClassVar[Institution]
    INSTITUTION_PUBLIC: _ClassVar[Institution]
    INSTITUTION_COINBASE: _ClassVar[Institution]
    INSTITUTION_KRAKEN: _ClassVar[Institution]
    INSTITUTION_COINBASE_PRO: _ClassVar[Institution]
    INSTITUTION_CRYPTO_COM: _ClassVar[Institution]
    INSTITUTION_OPEN_SEA: _ClassVar[Institution]
    INSTITUTION_BINANCE_US: _ClassVar[Institution]
    INSTITUTION_GEMINI: _ClassVar[Institution]
    INSTITUTION_CRYPTOCURRENCY_ADDRESS: _ClassVar[Institution]
    INSTITUTION_CRYPTOCURRENCY_WALLET: _ClassVar[Institution]
    INSTITUTION_OK_COIN: _ClassVar[Institution]
    INSTITUTION_BITTREX: _ClassVar[Institution]
    INSTITUTION_KU_COIN: _ClassVar[Institution]
    INSTITUTION_ETORO: _ClassVar[Institution]
    INSTITUTION_CEX_IO: _ClassVar[Institution]
    INSTITUTION_BINANCE_INTERNATIONAL: _ClassVar[Institution]
    INSTITUTION_BITSTAMP: _ClassVar[Institution]
    INSTITUTION_GATE_IO: _ClassVar[Institution]
    INSTITUTION_ACORNS: _ClassVar[Institution]
    INSTITUTION_OKX: _ClassVar[Institution]
    INSTITUTION_BIT_FLYER: _ClassVar[Institution]
    INSTITUTION_COINLIST: _ClassVar[Institution]
    INSTITUTION_HUOBI: _ClassVar[Institution]
    INSTITUTION_BITFINEX: _ClassVar[Institution]
    INSTITUTION_DE_FI_WALLET: _ClassVar[Institution]
    INSTITUTION_KRAKEN_DIRECT: _ClassVar[Institution]
    INSTITUTION_VANGUARD: _ClassVar[Institution]
    INSTITUTION_BINANCE_INTERNATIONAL_DIRECT: _ClassVar[Institution]
    INSTITUTION_BITFINEX_DIRECT: _ClassVar[Institution]
    INSTITUTION_BYBIT: _ClassVar[Institution]
    INSTITUTION_PAXOS: _ClassVar[Institution]
    INSTITUTION_COINBASE_PRIME: _ClassVar[Institution]
    INSTITUTION_BTC_TURK_DIRECT: _ClassVar[Institution]
    INSTITUTION_KU_COIN_DIRECT: _ClassVar[Institution]
    INSTITUTION_OKX_OAUTH: _ClassVar[Institution]
    INSTITUTION_PARIBU_DIRECT: _ClassVar[Institution]
    INSTITUTION_ROBINHOOD_CONNECT: _ClassVar[Institution]
    INSTITUTION_BLOCKCHAIN_COM: _ClassVar[Institution]
    INSTITUTION_BITSO_DIRECT: _ClassVar[Institution]
    INSTITUTION_BINANCE_CONNECT: _ClassVar[Institution]
    INSTITUTION_BINANCE_OAUTH: _ClassVar[Institution]
    INSTITUTION_REVOLUT_CONNECT: _ClassVar[Institution]
    INSTITUTION_BINANCE_PAY: _ClassVar[Institution]
    INSTITUTION_BYBIT_DIRECT: _ClassVar[Institution]
    INSTITUTION_PARIBU_OAUTH: _ClassVar[Institution]
    INSTITUTION_PAY_PAL_CONNECT: _ClassVar[Institution]
    INSTITUTION_BINANCE_TR_DIRECT: _ClassVar[Institution]
    INSTITUTION_COINBASE_RAMP: _ClassVar[Institution]
    INSTITUTION_BYBIT_DIRECT_MOBILE: _ClassVar[Institution]
    INSTITUTION_SANDBOX: _ClassVar[Institution]
    INSTITUTION_CRYPTO_COM_PAY: _ClassVar[Institution]
    INSTITUTION_BYBIT_EU_DIRECT: _ClassVar[Institution]
INSTITUTION_UNSPECIFIED: Institution
INSTITUTION_ROBINHOOD: Institution
INSTITUTION_E_TRADE: Institution
INSTITUTION_ALPACA: Institution
INSTITUTION_TD_AMERITRADE: Institution
INSTITUTION_WE_BULL: Institution
INSTITUTION_STASH: Institution
INSTITUTION_INTERACTIVE_BROKERS: Institution
INSTITUTION_PUBLIC: Institution
INSTITUTION_COINBASE: Institution
INSTITUTION_KRAKEN: Institution
INSTITUTION_COINBASE_PRO: Institution
INSTITUTION_CRYPTO_COM: Institution
INSTITUTION_OPEN_SEA: Institution
INSTITUTION_BINANCE_US: Institution
INSTITUTION_GEMINI: Institution
INSTITUTION_CRYPTOCURRENCY_ADDRESS: Institution
INSTITUTION_CRYPTOCURRENCY_WALLET: Institution
INSTITUTION_OK_COIN: Institution
INSTITUTION_BITTREX: Institution
INSTITUTION_KU_COIN: Institution
INSTITUTION_ETORO: Institution
INSTITUTION_CEX_IO: Institution
INSTITUTION_BINANCE_INTERNATIONAL: Institution
INSTITUTION_BITSTAMP: Institution
INSTITUTION_GATE_IO: Institution
INSTITUTION_ACORNS: Institution
INSTITUTION_OKX: Institution
INSTITUTION_BIT_FLYER: Institution
INSTITUTION_COINLIST: Institution
INSTITUTION_HUOBI: Institution
INSTITUTION_BITFINEX: Institution
INSTITUTION_DE_FI_WALLET: Institution
INSTITUTION_KRAKEN_DIRECT: Institution
INSTITUTION_VANGUARD: Institution
INSTITUTION_BINANCE_INTERNATIONAL_DIRECT: Institution
INSTITUTION_BITFINEX_DIRECT: Institution
INSTITUTION_BYBIT: Institution
INSTITUTION_PAXOS: Institution
INSTITUTION_COINBASE_PRIME: Institution
INSTITUTION_BTC_TURK_DIRECT: Institution
INSTITUTION_KU_COIN_DIRECT: Institution
INSTITUTION_OKX_OAUTH: Institution
INSTITUTION_PARIBU_DIRECT: Institution
INSTITUTION_ROBINHOOD_CONNECT: Institution
INSTITUTION_BLOCKCHAIN_COM: Institution
INSTITUTION_BITSO_DIRECT: Institution
INSTITUTION_BINANCE_CONNECT: Institution
INSTITUTION_BINANCE_OAUTH: Institution
INSTITUTION_REVOLUT_CONNECT: Institution
INSTITUTION_BINANCE_PAY: Institution
INSTITUTION_BYBIT_DIRECT: Institution
INSTITUTION_PARIBU_OAUTH: Institution
INSTITUTION_PAY_PAL_CONNECT: Institution
INSTITUTION_BINANCE_TR_DIRECT: Institution
INSTITUTION_COINBASE_RAMP: Institution
INSTITUTION_BYBIT_DIRECT_MOBILE: Institution
INSTITUTION_SANDBOX: Institution
INSTITUTION_CRYPTO_COM_PAY: Institution
INSTITUTION_BYBIT_EU_DIRECT: Institution

class InstitutionInfo(_message.Message):
    __slots__ = ("institution", "wire_name", "display_name", "supports_holdings_value", "supports_order_cancel", "cancel_requirements")
    INSTITUTION_FIELD_NUMBER: _ClassVar[int]
    WIRE_NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_HOLDINGS_VALUE_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_ORDER_CANCEL_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REQUIREMENTS_FIELD_NUMBER: _ClassVar[int]
    institution: Institution
    wire_name: str
    display_name: str
    supports_holdings_value: bool
    supports_order_cancel: bool
    cancel_requirements: CancelRequirements
    def __init__(self, institution: _Optional[_Union[Institution, str]] = ..., wire_name: _Optional[str] = ..., display_name: _Optional[str] = ..., supports_holdings_value: _Optional[bool] = ..., supports_order_cancel: _Optional[bool] = ..., cancel_requirements: _Optional[_Union[CancelRequirements, _Mapping]] = ...) -> None: ...

class CancelRequirements(_message.Message):
    __slots__ = ("side_required", "symbol_pair_required", "mfa_code_may_be_required")
    SIDE_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_PAIR_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    MFA_CODE_MAY_BE_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    side_required: bool
    symbol_pair_required: bool
    mfa_code_may_be_required: bool
    def __init__(self, side_required: _Optional[bool] = ..., symbol_pair_required: _Optional[bool] = ..., mfa_code_may_be_required: _Optional[bool] = ...) -> None: ...
