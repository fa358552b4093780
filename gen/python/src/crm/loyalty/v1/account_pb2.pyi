from crm.type.v1 import money_pb2 as _money_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

ACCOUNT_STATE_ACTIVE: AccountState
ACCOUNT_STATE_ERASED: AccountState
ACCOUNT_STATE_MERGED: AccountState
ACCOUNT_STATE_UNSPECIFIED: AccountState
DESCRIPTOR: _descriptor.FileDescriptor
ENTRY_TYPE_ADJUST: EntryType
ENTRY_TYPE_CANCEL: EntryType
ENTRY_TYPE_EARN: EntryType
ENTRY_TYPE_EXPIRE: EntryType
ENTRY_TYPE_MERGE_IN: EntryType
ENTRY_TYPE_MERGE_OUT: EntryType
ENTRY_TYPE_REDEEM: EntryType
ENTRY_TYPE_REVERSE: EntryType
ENTRY_TYPE_TIER: EntryType
ENTRY_TYPE_UNSPECIFIED: EntryType

class Account(_message.Message):
    __slots__ = ["balance", "customer", "debt", "enrol_time", "expiring_soon", "id", "lifetime_earned", "lots", "merged_into", "name", "next_tier", "pending", "period_end", "period_start", "points_to_next_tier", "program", "purchases", "qualifying_points", "qualifying_spend", "spend_to_next_tier", "state", "tier", "update_time"]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    DEBT_FIELD_NUMBER: _ClassVar[int]
    ENROL_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRING_SOON_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LIFETIME_EARNED_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    MERGED_INTO_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NEXT_TIER_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    POINTS_TO_NEXT_TIER_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_FIELD_NUMBER: _ClassVar[int]
    QUALIFYING_POINTS_FIELD_NUMBER: _ClassVar[int]
    QUALIFYING_SPEND_FIELD_NUMBER: _ClassVar[int]
    SPEND_TO_NEXT_TIER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    balance: int
    customer: str
    debt: int
    enrol_time: _timestamp_pb2.Timestamp
    expiring_soon: int
    id: str
    lifetime_earned: int
    lots: _containers.RepeatedCompositeFieldContainer[Lot]
    merged_into: str
    name: str
    next_tier: str
    pending: int
    period_end: _timestamp_pb2.Timestamp
    period_start: _timestamp_pb2.Timestamp
    points_to_next_tier: int
    program: str
    purchases: int
    qualifying_points: int
    qualifying_spend: _money_pb2.Money
    spend_to_next_tier: _money_pb2.Money
    state: AccountState
    tier: str
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., program: _Optional[str] = ..., customer: _Optional[str] = ..., state: _Optional[_Union[AccountState, str]] = ..., merged_into: _Optional[str] = ..., balance: _Optional[int] = ..., pending: _Optional[int] = ..., debt: _Optional[int] = ..., lifetime_earned: _Optional[int] = ..., purchases: _Optional[int] = ..., tier: _Optional[str] = ..., qualifying_points: _Optional[int] = ..., period_start: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., qualifying_spend: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., next_tier: _Optional[str] = ..., points_to_next_tier: _Optional[int] = ..., spend_to_next_tier: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., expiring_soon: _Optional[int] = ..., lots: _Optional[_Iterable[_Union[Lot, _Mapping]]] = ..., enrol_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LedgerEntry(_message.Message):
    __slots__ = ["account", "balance_after", "debt_after", "debt_change", "id", "lots", "name", "operator", "points", "reason", "request_id", "source", "tier_after", "time", "type"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    BALANCE_AFTER_FIELD_NUMBER: _ClassVar[int]
    DEBT_AFTER_FIELD_NUMBER: _ClassVar[int]
    DEBT_CHANGE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TIER_AFTER_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    account: str
    balance_after: int
    debt_after: int
    debt_change: int
    id: str
    lots: _containers.RepeatedCompositeFieldContainer[LotChange]
    name: str
    operator: str
    points: int
    reason: str
    request_id: str
    source: str
    tier_after: str
    time: _timestamp_pb2.Timestamp
    type: EntryType
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., account: _Optional[str] = ..., type: _Optional[_Union[EntryType, str]] = ..., points: _Optional[int] = ..., debt_change: _Optional[int] = ..., balance_after: _Optional[int] = ..., debt_after: _Optional[int] = ..., reason: _Optional[str] = ..., source: _Optional[str] = ..., operator: _Optional[str] = ..., request_id: _Optional[str] = ..., lots: _Optional[_Iterable[_Union[LotChange, _Mapping]]] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., tier_after: _Optional[str] = ...) -> None: ...

class Lot(_message.Message):
    __slots__ = ["available_time", "earn_time", "expire_time", "id", "points", "remaining", "source"]
    AVAILABLE_TIME_FIELD_NUMBER: _ClassVar[int]
    EARN_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    available_time: _timestamp_pb2.Timestamp
    earn_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    id: str
    points: int
    remaining: int
    source: str
    def __init__(self, id: _Optional[str] = ..., source: _Optional[str] = ..., points: _Optional[int] = ..., remaining: _Optional[int] = ..., earn_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., available_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LotChange(_message.Message):
    __slots__ = ["available_time", "expire_time", "lot", "points"]
    AVAILABLE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    available_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    lot: str
    points: int
    def __init__(self, lot: _Optional[str] = ..., points: _Optional[int] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., available_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AccountState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class EntryType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
