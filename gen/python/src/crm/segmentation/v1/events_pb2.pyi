from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RunCompleted(_message.Message):
    __slots__ = ["customers", "membership_changes", "run"]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    MEMBERSHIP_CHANGES_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    customers: int
    membership_changes: int
    run: str
    def __init__(self, run: _Optional[str] = ..., customers: _Optional[int] = ..., membership_changes: _Optional[int] = ...) -> None: ...

class SegmentMembershipChanged(_message.Message):
    __slots__ = ["customer", "entered", "run", "segment", "time"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ENTERED_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    customer: str
    entered: bool
    run: str
    segment: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, customer: _Optional[str] = ..., segment: _Optional[str] = ..., entered: bool = ..., run: _Optional[str] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
