from crm.loyalty.v1 import account_pb2 as _account_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AccountEnrolled(_message.Message):
    __slots__ = ["account"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class LedgerEntryRecorded(_message.Message):
    __slots__ = ["customer", "entry", "program"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    customer: str
    entry: _account_pb2.LedgerEntry
    program: str
    def __init__(self, entry: _Optional[_Union[_account_pb2.LedgerEntry, _Mapping]] = ..., customer: _Optional[str] = ..., program: _Optional[str] = ...) -> None: ...

class PointsExpiring(_message.Message):
    __slots__ = ["account", "customer", "expire_time", "points", "program"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    account: str
    customer: str
    expire_time: _timestamp_pb2.Timestamp
    points: int
    program: str
    def __init__(self, account: _Optional[str] = ..., customer: _Optional[str] = ..., program: _Optional[str] = ..., points: _Optional[int] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TierChanged(_message.Message):
    __slots__ = ["account", "customer", "from_tier", "program", "reason", "to_tier"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    FROM_TIER_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TO_TIER_FIELD_NUMBER: _ClassVar[int]
    account: str
    customer: str
    from_tier: str
    program: str
    reason: str
    to_tier: str
    def __init__(self, account: _Optional[str] = ..., customer: _Optional[str] = ..., program: _Optional[str] = ..., from_tier: _Optional[str] = ..., to_tier: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...
