from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CASE_PRIORITY_HIGH: CasePriority
CASE_PRIORITY_LOW: CasePriority
CASE_PRIORITY_NORMAL: CasePriority
CASE_PRIORITY_UNSPECIFIED: CasePriority
CASE_PRIORITY_URGENT: CasePriority
CASE_STATUS_CLOSED: CaseStatus
CASE_STATUS_IN_PROGRESS: CaseStatus
CASE_STATUS_OPEN: CaseStatus
CASE_STATUS_RESOLVED: CaseStatus
CASE_STATUS_UNSPECIFIED: CaseStatus
DESCRIPTOR: _descriptor.FileDescriptor

class Case(_message.Message):
    __slots__ = ["assignee", "close_time", "customer", "due_time", "escalate_time", "escalated", "etag", "first_response_time", "follow_ups", "history", "id", "interaction", "name", "open_time", "overdue", "priority", "resolve_time", "status"]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_FIELD_NUMBER: _ClassVar[int]
    ESCALATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    FIRST_RESPONSE_TIME_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UPS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    INTERACTION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OPEN_TIME_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    assignee: str
    close_time: _timestamp_pb2.Timestamp
    customer: str
    due_time: _timestamp_pb2.Timestamp
    escalate_time: _timestamp_pb2.Timestamp
    escalated: bool
    etag: str
    first_response_time: _timestamp_pb2.Timestamp
    follow_ups: _containers.RepeatedCompositeFieldContainer[FollowUp]
    history: _containers.RepeatedCompositeFieldContainer[CaseStep]
    id: str
    interaction: str
    name: str
    open_time: _timestamp_pb2.Timestamp
    overdue: bool
    priority: CasePriority
    resolve_time: _timestamp_pb2.Timestamp
    status: CaseStatus
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., customer: _Optional[str] = ..., interaction: _Optional[str] = ..., status: _Optional[_Union[CaseStatus, str]] = ..., priority: _Optional[_Union[CasePriority, str]] = ..., assignee: _Optional[str] = ..., open_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., due_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., first_response_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., resolve_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., close_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., history: _Optional[_Iterable[_Union[CaseStep, _Mapping]]] = ..., follow_ups: _Optional[_Iterable[_Union[FollowUp, _Mapping]]] = ..., overdue: bool = ..., etag: _Optional[str] = ..., escalated: bool = ..., escalate_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CaseStep(_message.Message):
    __slots__ = ["actor", "from_assignee", "from_priority", "note", "time", "to", "to_assignee", "to_priority"]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    FROM_ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    FROM_PRIORITY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    TO_ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    TO_PRIORITY_FIELD_NUMBER: _ClassVar[int]
    actor: str
    from_assignee: str
    from_priority: CasePriority
    note: str
    time: _timestamp_pb2.Timestamp
    to: CaseStatus
    to_assignee: str
    to_priority: CasePriority
    def __init__(self, to: _Optional[_Union[CaseStatus, str]] = ..., note: _Optional[str] = ..., actor: _Optional[str] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., from_assignee: _Optional[str] = ..., to_assignee: _Optional[str] = ..., from_priority: _Optional[_Union[CasePriority, str]] = ..., to_priority: _Optional[_Union[CasePriority, str]] = ..., **kwargs) -> None: ...

class FollowUp(_message.Message):
    __slots__ = ["assignee", "description", "done", "done_time", "due_time", "id"]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    DONE_TIME_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    assignee: str
    description: str
    done: bool
    done_time: _timestamp_pb2.Timestamp
    due_time: _timestamp_pb2.Timestamp
    id: str
    def __init__(self, id: _Optional[str] = ..., description: _Optional[str] = ..., assignee: _Optional[str] = ..., due_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., done: bool = ..., done_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CaseStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class CasePriority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
