from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChurnSettings(_message.Message):
    __slots__ = ["falling_share", "min_alive", "overdue_factor"]
    FALLING_SHARE_FIELD_NUMBER: _ClassVar[int]
    MIN_ALIVE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FACTOR_FIELD_NUMBER: _ClassVar[int]
    falling_share: float
    min_alive: float
    overdue_factor: float
    def __init__(self, overdue_factor: _Optional[float] = ..., min_alive: _Optional[float] = ..., falling_share: _Optional[float] = ...) -> None: ...

class ClvSettings(_message.Message):
    __slots__ = ["annual_cost", "discount_rate", "fit_sample", "horizon_years", "margin_rate"]
    ANNUAL_COST_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_RATE_FIELD_NUMBER: _ClassVar[int]
    FIT_SAMPLE_FIELD_NUMBER: _ClassVar[int]
    HORIZON_YEARS_FIELD_NUMBER: _ClassVar[int]
    MARGIN_RATE_FIELD_NUMBER: _ClassVar[int]
    annual_cost: float
    discount_rate: float
    fit_sample: int
    horizon_years: int
    margin_rate: float
    def __init__(self, margin_rate: _Optional[float] = ..., discount_rate: _Optional[float] = ..., horizon_years: _Optional[int] = ..., annual_cost: _Optional[float] = ..., fit_sample: _Optional[int] = ...) -> None: ...

class PyramidBand(_message.Message):
    __slots__ = ["limit", "name"]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    limit: float
    name: str
    def __init__(self, name: _Optional[str] = ..., limit: _Optional[float] = ...) -> None: ...

class PyramidSettings(_message.Message):
    __slots__ = ["absolute", "bands"]
    ABSOLUTE_FIELD_NUMBER: _ClassVar[int]
    BANDS_FIELD_NUMBER: _ClassVar[int]
    absolute: bool
    bands: _containers.RepeatedCompositeFieldContainer[PyramidBand]
    def __init__(self, absolute: bool = ..., bands: _Optional[_Iterable[_Union[PyramidBand, _Mapping]]] = ...) -> None: ...

class RfmSegmentRule(_message.Message):
    __slots__ = ["fm_max", "fm_min", "name", "recency_max", "recency_min"]
    FM_MAX_FIELD_NUMBER: _ClassVar[int]
    FM_MIN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RECENCY_MAX_FIELD_NUMBER: _ClassVar[int]
    RECENCY_MIN_FIELD_NUMBER: _ClassVar[int]
    fm_max: int
    fm_min: int
    name: str
    recency_max: int
    recency_min: int
    def __init__(self, name: _Optional[str] = ..., recency_min: _Optional[int] = ..., recency_max: _Optional[int] = ..., fm_min: _Optional[int] = ..., fm_max: _Optional[int] = ...) -> None: ...

class Settings(_message.Message):
    __slots__ = ["abc_a_share", "abc_b_share", "churn", "clv", "currency_code", "etag", "name", "pyramid", "recompute_interval_minutes", "segment_map", "stage", "trend_change", "update_time", "value_matrix", "window_days"]
    ABC_A_SHARE_FIELD_NUMBER: _ClassVar[int]
    ABC_B_SHARE_FIELD_NUMBER: _ClassVar[int]
    CHURN_FIELD_NUMBER: _ClassVar[int]
    CLV_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PYRAMID_FIELD_NUMBER: _ClassVar[int]
    RECOMPUTE_INTERVAL_MINUTES_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_MAP_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    TREND_CHANGE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    VALUE_MATRIX_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    abc_a_share: float
    abc_b_share: float
    churn: ChurnSettings
    clv: ClvSettings
    currency_code: str
    etag: str
    name: str
    pyramid: PyramidSettings
    recompute_interval_minutes: int
    segment_map: _containers.RepeatedCompositeFieldContainer[RfmSegmentRule]
    stage: StageSettings
    trend_change: float
    update_time: _timestamp_pb2.Timestamp
    value_matrix: ValueMatrixSettings
    window_days: int
    def __init__(self, name: _Optional[str] = ..., window_days: _Optional[int] = ..., segment_map: _Optional[_Iterable[_Union[RfmSegmentRule, _Mapping]]] = ..., trend_change: _Optional[float] = ..., value_matrix: _Optional[_Union[ValueMatrixSettings, _Mapping]] = ..., pyramid: _Optional[_Union[PyramidSettings, _Mapping]] = ..., abc_a_share: _Optional[float] = ..., abc_b_share: _Optional[float] = ..., stage: _Optional[_Union[StageSettings, _Mapping]] = ..., churn: _Optional[_Union[ChurnSettings, _Mapping]] = ..., clv: _Optional[_Union[ClvSettings, _Mapping]] = ..., recompute_interval_minutes: _Optional[int] = ..., currency_code: _Optional[str] = ..., etag: _Optional[str] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StageSettings(_message.Message):
    __slots__ = ["churned_days", "exploration_days", "stability_days"]
    CHURNED_DAYS_FIELD_NUMBER: _ClassVar[int]
    EXPLORATION_DAYS_FIELD_NUMBER: _ClassVar[int]
    STABILITY_DAYS_FIELD_NUMBER: _ClassVar[int]
    churned_days: int
    exploration_days: int
    stability_days: int
    def __init__(self, exploration_days: _Optional[int] = ..., stability_days: _Optional[int] = ..., churned_days: _Optional[int] = ...) -> None: ...

class ValueMatrixSettings(_message.Message):
    __slots__ = ["absolute", "loyalty_threshold", "value_threshold"]
    ABSOLUTE_FIELD_NUMBER: _ClassVar[int]
    LOYALTY_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    VALUE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    absolute: bool
    loyalty_threshold: float
    value_threshold: float
    def __init__(self, absolute: bool = ..., value_threshold: _Optional[float] = ..., loyalty_threshold: _Optional[float] = ...) -> None: ...
