from buf.validate import validate_pb2 as _validate_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
REFUND_POLICY_DEBT: RefundPolicy
REFUND_POLICY_FORGIVE: RefundPolicy
REFUND_POLICY_UNSPECIFIED: RefundPolicy
TIER_BASIS_POINTS: TierBasis
TIER_BASIS_SPEND: TierBasis
TIER_BASIS_UNSPECIFIED: TierBasis

class ConsentFacts(_message.Message):
    __slots__ = ["channel", "granted", "purpose"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    channel: str
    granted: bool
    purpose: str
    def __init__(self, purpose: _Optional[str] = ..., channel: _Optional[str] = ..., granted: bool = ...) -> None: ...

class CustomerFacts(_message.Message):
    __slots__ = ["birth_month", "birthday_month", "consents", "first_purchase", "lifetime_earned", "purchases", "qualifying_points", "tier"]
    BIRTHDAY_MONTH_FIELD_NUMBER: _ClassVar[int]
    BIRTH_MONTH_FIELD_NUMBER: _ClassVar[int]
    CONSENTS_FIELD_NUMBER: _ClassVar[int]
    FIRST_PURCHASE_FIELD_NUMBER: _ClassVar[int]
    LIFETIME_EARNED_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_FIELD_NUMBER: _ClassVar[int]
    QUALIFYING_POINTS_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    birth_month: int
    birthday_month: bool
    consents: _containers.RepeatedCompositeFieldContainer[ConsentFacts]
    first_purchase: bool
    lifetime_earned: int
    purchases: int
    qualifying_points: int
    tier: str
    def __init__(self, tier: _Optional[str] = ..., first_purchase: bool = ..., purchases: _Optional[int] = ..., qualifying_points: _Optional[int] = ..., lifetime_earned: _Optional[int] = ..., birth_month: _Optional[int] = ..., birthday_month: bool = ..., consents: _Optional[_Iterable[_Union[ConsentFacts, _Mapping]]] = ...) -> None: ...

class EarningFacts(_message.Message):
    __slots__ = ["base", "customer", "purchase"]
    BASE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_FIELD_NUMBER: _ClassVar[int]
    base: float
    customer: CustomerFacts
    purchase: PurchaseFacts
    def __init__(self, purchase: _Optional[_Union[PurchaseFacts, _Mapping]] = ..., customer: _Optional[_Union[CustomerFacts, _Mapping]] = ..., base: _Optional[float] = ...) -> None: ...

class EarningRule(_message.Message):
    __slots__ = ["condition", "description", "id", "points"]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    condition: str
    description: str
    id: str
    points: str
    def __init__(self, id: _Optional[str] = ..., description: _Optional[str] = ..., condition: _Optional[str] = ..., points: _Optional[str] = ...) -> None: ...

class Program(_message.Message):
    __slots__ = ["auto_enrol", "create_time", "currency_code", "display_name", "earning_rules", "etag", "id", "max_points_per_purchase", "name", "pending_days", "points_per_unit", "points_validity_months", "qualifying_period_months", "refund_policy", "tier_basis", "tiers", "update_time"]
    AUTO_ENROL_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EARNING_RULES_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MAX_POINTS_PER_PURCHASE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PENDING_DAYS_FIELD_NUMBER: _ClassVar[int]
    POINTS_PER_UNIT_FIELD_NUMBER: _ClassVar[int]
    POINTS_VALIDITY_MONTHS_FIELD_NUMBER: _ClassVar[int]
    QUALIFYING_PERIOD_MONTHS_FIELD_NUMBER: _ClassVar[int]
    REFUND_POLICY_FIELD_NUMBER: _ClassVar[int]
    TIERS_FIELD_NUMBER: _ClassVar[int]
    TIER_BASIS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    auto_enrol: bool
    create_time: _timestamp_pb2.Timestamp
    currency_code: str
    display_name: str
    earning_rules: _containers.RepeatedCompositeFieldContainer[EarningRule]
    etag: str
    id: str
    max_points_per_purchase: int
    name: str
    pending_days: int
    points_per_unit: float
    points_validity_months: int
    qualifying_period_months: int
    refund_policy: RefundPolicy
    tier_basis: TierBasis
    tiers: _containers.RepeatedCompositeFieldContainer[Tier]
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., display_name: _Optional[str] = ..., currency_code: _Optional[str] = ..., points_per_unit: _Optional[float] = ..., tiers: _Optional[_Iterable[_Union[Tier, _Mapping]]] = ..., earning_rules: _Optional[_Iterable[_Union[EarningRule, _Mapping]]] = ..., max_points_per_purchase: _Optional[int] = ..., points_validity_months: _Optional[int] = ..., pending_days: _Optional[int] = ..., qualifying_period_months: _Optional[int] = ..., auto_enrol: bool = ..., refund_policy: _Optional[_Union[RefundPolicy, str]] = ..., tier_basis: _Optional[_Union[TierBasis, str]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class PurchaseFacts(_message.Message):
    __slots__ = ["amount", "channel", "currency", "item_count", "order_id", "skus", "tags"]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ITEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SKUS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    amount: float
    channel: str
    currency: str
    item_count: int
    order_id: str
    skus: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, amount: _Optional[float] = ..., currency: _Optional[str] = ..., channel: _Optional[str] = ..., order_id: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., skus: _Optional[_Iterable[str]] = ..., item_count: _Optional[int] = ...) -> None: ...

class Tier(_message.Message):
    __slots__ = ["display_name", "id", "min_qualifying_points", "min_qualifying_spend", "multiplier"]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MIN_QUALIFYING_POINTS_FIELD_NUMBER: _ClassVar[int]
    MIN_QUALIFYING_SPEND_FIELD_NUMBER: _ClassVar[int]
    MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    display_name: str
    id: str
    min_qualifying_points: int
    min_qualifying_spend: int
    multiplier: float
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ..., min_qualifying_points: _Optional[int] = ..., min_qualifying_spend: _Optional[int] = ..., multiplier: _Optional[float] = ...) -> None: ...

class TierBasis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class RefundPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
