from buf.validate import validate_pb2 as _validate_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConsentFacts(_message.Message):
    __slots__ = ["channel", "granted", "purpose"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    channel: str
    granted: bool
    purpose: str
    def __init__(self, purpose: _Optional[str] = ..., channel: _Optional[str] = ..., granted: bool = ...) -> None: ...

class MetricFacts(_message.Message):
    __slots__ = ["amount", "amount_90d", "channels", "complaints", "complaints_90d", "complaints_open", "days_since_first_purchase", "days_since_last_interaction", "days_since_last_purchase", "interactions", "mean_gap_days", "purchases", "purchases_90d", "refund_amount", "refunds", "satisfaction", "satisfaction_count", "top_channel", "window_amount", "window_purchases"]
    class ChannelsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    AMOUNT_90D_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_90D_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_OPEN_FIELD_NUMBER: _ClassVar[int]
    DAYS_SINCE_FIRST_PURCHASE_FIELD_NUMBER: _ClassVar[int]
    DAYS_SINCE_LAST_INTERACTION_FIELD_NUMBER: _ClassVar[int]
    DAYS_SINCE_LAST_PURCHASE_FIELD_NUMBER: _ClassVar[int]
    INTERACTIONS_FIELD_NUMBER: _ClassVar[int]
    MEAN_GAP_DAYS_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_90D_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_FIELD_NUMBER: _ClassVar[int]
    REFUNDS_FIELD_NUMBER: _ClassVar[int]
    REFUND_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    TOP_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    WINDOW_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    WINDOW_PURCHASES_FIELD_NUMBER: _ClassVar[int]
    amount: float
    amount_90d: float
    channels: _containers.ScalarMap[str, int]
    complaints: int
    complaints_90d: int
    complaints_open: int
    days_since_first_purchase: float
    days_since_last_interaction: float
    days_since_last_purchase: float
    interactions: int
    mean_gap_days: float
    purchases: int
    purchases_90d: int
    refund_amount: float
    refunds: int
    satisfaction: float
    satisfaction_count: int
    top_channel: str
    window_amount: float
    window_purchases: int
    def __init__(self, purchases: _Optional[int] = ..., amount: _Optional[float] = ..., window_purchases: _Optional[int] = ..., window_amount: _Optional[float] = ..., purchases_90d: _Optional[int] = ..., amount_90d: _Optional[float] = ..., refunds: _Optional[int] = ..., refund_amount: _Optional[float] = ..., days_since_last_purchase: _Optional[float] = ..., days_since_first_purchase: _Optional[float] = ..., mean_gap_days: _Optional[float] = ..., complaints_open: _Optional[int] = ..., complaints_90d: _Optional[int] = ..., complaints: _Optional[int] = ..., satisfaction: _Optional[float] = ..., satisfaction_count: _Optional[int] = ..., days_since_last_interaction: _Optional[float] = ..., channels: _Optional[_Mapping[str, int]] = ..., top_channel: _Optional[str] = ..., interactions: _Optional[int] = ...) -> None: ...

class ProfileFacts(_message.Message):
    __slots__ = ["age", "attributes", "birth_month", "birth_year", "consents", "country", "days_since_created", "gender", "lifecycle_stage", "region", "tags"]
    class AttributesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    AGE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    BIRTH_MONTH_FIELD_NUMBER: _ClassVar[int]
    BIRTH_YEAR_FIELD_NUMBER: _ClassVar[int]
    CONSENTS_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    DAYS_SINCE_CREATED_FIELD_NUMBER: _ClassVar[int]
    GENDER_FIELD_NUMBER: _ClassVar[int]
    LIFECYCLE_STAGE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    age: int
    attributes: _containers.ScalarMap[str, str]
    birth_month: int
    birth_year: int
    consents: _containers.RepeatedCompositeFieldContainer[ConsentFacts]
    country: str
    days_since_created: int
    gender: str
    lifecycle_stage: str
    region: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, country: _Optional[str] = ..., region: _Optional[str] = ..., lifecycle_stage: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., attributes: _Optional[_Mapping[str, str]] = ..., birth_year: _Optional[int] = ..., birth_month: _Optional[int] = ..., age: _Optional[int] = ..., days_since_created: _Optional[int] = ..., gender: _Optional[str] = ..., consents: _Optional[_Iterable[_Union[ConsentFacts, _Mapping]]] = ...) -> None: ...

class ScoreFacts(_message.Message):
    __slots__ = ["abc_class", "churn_reasons", "churn_warning", "clv", "clv_method", "expected_purchases", "fm", "frequency", "lifecycle_stage", "monetary", "p_alive", "pyramid_band", "recency", "rfm_segment", "trend", "value_class"]
    ABC_CLASS_FIELD_NUMBER: _ClassVar[int]
    CHURN_REASONS_FIELD_NUMBER: _ClassVar[int]
    CHURN_WARNING_FIELD_NUMBER: _ClassVar[int]
    CLV_FIELD_NUMBER: _ClassVar[int]
    CLV_METHOD_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_PURCHASES_FIELD_NUMBER: _ClassVar[int]
    FM_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    LIFECYCLE_STAGE_FIELD_NUMBER: _ClassVar[int]
    MONETARY_FIELD_NUMBER: _ClassVar[int]
    PYRAMID_BAND_FIELD_NUMBER: _ClassVar[int]
    P_ALIVE_FIELD_NUMBER: _ClassVar[int]
    RECENCY_FIELD_NUMBER: _ClassVar[int]
    RFM_SEGMENT_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    VALUE_CLASS_FIELD_NUMBER: _ClassVar[int]
    abc_class: str
    churn_reasons: _containers.RepeatedScalarFieldContainer[str]
    churn_warning: bool
    clv: float
    clv_method: str
    expected_purchases: float
    fm: int
    frequency: int
    lifecycle_stage: str
    monetary: int
    p_alive: float
    pyramid_band: str
    recency: int
    rfm_segment: str
    trend: str
    value_class: str
    def __init__(self, recency: _Optional[int] = ..., frequency: _Optional[int] = ..., monetary: _Optional[int] = ..., fm: _Optional[int] = ..., rfm_segment: _Optional[str] = ..., trend: _Optional[str] = ..., value_class: _Optional[str] = ..., pyramid_band: _Optional[str] = ..., abc_class: _Optional[str] = ..., lifecycle_stage: _Optional[str] = ..., churn_warning: bool = ..., churn_reasons: _Optional[_Iterable[str]] = ..., p_alive: _Optional[float] = ..., expected_purchases: _Optional[float] = ..., clv: _Optional[float] = ..., clv_method: _Optional[str] = ...) -> None: ...

class Segment(_message.Message):
    __slots__ = ["create_time", "description", "display_name", "etag", "evaluated", "id", "member_count", "name", "rule", "update_time"]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    EVALUATED_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_COUNT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    create_time: _timestamp_pb2.Timestamp
    description: str
    display_name: str
    etag: str
    evaluated: bool
    id: str
    member_count: int
    name: str
    rule: str
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., rule: _Optional[str] = ..., member_count: _Optional[int] = ..., evaluated: bool = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class SegmentFacts(_message.Message):
    __slots__ = ["metrics", "profile", "scores"]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    metrics: MetricFacts
    profile: ProfileFacts
    scores: ScoreFacts
    def __init__(self, profile: _Optional[_Union[ProfileFacts, _Mapping]] = ..., metrics: _Optional[_Union[MetricFacts, _Mapping]] = ..., scores: _Optional[_Union[ScoreFacts, _Mapping]] = ...) -> None: ...
