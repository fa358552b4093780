from crm.interaction.v1 import case_pb2 as _case_pb2
from crm.interaction.v1 import interaction_pb2 as _interaction_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CaseChanged(_message.Message):
    __slots__ = ["case", "changed_fields"]
    CASE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    case: _case_pb2.Case
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, case: _Optional[_Union[_case_pb2.Case, _Mapping]] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class CaseEscalated(_message.Message):
    __slots__ = ["case"]
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: _case_pb2.Case
    def __init__(self, case: _Optional[_Union[_case_pb2.Case, _Mapping]] = ...) -> None: ...

class CaseOpened(_message.Message):
    __slots__ = ["case"]
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: _case_pb2.Case
    def __init__(self, case: _Optional[_Union[_case_pb2.Case, _Mapping]] = ...) -> None: ...

class InteractionLogged(_message.Message):
    __slots__ = ["interaction"]
    INTERACTION_FIELD_NUMBER: _ClassVar[int]
    interaction: _interaction_pb2.Interaction
    def __init__(self, interaction: _Optional[_Union[_interaction_pb2.Interaction, _Mapping]] = ...) -> None: ...

class InteractionUpdated(_message.Message):
    __slots__ = ["changed_fields", "interaction"]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    INTERACTION_FIELD_NUMBER: _ClassVar[int]
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    interaction: _interaction_pb2.Interaction
    def __init__(self, interaction: _Optional[_Union[_interaction_pb2.Interaction, _Mapping]] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...
