from buf.validate import validate_pb2 as _validate_pb2
from crm.auth.v1 import auth_pb2 as _auth_pb2
from crm.feed.v1 import feed_pb2 as _feed_pb2
from crm.interaction.v1 import activity_pb2 as _activity_pb2
from crm.interaction.v1 import case_pb2 as _case_pb2
from crm.interaction.v1 import interaction_pb2 as _interaction_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
SATISFACTION_GROUPING_ASSIGNEE: SatisfactionGrouping
SATISFACTION_GROUPING_CASE: SatisfactionGrouping
SATISFACTION_GROUPING_CHANNEL: SatisfactionGrouping
SATISFACTION_GROUPING_DAY: SatisfactionGrouping
SATISFACTION_GROUPING_MONTH: SatisfactionGrouping
SATISFACTION_GROUPING_UNSPECIFIED: SatisfactionGrouping
SATISFACTION_GROUPING_WEEK: SatisfactionGrouping

class AddFollowUpRequest(_message.Message):
    __slots__ = ["assignee", "case", "description", "due_time", "request_id"]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    assignee: str
    case: str
    description: str
    due_time: _timestamp_pb2.Timestamp
    request_id: str
    def __init__(self, case: _Optional[str] = ..., description: _Optional[str] = ..., assignee: _Optional[str] = ..., due_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class AddFollowUpResponse(_message.Message):
    __slots__ = ["case"]
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: _case_pb2.Case
    def __init__(self, case: _Optional[_Union[_case_pb2.Case, _Mapping]] = ...) -> None: ...

class BatchLogInteractionsRequest(_message.Message):
    __slots__ = ["requests"]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[LogInteractionRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[LogInteractionRequest, _Mapping]]] = ...) -> None: ...

class BatchLogInteractionsResponse(_message.Message):
    __slots__ = ["results"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ItemResult]
    def __init__(self, results: _Optional[_Iterable[_Union[ItemResult, _Mapping]]] = ...) -> None: ...

class CompleteFollowUpRequest(_message.Message):
    __slots__ = ["case", "follow_up"]
    CASE_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_FIELD_NUMBER: _ClassVar[int]
    case: str
    follow_up: str
    def __init__(self, case: _Optional[str] = ..., follow_up: _Optional[str] = ...) -> None: ...

class CompleteFollowUpResponse(_message.Message):
    __slots__ = ["case"]
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: _case_pb2.Case
    def __init__(self, case: _Optional[_Union[_case_pb2.Case, _Mapping]] = ...) -> None: ...

class ExportCustomerRequest(_message.Message):
    __slots__ = ["customers"]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customers: _Optional[_Iterable[str]] = ...) -> None: ...

class ExportCustomerResponse(_message.Message):
    __slots__ = ["cases", "interactions"]
    CASES_FIELD_NUMBER: _ClassVar[int]
    INTERACTIONS_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[_case_pb2.Case]
    interactions: _containers.RepeatedCompositeFieldContainer[_interaction_pb2.Interaction]
    def __init__(self, interactions: _Optional[_Iterable[_Union[_interaction_pb2.Interaction, _Mapping]]] = ..., cases: _Optional[_Iterable[_Union[_case_pb2.Case, _Mapping]]] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetCaseResponse(_message.Message):
    __slots__ = ["case"]
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: _case_pb2.Case
    def __init__(self, case: _Optional[_Union[_case_pb2.Case, _Mapping]] = ...) -> None: ...

class GetCaseStatisticsRequest(_message.Message):
    __slots__ = ["open_time_from", "open_time_to"]
    OPEN_TIME_FROM_FIELD_NUMBER: _ClassVar[int]
    OPEN_TIME_TO_FIELD_NUMBER: _ClassVar[int]
    open_time_from: _timestamp_pb2.Timestamp
    open_time_to: _timestamp_pb2.Timestamp
    def __init__(self, open_time_from: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., open_time_to: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetCaseStatisticsResponse(_message.Message):
    __slots__ = ["cases", "first_response_median_seconds", "first_response_p90_seconds", "resolution_median_seconds", "resolution_p90_seconds", "resolved", "resolved_within_sla", "responded"]
    CASES_FIELD_NUMBER: _ClassVar[int]
    FIRST_RESPONSE_MEDIAN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    FIRST_RESPONSE_P90_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_MEDIAN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_P90_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_WITHIN_SLA_FIELD_NUMBER: _ClassVar[int]
    RESPONDED_FIELD_NUMBER: _ClassVar[int]
    cases: int
    first_response_median_seconds: float
    first_response_p90_seconds: float
    resolution_median_seconds: float
    resolution_p90_seconds: float
    resolved: int
    resolved_within_sla: float
    responded: int
    def __init__(self, cases: _Optional[int] = ..., responded: _Optional[int] = ..., resolved: _Optional[int] = ..., first_response_median_seconds: _Optional[float] = ..., first_response_p90_seconds: _Optional[float] = ..., resolution_median_seconds: _Optional[float] = ..., resolution_p90_seconds: _Optional[float] = ..., resolved_within_sla: _Optional[float] = ...) -> None: ...

class GetCustomerActivityRequest(_message.Message):
    __slots__ = ["customer", "window_days"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    customer: str
    window_days: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, customer: _Optional[str] = ..., window_days: _Optional[_Iterable[int]] = ...) -> None: ...

class GetCustomerActivityResponse(_message.Message):
    __slots__ = ["activity"]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    activity: _activity_pb2.CustomerActivity
    def __init__(self, activity: _Optional[_Union[_activity_pb2.CustomerActivity, _Mapping]] = ...) -> None: ...

class GetInteractionRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetInteractionResponse(_message.Message):
    __slots__ = ["interaction"]
    INTERACTION_FIELD_NUMBER: _ClassVar[int]
    interaction: _interaction_pb2.Interaction
    def __init__(self, interaction: _Optional[_Union[_interaction_pb2.Interaction, _Mapping]] = ...) -> None: ...

class GetSatisfactionStatisticsRequest(_message.Message):
    __slots__ = ["group_by", "occur_time_from", "occur_time_to", "time_zone"]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FROM_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_TO_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    group_by: SatisfactionGrouping
    occur_time_from: _timestamp_pb2.Timestamp
    occur_time_to: _timestamp_pb2.Timestamp
    time_zone: str
    def __init__(self, group_by: _Optional[_Union[SatisfactionGrouping, str]] = ..., occur_time_from: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., occur_time_to: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., time_zone: _Optional[str] = ...) -> None: ...

class GetSatisfactionStatisticsResponse(_message.Message):
    __slots__ = ["groups", "total"]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[SatisfactionGroup]
    total: SatisfactionSummary
    def __init__(self, total: _Optional[_Union[SatisfactionSummary, _Mapping]] = ..., groups: _Optional[_Iterable[_Union[SatisfactionGroup, _Mapping]]] = ...) -> None: ...

class IngestInteractionsRequest(_message.Message):
    __slots__ = ["requests"]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[LogInteractionRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[LogInteractionRequest, _Mapping]]] = ...) -> None: ...

class IngestInteractionsResponse(_message.Message):
    __slots__ = ["accepted", "failed", "failures"]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    failed: int
    failures: _containers.RepeatedCompositeFieldContainer[ItemResult]
    def __init__(self, accepted: _Optional[int] = ..., failed: _Optional[int] = ..., failures: _Optional[_Iterable[_Union[ItemResult, _Mapping]]] = ...) -> None: ...

class ItemError(_message.Message):
    __slots__ = ["code", "field", "message", "reason"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    code: int
    field: str
    message: str
    reason: str
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., field: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ItemResult(_message.Message):
    __slots__ = ["error", "index", "interaction"]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    INTERACTION_FIELD_NUMBER: _ClassVar[int]
    error: ItemError
    index: int
    interaction: _interaction_pb2.Interaction
    def __init__(self, index: _Optional[int] = ..., interaction: _Optional[_Union[_interaction_pb2.Interaction, _Mapping]] = ..., error: _Optional[_Union[ItemError, _Mapping]] = ...) -> None: ...

class ListCasesRequest(_message.Message):
    __slots__ = ["assignee", "customer", "escalated", "overdue", "page_size", "page_token", "status"]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    assignee: str
    customer: str
    escalated: bool
    overdue: bool
    page_size: int
    page_token: str
    status: _case_pb2.CaseStatus
    def __init__(self, status: _Optional[_Union[_case_pb2.CaseStatus, str]] = ..., assignee: _Optional[str] = ..., overdue: bool = ..., customer: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., escalated: bool = ...) -> None: ...

class ListCasesResponse(_message.Message):
    __slots__ = ["cases", "next_page_token"]
    CASES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[_case_pb2.Case]
    next_page_token: str
    def __init__(self, cases: _Optional[_Iterable[_Union[_case_pb2.Case, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListInteractionsRequest(_message.Message):
    __slots__ = ["channel", "customer", "kind", "occur_time_from", "occur_time_to", "page_size", "page_token", "tag"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FROM_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_TO_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    channel: _interaction_pb2.Channel
    customer: str
    kind: _interaction_pb2.InteractionKind
    occur_time_from: _timestamp_pb2.Timestamp
    occur_time_to: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    tag: str
    def __init__(self, customer: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., channel: _Optional[_Union[_interaction_pb2.Channel, str]] = ..., kind: _Optional[_Union[_interaction_pb2.InteractionKind, str]] = ..., occur_time_from: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., occur_time_to: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., tag: _Optional[str] = ...) -> None: ...

class ListInteractionsResponse(_message.Message):
    __slots__ = ["interactions", "next_page_token"]
    INTERACTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    interactions: _containers.RepeatedCompositeFieldContainer[_interaction_pb2.Interaction]
    next_page_token: str
    def __init__(self, interactions: _Optional[_Iterable[_Union[_interaction_pb2.Interaction, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class LogInteractionRequest(_message.Message):
    __slots__ = ["interaction", "request_id"]
    INTERACTION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    interaction: _interaction_pb2.Interaction
    request_id: str
    def __init__(self, interaction: _Optional[_Union[_interaction_pb2.Interaction, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class LogInteractionResponse(_message.Message):
    __slots__ = ["interaction"]
    INTERACTION_FIELD_NUMBER: _ClassVar[int]
    interaction: _interaction_pb2.Interaction
    def __init__(self, interaction: _Optional[_Union[_interaction_pb2.Interaction, _Mapping]] = ...) -> None: ...

class SatisfactionGroup(_message.Message):
    __slots__ = ["assignee", "case", "channel", "period_start", "summary"]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    CASE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    assignee: str
    case: str
    channel: _interaction_pb2.Channel
    period_start: _timestamp_pb2.Timestamp
    summary: SatisfactionSummary
    def __init__(self, case: _Optional[str] = ..., assignee: _Optional[str] = ..., channel: _Optional[_Union[_interaction_pb2.Channel, str]] = ..., period_start: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., summary: _Optional[_Union[SatisfactionSummary, _Mapping]] = ...) -> None: ...

class SatisfactionSummary(_message.Message):
    __slots__ = ["dissatisfied", "experience_counts", "mean_difference", "mean_ratio", "met", "responses", "satisfied"]
    DISSATISFIED_FIELD_NUMBER: _ClassVar[int]
    EXPERIENCE_COUNTS_FIELD_NUMBER: _ClassVar[int]
    MEAN_DIFFERENCE_FIELD_NUMBER: _ClassVar[int]
    MEAN_RATIO_FIELD_NUMBER: _ClassVar[int]
    MET_FIELD_NUMBER: _ClassVar[int]
    RESPONSES_FIELD_NUMBER: _ClassVar[int]
    SATISFIED_FIELD_NUMBER: _ClassVar[int]
    dissatisfied: int
    experience_counts: _containers.RepeatedScalarFieldContainer[int]
    mean_difference: float
    mean_ratio: float
    met: int
    responses: int
    satisfied: int
    def __init__(self, responses: _Optional[int] = ..., mean_ratio: _Optional[float] = ..., mean_difference: _Optional[float] = ..., satisfied: _Optional[int] = ..., met: _Optional[int] = ..., dissatisfied: _Optional[int] = ..., experience_counts: _Optional[_Iterable[int]] = ...) -> None: ...

class SummarizeActivityRequest(_message.Message):
    __slots__ = ["window_days"]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    window_days: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, window_days: _Optional[_Iterable[int]] = ...) -> None: ...

class SummarizeActivityResponse(_message.Message):
    __slots__ = ["activity"]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    activity: _activity_pb2.CustomerActivity
    def __init__(self, activity: _Optional[_Union[_activity_pb2.CustomerActivity, _Mapping]] = ...) -> None: ...

class TransitionCaseRequest(_message.Message):
    __slots__ = ["etag", "name", "note", "request_id", "to"]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    etag: str
    name: str
    note: str
    request_id: str
    to: _case_pb2.CaseStatus
    def __init__(self, name: _Optional[str] = ..., to: _Optional[_Union[_case_pb2.CaseStatus, str]] = ..., note: _Optional[str] = ..., etag: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class TransitionCaseResponse(_message.Message):
    __slots__ = ["case"]
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: _case_pb2.Case
    def __init__(self, case: _Optional[_Union[_case_pb2.Case, _Mapping]] = ...) -> None: ...

class UpdateCaseRequest(_message.Message):
    __slots__ = ["case", "note", "request_id", "update_mask"]
    CASE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    case: _case_pb2.Case
    note: str
    request_id: str
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, case: _Optional[_Union[_case_pb2.Case, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., note: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateCaseResponse(_message.Message):
    __slots__ = ["case"]
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: _case_pb2.Case
    def __init__(self, case: _Optional[_Union[_case_pb2.Case, _Mapping]] = ...) -> None: ...

class UpdateInteractionRequest(_message.Message):
    __slots__ = ["interaction", "request_id", "update_mask"]
    INTERACTION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    interaction: _interaction_pb2.Interaction
    request_id: str
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, interaction: _Optional[_Union[_interaction_pb2.Interaction, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateInteractionResponse(_message.Message):
    __slots__ = ["interaction"]
    INTERACTION_FIELD_NUMBER: _ClassVar[int]
    interaction: _interaction_pb2.Interaction
    def __init__(self, interaction: _Optional[_Union[_interaction_pb2.Interaction, _Mapping]] = ...) -> None: ...

class WatchInteractionEventsRequest(_message.Message):
    __slots__ = ["after_sequence"]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    def __init__(self, after_sequence: _Optional[int] = ...) -> None: ...

class WatchInteractionEventsResponse(_message.Message):
    __slots__ = ["event"]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _feed_pb2.Event
    def __init__(self, event: _Optional[_Union[_feed_pb2.Event, _Mapping]] = ...) -> None: ...

class SatisfactionGrouping(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
