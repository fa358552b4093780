from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ErasureCompleted(_message.Message):
    __slots__ = ["counts", "customer", "erasure", "service"]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ERASURE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    counts: _containers.RepeatedCompositeFieldContainer[ErasureCount]
    customer: str
    erasure: str
    service: str
    def __init__(self, erasure: _Optional[str] = ..., customer: _Optional[str] = ..., service: _Optional[str] = ..., counts: _Optional[_Iterable[_Union[ErasureCount, _Mapping]]] = ...) -> None: ...

class ErasureCount(_message.Message):
    __slots__ = ["deleted", "kind", "pseudonymised"]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PSEUDONYMISED_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    kind: str
    pseudonymised: int
    def __init__(self, kind: _Optional[str] = ..., deleted: _Optional[int] = ..., pseudonymised: _Optional[int] = ...) -> None: ...
