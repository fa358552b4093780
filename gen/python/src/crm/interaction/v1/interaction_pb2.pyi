from buf.validate import validate_pb2 as _validate_pb2
from crm.interaction.v1 import case_pb2 as _case_pb2
from crm.type.v1 import money_pb2 as _money_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CHANNEL_CHAT: Channel
CHANNEL_EMAIL: Channel
CHANNEL_FEEDBACK_FORM: Channel
CHANNEL_MEETING: Channel
CHANNEL_PHONE: Channel
CHANNEL_POSTAL_MAIL: Channel
CHANNEL_SERVICE_CENTRE: Channel
CHANNEL_SMS: Channel
CHANNEL_SOCIAL: Channel
CHANNEL_SURVEY: Channel
CHANNEL_UNSPECIFIED: Channel
CHANNEL_WEB: Channel
DESCRIPTOR: _descriptor.FileDescriptor
DIRECTION_INBOUND: Direction
DIRECTION_OUTBOUND: Direction
DIRECTION_UNSPECIFIED: Direction
INTERACTION_KIND_CARE_CALL: InteractionKind
INTERACTION_KIND_COMPLAINT: InteractionKind
INTERACTION_KIND_FEEDBACK: InteractionKind
INTERACTION_KIND_INQUIRY: InteractionKind
INTERACTION_KIND_MARKETING_TOUCH: InteractionKind
INTERACTION_KIND_PURCHASE: InteractionKind
INTERACTION_KIND_REFUND: InteractionKind
INTERACTION_KIND_SUPPORT: InteractionKind
INTERACTION_KIND_UNSPECIFIED: InteractionKind
INTERACTION_KIND_VISIT: InteractionKind

class Complaint(_message.Message):
    __slots__ = ["assignee", "priority"]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    assignee: str
    priority: _case_pb2.CasePriority
    def __init__(self, priority: _Optional[_Union[_case_pb2.CasePriority, str]] = ..., assignee: _Optional[str] = ...) -> None: ...

class Interaction(_message.Message):
    __slots__ = ["agent", "case", "channel", "channel_app", "complaint", "customer", "direction", "etag", "external_id", "id", "kind", "name", "occur_time", "outcome", "purchase", "record_time", "refund", "satisfaction", "source_system", "subject", "summary", "tags", "update_time"]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_APP_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    COMPLAINT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_FIELD_NUMBER: _ClassVar[int]
    RECORD_TIME_FIELD_NUMBER: _ClassVar[int]
    REFUND_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    agent: str
    case: str
    channel: Channel
    channel_app: str
    complaint: Complaint
    customer: str
    direction: Direction
    etag: str
    external_id: str
    id: str
    kind: InteractionKind
    name: str
    occur_time: _timestamp_pb2.Timestamp
    outcome: str
    purchase: Purchase
    record_time: _timestamp_pb2.Timestamp
    refund: Refund
    satisfaction: Satisfaction
    source_system: str
    subject: str
    summary: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., customer: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., channel_app: _Optional[str] = ..., direction: _Optional[_Union[Direction, str]] = ..., kind: _Optional[_Union[InteractionKind, str]] = ..., occur_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., record_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., agent: _Optional[str] = ..., subject: _Optional[str] = ..., summary: _Optional[str] = ..., outcome: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., purchase: _Optional[_Union[Purchase, _Mapping]] = ..., refund: _Optional[_Union[Refund, _Mapping]] = ..., satisfaction: _Optional[_Union[Satisfaction, _Mapping]] = ..., source_system: _Optional[str] = ..., external_id: _Optional[str] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., complaint: _Optional[_Union[Complaint, _Mapping]] = ..., case: _Optional[str] = ...) -> None: ...

class LineItem(_message.Message):
    __slots__ = ["name", "quantity", "sku", "unit_price"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    name: str
    quantity: int
    sku: str
    unit_price: _money_pb2.Money
    def __init__(self, sku: _Optional[str] = ..., name: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class Purchase(_message.Message):
    __slots__ = ["amount", "items", "order_id"]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    amount: _money_pb2.Money
    items: _containers.RepeatedCompositeFieldContainer[LineItem]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., items: _Optional[_Iterable[_Union[LineItem, _Mapping]]] = ...) -> None: ...

class Refund(_message.Message):
    __slots__ = ["amount", "purchase", "reason"]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    amount: _money_pb2.Money
    purchase: str
    reason: str
    def __init__(self, purchase: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class Satisfaction(_message.Message):
    __slots__ = ["difference", "expectation", "experience", "ratio"]
    DIFFERENCE_FIELD_NUMBER: _ClassVar[int]
    EXPECTATION_FIELD_NUMBER: _ClassVar[int]
    EXPERIENCE_FIELD_NUMBER: _ClassVar[int]
    RATIO_FIELD_NUMBER: _ClassVar[int]
    difference: int
    expectation: int
    experience: int
    ratio: float
    def __init__(self, expectation: _Optional[int] = ..., experience: _Optional[int] = ..., ratio: _Optional[float] = ..., difference: _Optional[int] = ...) -> None: ...

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Direction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class InteractionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
