from crm.auth.v1 import auth_pb2 as _auth_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConsumedFeed(_message.Message):
    __slots__ = ["behind_events", "cursor", "feed", "holding", "lag", "source_head"]
    BEHIND_EVENTS_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    FEED_FIELD_NUMBER: _ClassVar[int]
    HOLDING_FIELD_NUMBER: _ClassVar[int]
    LAG_FIELD_NUMBER: _ClassVar[int]
    SOURCE_HEAD_FIELD_NUMBER: _ClassVar[int]
    behind_events: int
    cursor: int
    feed: str
    holding: bool
    lag: _duration_pb2.Duration
    source_head: int
    def __init__(self, feed: _Optional[str] = ..., holding: bool = ..., cursor: _Optional[int] = ..., source_head: _Optional[int] = ..., behind_events: _Optional[int] = ..., lag: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetStatusRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetStatusResponse(_message.Message):
    __slots__ = ["consumed", "produced", "service", "version"]
    CONSUMED_FIELD_NUMBER: _ClassVar[int]
    PRODUCED_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    consumed: _containers.RepeatedCompositeFieldContainer[ConsumedFeed]
    produced: ProducedFeed
    service: str
    version: str
    def __init__(self, service: _Optional[str] = ..., version: _Optional[str] = ..., produced: _Optional[_Union[ProducedFeed, _Mapping]] = ..., consumed: _Optional[_Iterable[_Union[ConsumedFeed, _Mapping]]] = ...) -> None: ...

class ProducedFeed(_message.Message):
    __slots__ = ["last_sequence"]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    last_sequence: int
    def __init__(self, last_sequence: _Optional[int] = ...) -> None: ...
