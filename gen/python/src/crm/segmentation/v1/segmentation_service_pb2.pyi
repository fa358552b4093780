from buf.validate import validate_pb2 as _validate_pb2
from crm.auth.v1 import auth_pb2 as _auth_pb2
from crm.feed.v1 import feed_pb2 as _feed_pb2
from crm.segmentation.v1 import run_pb2 as _run_pb2
from crm.segmentation.v1 import segment_pb2 as _segment_pb2
from crm.segmentation.v1 import settings_pb2 as _settings_pb2
from crm.type.v1 import money_pb2 as _money_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateSegmentRequest(_message.Message):
    __slots__ = ["segment"]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    segment: _segment_pb2.Segment
    def __init__(self, segment: _Optional[_Union[_segment_pb2.Segment, _Mapping]] = ...) -> None: ...

class CreateSegmentResponse(_message.Message):
    __slots__ = ["run", "segment"]
    RUN_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    run: str
    segment: _segment_pb2.Segment
    def __init__(self, segment: _Optional[_Union[_segment_pb2.Segment, _Mapping]] = ..., run: _Optional[str] = ...) -> None: ...

class DeleteSegmentRequest(_message.Message):
    __slots__ = ["etag", "name"]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    etag: str
    name: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class DeleteSegmentResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ExportCustomerRequest(_message.Message):
    __slots__ = ["customers"]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customers: _Optional[_Iterable[str]] = ...) -> None: ...

class ExportCustomerResponse(_message.Message):
    __slots__ = ["customers"]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[GetCustomerSegmentsResponse]
    def __init__(self, customers: _Optional[_Iterable[_Union[GetCustomerSegmentsResponse, _Mapping]]] = ...) -> None: ...

class GetCustomerSegmentsRequest(_message.Message):
    __slots__ = ["customer"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: str
    def __init__(self, customer: _Optional[str] = ...) -> None: ...

class GetCustomerSegmentsResponse(_message.Message):
    __slots__ = ["amount", "clv", "clv_note", "customer", "facts", "run", "score_time", "segments", "window_amount"]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CLV_FIELD_NUMBER: _ClassVar[int]
    CLV_NOTE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    FACTS_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    SCORE_TIME_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    amount: _money_pb2.Money
    clv: _money_pb2.Money
    clv_note: str
    customer: str
    facts: _segment_pb2.SegmentFacts
    run: str
    score_time: _timestamp_pb2.Timestamp
    segments: _containers.RepeatedCompositeFieldContainer[SegmentMatch]
    window_amount: _money_pb2.Money
    def __init__(self, customer: _Optional[str] = ..., facts: _Optional[_Union[_segment_pb2.SegmentFacts, _Mapping]] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., window_amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., clv: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., clv_note: _Optional[str] = ..., segments: _Optional[_Iterable[_Union[SegmentMatch, _Mapping]]] = ..., run: _Optional[str] = ..., score_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetReportRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetReportResponse(_message.Message):
    __slots__ = ["report"]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report: _run_pb2.Report
    def __init__(self, report: _Optional[_Union[_run_pb2.Report, _Mapping]] = ...) -> None: ...

class GetRunRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetRunResponse(_message.Message):
    __slots__ = ["run"]
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: _run_pb2.Run
    def __init__(self, run: _Optional[_Union[_run_pb2.Run, _Mapping]] = ...) -> None: ...

class GetSegmentRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetSegmentResponse(_message.Message):
    __slots__ = ["segment"]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    segment: _segment_pb2.Segment
    def __init__(self, segment: _Optional[_Union[_segment_pb2.Segment, _Mapping]] = ...) -> None: ...

class GetSettingsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetSettingsResponse(_message.Message):
    __slots__ = ["settings"]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: _settings_pb2.Settings
    def __init__(self, settings: _Optional[_Union[_settings_pb2.Settings, _Mapping]] = ...) -> None: ...

class ListRunsRequest(_message.Message):
    __slots__ = ["page_size", "page_token"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRunsResponse(_message.Message):
    __slots__ = ["next_page_token", "runs"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RUNS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    runs: _containers.RepeatedCompositeFieldContainer[_run_pb2.Run]
    def __init__(self, runs: _Optional[_Iterable[_Union[_run_pb2.Run, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListSegmentMembersRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "segment"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    segment: str
    def __init__(self, segment: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSegmentMembersResponse(_message.Message):
    __slots__ = ["customers", "next_page_token"]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedScalarFieldContainer[str]
    next_page_token: str
    def __init__(self, customers: _Optional[_Iterable[str]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListSegmentSizesRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "segment"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    segment: str
    def __init__(self, segment: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSegmentSizesResponse(_message.Message):
    __slots__ = ["next_page_token", "sizes"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SIZES_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    sizes: _containers.RepeatedCompositeFieldContainer[SegmentSize]
    def __init__(self, sizes: _Optional[_Iterable[_Union[SegmentSize, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListSegmentsRequest(_message.Message):
    __slots__ = ["page_size", "page_token"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSegmentsResponse(_message.Message):
    __slots__ = ["next_page_token", "segments"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    segments: _containers.RepeatedCompositeFieldContainer[_segment_pb2.Segment]
    def __init__(self, segments: _Optional[_Iterable[_Union[_segment_pb2.Segment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class PreviewSegmentRequest(_message.Message):
    __slots__ = ["rule", "sample_size"]
    RULE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_SIZE_FIELD_NUMBER: _ClassVar[int]
    rule: str
    sample_size: int
    def __init__(self, rule: _Optional[str] = ..., sample_size: _Optional[int] = ...) -> None: ...

class PreviewSegmentResponse(_message.Message):
    __slots__ = ["customers", "errors", "first_error", "member_count", "sample"]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    FIRST_ERROR_FIELD_NUMBER: _ClassVar[int]
    MEMBER_COUNT_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_FIELD_NUMBER: _ClassVar[int]
    customers: int
    errors: int
    first_error: str
    member_count: int
    sample: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, member_count: _Optional[int] = ..., customers: _Optional[int] = ..., sample: _Optional[_Iterable[str]] = ..., errors: _Optional[int] = ..., first_error: _Optional[str] = ...) -> None: ...

class SegmentMatch(_message.Message):
    __slots__ = ["display_name", "error", "member", "segment", "values"]
    class ValuesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    display_name: str
    error: str
    member: bool
    segment: str
    values: _containers.ScalarMap[str, str]
    def __init__(self, segment: _Optional[str] = ..., display_name: _Optional[str] = ..., member: bool = ..., values: _Optional[_Mapping[str, str]] = ..., error: _Optional[str] = ...) -> None: ...

class SegmentSize(_message.Message):
    __slots__ = ["count", "run", "time"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    count: int
    run: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, run: _Optional[str] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., count: _Optional[int] = ...) -> None: ...

class StartRecomputeRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class StartRecomputeResponse(_message.Message):
    __slots__ = ["run"]
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: _run_pb2.Run
    def __init__(self, run: _Optional[_Union[_run_pb2.Run, _Mapping]] = ...) -> None: ...

class UpdateSegmentRequest(_message.Message):
    __slots__ = ["segment", "update_mask"]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    segment: _segment_pb2.Segment
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, segment: _Optional[_Union[_segment_pb2.Segment, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateSegmentResponse(_message.Message):
    __slots__ = ["segment"]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    segment: _segment_pb2.Segment
    def __init__(self, segment: _Optional[_Union[_segment_pb2.Segment, _Mapping]] = ...) -> None: ...

class UpdateSettingsRequest(_message.Message):
    __slots__ = ["settings", "update_mask"]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    settings: _settings_pb2.Settings
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, settings: _Optional[_Union[_settings_pb2.Settings, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateSettingsResponse(_message.Message):
    __slots__ = ["settings"]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: _settings_pb2.Settings
    def __init__(self, settings: _Optional[_Union[_settings_pb2.Settings, _Mapping]] = ...) -> None: ...

class WatchRunRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class WatchRunResponse(_message.Message):
    __slots__ = ["run"]
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: _run_pb2.Run
    def __init__(self, run: _Optional[_Union[_run_pb2.Run, _Mapping]] = ...) -> None: ...

class WatchSegmentationEventsRequest(_message.Message):
    __slots__ = ["after_sequence"]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    def __init__(self, after_sequence: _Optional[int] = ...) -> None: ...

class WatchSegmentationEventsResponse(_message.Message):
    __slots__ = ["event"]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _feed_pb2.Event
    def __init__(self, event: _Optional[_Union[_feed_pb2.Event, _Mapping]] = ...) -> None: ...
