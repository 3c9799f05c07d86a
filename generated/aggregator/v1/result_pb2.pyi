from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ResultStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESULT_STATUS_UNSPECIFIED: _ClassVar[ResultStatus]
    RESULT_STATUS_OK: _ClassVar[ResultStatus]
    RESULT_STATUS_SERVER_FAILURE: _ClassVar[ResultStatus]
    RESULT_STATUS_PERMISSION_DENIED: _ClassVar[ResultStatus]
    RESULT_STATUS_BAD_REQUEST: _ClassVar[ResultStatus]
    RESULT_STATUS_NOT_FOUND: _ClassVar[ResultStatus]
    RESULT_STATUS_CONFLICT: _ClassVar[ResultStatus]
    RESULT_STATUS_TOO_MANY_REQUEST: _ClassVar[ResultStatus]
    RESULT_STATUS_LOCKED: _ClassVar[ResultStatus]
    RESULT_STATUS_UNAVAILABLE_FOR_LEGAL_REASONS: _ClassVar[ResultStatus]
RESULT_STATUS_UNSPECIFIED: ResultStatus
RESULT_STATUS_OK: ResultStatus
RESULT_STATUS_SERVER_FAILURE: ResultStatus
RESULT_STATUS_PERMISSION_DENIED: ResultStatus
RESULT_STATUS_BAD_REQUEST: ResultStatus
RESULT_STATUS_NOT_FOUND: ResultStatus
RESULT_STATUS_CONFLICT: ResultStatus
RESULT_STATUS_TOO_MANY_REQUEST: ResultStatus
RESULT_STATUS_LOCKED: ResultStatus
RESULT_STATUS_UNAVAILABLE_FOR_LEGAL_REASONS: ResultStatus

class ResultEnvelope(_message.Message):
    __slots__ = ("status", "message", "display_message", "error_type", "error_hash", "error_data")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ERROR_TYPE_FIELD_NUMBER: _ClassVar[int]
    ERROR_HASH_FIELD_NUMBER: _ClassVar[int]
    ERROR_DATA_FIELD_NUMBER: _ClassVar[int]
    status: ResultStatus
    message: str
    display_message: str
    error_type: str
    error_hash: str
    error_data: _struct_pb2.Value
    def __init__(self, status: _Optional[_Union[ResultStatus, str]] = ..., message: _Optional[str] = ..., display_message: _Optional[str] = ..., error_type: _Optional[str] = ..., error_hash: _Optional[str] = ..., error_data: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
