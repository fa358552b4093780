from crm.interaction.v1 import interaction_pb2 as _interaction_pb2
from crm.type.v1 import money_pb2 as _money_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ActivityWindow(_message.Message):
    __slots__ = ["days", "purchase_amounts", "purchases"]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_AMOUNTS_FIELD_NUMBER: _ClassVar[int]
    days: int
    purchase_amounts: _containers.RepeatedCompositeFieldContainer[_money_pb2.Money]
    purchases: int
    def __init__(self, days: _Optional[int] = ..., purchases: _Optional[int] = ..., purchase_amounts: _Optional[_Iterable[_Union[_money_pb2.Money, _Mapping]]] = ...) -> None: ...

class ChannelCount(_message.Message):
    __slots__ = ["channel", "interactions"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    INTERACTIONS_FIELD_NUMBER: _ClassVar[int]
    channel: _interaction_pb2.Channel
    interactions: int
    def __init__(self, channel: _Optional[_Union[_interaction_pb2.Channel, str]] = ..., interactions: _Optional[int] = ...) -> None: ...

class CustomerActivity(_message.Message):
    __slots__ = ["average_satisfaction", "channel_mix", "complaints", "customer", "first_interaction_time", "interactions", "last_interaction_time", "last_purchase_time", "open_cases", "purchase_amounts", "purchases", "refund_amounts", "refunds", "satisfaction_responses", "windows"]
    AVERAGE_SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_MIX_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    FIRST_INTERACTION_TIME_FIELD_NUMBER: _ClassVar[int]
    INTERACTIONS_FIELD_NUMBER: _ClassVar[int]
    LAST_INTERACTION_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_PURCHASE_TIME_FIELD_NUMBER: _ClassVar[int]
    OPEN_CASES_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_AMOUNTS_FIELD_NUMBER: _ClassVar[int]
    REFUNDS_FIELD_NUMBER: _ClassVar[int]
    REFUND_AMOUNTS_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_RESPONSES_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_FIELD_NUMBER: _ClassVar[int]
    average_satisfaction: float
    channel_mix: _containers.RepeatedCompositeFieldContainer[ChannelCount]
    complaints: int
    customer: str
    first_interaction_time: _timestamp_pb2.Timestamp
    interactions: int
    last_interaction_time: _timestamp_pb2.Timestamp
    last_purchase_time: _timestamp_pb2.Timestamp
    open_cases: int
    purchase_amounts: _containers.RepeatedCompositeFieldContainer[_money_pb2.Money]
    purchases: int
    refund_amounts: _containers.RepeatedCompositeFieldContainer[_money_pb2.Money]
    refunds: int
    satisfaction_responses: int
    windows: _containers.RepeatedCompositeFieldContainer[ActivityWindow]
    def __init__(self, customer: _Optional[str] = ..., interactions: _Optional[int] = ..., first_interaction_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., last_interaction_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., last_purchase_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., purchases: _Optional[int] = ..., purchase_amounts: _Optional[_Iterable[_Union[_money_pb2.Money, _Mapping]]] = ..., refunds: _Optional[int] = ..., refund_amounts: _Optional[_Iterable[_Union[_money_pb2.Money, _Mapping]]] = ..., windows: _Optional[_Iterable[_Union[ActivityWindow, _Mapping]]] = ..., complaints: _Optional[int] = ..., open_cases: _Optional[int] = ..., average_satisfaction: _Optional[float] = ..., satisfaction_responses: _Optional[int] = ..., channel_mix: _Optional[_Iterable[_Union[ChannelCount, _Mapping]]] = ...) -> None: ...
