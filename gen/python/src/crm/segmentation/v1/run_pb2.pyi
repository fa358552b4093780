from crm.type.v1 import money_pb2 as _money_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
RUN_STATE_FAILED: RunState
RUN_STATE_RUNNING: RunState
RUN_STATE_SUCCEEDED: RunState
RUN_STATE_UNSPECIFIED: RunState
RUN_TRIGGER_MANUAL: RunTrigger
RUN_TRIGGER_SCHEDULED: RunTrigger
RUN_TRIGGER_SEGMENTS_CHANGED: RunTrigger
RUN_TRIGGER_UNSPECIFIED: RunTrigger

class BandCount(_message.Message):
    __slots__ = ["band", "count"]
    BAND_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    band: str
    count: int
    def __init__(self, band: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class ModelFit(_message.Message):
    __slots__ = ["a", "alpha", "b", "gamma", "log_likelihood", "ok", "p", "q", "r", "reason", "sample"]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    A_FIELD_NUMBER: _ClassVar[int]
    B_FIELD_NUMBER: _ClassVar[int]
    GAMMA_FIELD_NUMBER: _ClassVar[int]
    LOG_LIKELIHOOD_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    P_FIELD_NUMBER: _ClassVar[int]
    Q_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    R_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_FIELD_NUMBER: _ClassVar[int]
    a: float
    alpha: float
    b: float
    gamma: float
    log_likelihood: float
    ok: bool
    p: float
    q: float
    r: float
    reason: str
    sample: int
    def __init__(self, ok: bool = ..., reason: _Optional[str] = ..., r: _Optional[float] = ..., alpha: _Optional[float] = ..., a: _Optional[float] = ..., b: _Optional[float] = ..., p: _Optional[float] = ..., q: _Optional[float] = ..., gamma: _Optional[float] = ..., log_likelihood: _Optional[float] = ..., sample: _Optional[int] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ["abc", "churn_warnings", "customer_equity", "customers", "pareto", "prospects", "pyramid", "rfm_grid", "rfm_segments", "run", "segment_sizes", "stages", "time", "trends", "value_matrix"]
    class AbcEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class RfmSegmentsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class SegmentSizesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class StagesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class TrendsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class ValueMatrixEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    ABC_FIELD_NUMBER: _ClassVar[int]
    CHURN_WARNINGS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_EQUITY_FIELD_NUMBER: _ClassVar[int]
    PARETO_FIELD_NUMBER: _ClassVar[int]
    PROSPECTS_FIELD_NUMBER: _ClassVar[int]
    PYRAMID_FIELD_NUMBER: _ClassVar[int]
    RFM_GRID_FIELD_NUMBER: _ClassVar[int]
    RFM_SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_SIZES_FIELD_NUMBER: _ClassVar[int]
    STAGES_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    TRENDS_FIELD_NUMBER: _ClassVar[int]
    VALUE_MATRIX_FIELD_NUMBER: _ClassVar[int]
    abc: _containers.ScalarMap[str, int]
    churn_warnings: int
    customer_equity: _money_pb2.Money
    customers: int
    pareto: _containers.RepeatedScalarFieldContainer[float]
    prospects: int
    pyramid: _containers.RepeatedCompositeFieldContainer[BandCount]
    rfm_grid: _containers.RepeatedCompositeFieldContainer[RfmCell]
    rfm_segments: _containers.ScalarMap[str, int]
    run: str
    segment_sizes: _containers.ScalarMap[str, int]
    stages: _containers.ScalarMap[str, int]
    time: _timestamp_pb2.Timestamp
    trends: _containers.ScalarMap[str, int]
    value_matrix: _containers.ScalarMap[str, int]
    def __init__(self, run: _Optional[str] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., customers: _Optional[int] = ..., prospects: _Optional[int] = ..., rfm_grid: _Optional[_Iterable[_Union[RfmCell, _Mapping]]] = ..., rfm_segments: _Optional[_Mapping[str, int]] = ..., value_matrix: _Optional[_Mapping[str, int]] = ..., pyramid: _Optional[_Iterable[_Union[BandCount, _Mapping]]] = ..., pareto: _Optional[_Iterable[float]] = ..., abc: _Optional[_Mapping[str, int]] = ..., stages: _Optional[_Mapping[str, int]] = ..., churn_warnings: _Optional[int] = ..., trends: _Optional[_Mapping[str, int]] = ..., customer_equity: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., segment_sizes: _Optional[_Mapping[str, int]] = ...) -> None: ...

class RfmCell(_message.Message):
    __slots__ = ["count", "fm", "recency", "segment"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    FM_FIELD_NUMBER: _ClassVar[int]
    RECENCY_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    count: int
    fm: int
    recency: int
    segment: str
    def __init__(self, recency: _Optional[int] = ..., fm: _Optional[int] = ..., count: _Optional[int] = ..., segment: _Optional[str] = ...) -> None: ...

class Run(_message.Message):
    __slots__ = ["compute_seconds", "database_seconds", "end_time", "error", "fit", "id", "membership_changes", "name", "processed", "segment_sizes", "start_time", "state", "total", "trigger"]
    class SegmentSizesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    COMPUTE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DATABASE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    FIT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MEMBERSHIP_CHANGES_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_SIZES_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    compute_seconds: float
    database_seconds: float
    end_time: _timestamp_pb2.Timestamp
    error: str
    fit: ModelFit
    id: str
    membership_changes: int
    name: str
    processed: int
    segment_sizes: _containers.ScalarMap[str, int]
    start_time: _timestamp_pb2.Timestamp
    state: RunState
    total: int
    trigger: RunTrigger
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., state: _Optional[_Union[RunState, str]] = ..., trigger: _Optional[_Union[RunTrigger, str]] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., processed: _Optional[int] = ..., total: _Optional[int] = ..., error: _Optional[str] = ..., fit: _Optional[_Union[ModelFit, _Mapping]] = ..., database_seconds: _Optional[float] = ..., compute_seconds: _Optional[float] = ..., segment_sizes: _Optional[_Mapping[str, int]] = ..., membership_changes: _Optional[int] = ...) -> None: ...

class RunState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class RunTrigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
