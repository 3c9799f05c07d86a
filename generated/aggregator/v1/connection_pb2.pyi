from aggregator.v1 import institution_pb2 as _institution_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Connection(_message.Message):
    __slots__ = ("mesh", "moneykit")
    MESH_FIELD_NUMBER: _ClassVar[int]
    MONEYKIT_FIELD_NUMBER: _ClassVar[int]
    mesh: MeshConnection
    moneykit: MoneyKitLink
    def __init__(self, mesh: _Optional[_Union[MeshConnection, _Mapping]] = ..., moneykit: _Optional[_Union[MoneyKitLink, _Mapping]] = ...) -> None: ...

class MeshConnection(_message.Message):
    __slots__ = ("institution", "auth_token")
    INSTITUTION_FIELD_NUMBER: _ClassVar[int]
    AUTH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    institution: _institution_pb2.Institution
    auth_token: str
    def __init__(self, institution: _Optional[_Union[_institution_pb2.Institution, str]] = ..., auth_token: _Optional[str] = ...) -> None: ...

class MoneyKitLink(_message.Message):
    __slots__ = ("link_id",)
    LINK_ID_FIELD_NUMBER: _ClassVar[int]
    link_id: str
    def __init__(self, link_id: _Optional[str] = ...) -> None: ...
