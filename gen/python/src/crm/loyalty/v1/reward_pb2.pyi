from buf.validate import validate_pb2 as _validate_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
REDEMPTION_STATE_CANCELLED: RedemptionState
REDEMPTION_STATE_ISSUED: RedemptionState
REDEMPTION_STATE_UNSPECIFIED: RedemptionState
REDEMPTION_STATE_USED: RedemptionState

class Redemption(_message.Message):
    __slots__ = ["cancel_deadline", "cancel_time", "code", "create_time", "customer", "entry", "id", "name", "points", "program", "reward", "state", "use_time"]
    CANCEL_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    CANCEL_TIME_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    USE_TIME_FIELD_NUMBER: _ClassVar[int]
    cancel_deadline: _timestamp_pb2.Timestamp
    cancel_time: _timestamp_pb2.Timestamp
    code: str
    create_time: _timestamp_pb2.Timestamp
    customer: str
    entry: str
    id: str
    name: str
    points: int
    program: str
    reward: str
    state: RedemptionState
    use_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., program: _Optional[str] = ..., customer: _Optional[str] = ..., reward: _Optional[str] = ..., points: _Optional[int] = ..., code: _Optional[str] = ..., state: _Optional[_Union[RedemptionState, str]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_deadline: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., entry: _Optional[str] = ..., use_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Reward(_message.Message):
    __slots__ = ["active", "cancel_window_days", "create_time", "description", "display_name", "etag", "id", "name", "points_price", "stock"]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CANCEL_WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POINTS_PRICE_FIELD_NUMBER: _ClassVar[int]
    STOCK_FIELD_NUMBER: _ClassVar[int]
    active: bool
    cancel_window_days: int
    create_time: _timestamp_pb2.Timestamp
    description: str
    display_name: str
    etag: str
    id: str
    name: str
    points_price: int
    stock: int
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., points_price: _Optional[int] = ..., stock: _Optional[int] = ..., cancel_window_days: _Optional[int] = ..., active: bool = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class RedemptionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
