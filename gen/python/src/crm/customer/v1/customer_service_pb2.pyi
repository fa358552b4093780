from buf.validate import validate_pb2 as _validate_pb2
from crm.auth.v1 import auth_pb2 as _auth_pb2
from crm.customer.v1 import customer_pb2 as _customer_pb2
from crm.feed.v1 import feed_pb2 as _feed_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
DUPLICATE_REASON_SAME_EMAIL: DuplicateReason
DUPLICATE_REASON_SAME_NAME_AND_BIRTH_DATE: DuplicateReason
DUPLICATE_REASON_UNSPECIFIED: DuplicateReason
EXPORT_STATE_FAILED: ExportState
EXPORT_STATE_RUNNING: ExportState
EXPORT_STATE_SUCCEEDED: ExportState
EXPORT_STATE_UNSPECIFIED: ExportState

class BatchGetCustomersRequest(_message.Message):
    __slots__ = ["names"]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, names: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetCustomersResponse(_message.Message):
    __slots__ = ["customers"]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[_customer_pb2.Customer]
    def __init__(self, customers: _Optional[_Iterable[_Union[_customer_pb2.Customer, _Mapping]]] = ...) -> None: ...

class CreateCustomerRequest(_message.Message):
    __slots__ = ["customer", "request_id"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    request_id: str
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateCustomerResponse(_message.Message):
    __slots__ = ["customer"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ...) -> None: ...

class CustomerDataExport(_message.Message):
    __slots__ = ["customers", "merges"]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    MERGES_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[ExportedCustomer]
    merges: _containers.RepeatedCompositeFieldContainer[_customer_pb2.Merge]
    def __init__(self, customers: _Optional[_Iterable[_Union[ExportedCustomer, _Mapping]]] = ..., merges: _Optional[_Iterable[_Union[_customer_pb2.Merge, _Mapping]]] = ...) -> None: ...

class CustomerFilter(_message.Message):
    __slots__ = ["attributes", "country_code", "create_time_from", "create_time_to", "lifecycle_stage", "owner", "tag", "update_time_from", "update_time_to"]
    class AttributesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _customer_pb2.AttributeValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_customer_pb2.AttributeValue, _Mapping]] = ...) -> None: ...
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_CODE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FROM_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_TO_FIELD_NUMBER: _ClassVar[int]
    LIFECYCLE_STAGE_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FROM_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_TO_FIELD_NUMBER: _ClassVar[int]
    attributes: _containers.MessageMap[str, _customer_pb2.AttributeValue]
    country_code: str
    create_time_from: _timestamp_pb2.Timestamp
    create_time_to: _timestamp_pb2.Timestamp
    lifecycle_stage: _customer_pb2.LifecycleStage
    owner: str
    tag: str
    update_time_from: _timestamp_pb2.Timestamp
    update_time_to: _timestamp_pb2.Timestamp
    def __init__(self, lifecycle_stage: _Optional[_Union[_customer_pb2.LifecycleStage, str]] = ..., tag: _Optional[str] = ..., country_code: _Optional[str] = ..., owner: _Optional[str] = ..., create_time_from: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., create_time_to: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time_from: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time_to: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., attributes: _Optional[_Mapping[str, _customer_pb2.AttributeValue]] = ...) -> None: ...

class DeleteCustomerRequest(_message.Message):
    __slots__ = ["etag", "name", "request_id"]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    etag: str
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteCustomerResponse(_message.Message):
    __slots__ = ["customer"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ...) -> None: ...

class DownloadExportRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DownloadExportResponse(_message.Message):
    __slots__ = ["data"]
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    def __init__(self, data: _Optional[bytes] = ...) -> None: ...

class DuplicateGroup(_message.Message):
    __slots__ = ["customers", "key", "reason"]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[_customer_pb2.Customer]
    key: str
    reason: DuplicateReason
    def __init__(self, reason: _Optional[_Union[DuplicateReason, str]] = ..., key: _Optional[str] = ..., customers: _Optional[_Iterable[_Union[_customer_pb2.Customer, _Mapping]]] = ...) -> None: ...

class EraseCustomerRequest(_message.Message):
    __slots__ = ["name", "reason", "request_id"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class EraseCustomerResponse(_message.Message):
    __slots__ = ["erase_time", "erasure", "name"]
    ERASE_TIME_FIELD_NUMBER: _ClassVar[int]
    ERASURE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    erase_time: _timestamp_pb2.Timestamp
    erasure: str
    name: str
    def __init__(self, name: _Optional[str] = ..., erase_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., erasure: _Optional[str] = ...) -> None: ...

class Erasure(_message.Message):
    __slots__ = ["complete_time", "confirmations", "customer", "customers", "erase_time", "name", "overdue", "reason"]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    CONFIRMATIONS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ERASE_TIME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    complete_time: _timestamp_pb2.Timestamp
    confirmations: _containers.RepeatedCompositeFieldContainer[ErasureConfirmation]
    customer: str
    customers: _containers.RepeatedScalarFieldContainer[str]
    erase_time: _timestamp_pb2.Timestamp
    name: str
    overdue: bool
    reason: str
    def __init__(self, name: _Optional[str] = ..., customer: _Optional[str] = ..., customers: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ..., erase_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., confirmations: _Optional[_Iterable[_Union[ErasureConfirmation, _Mapping]]] = ..., complete_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., overdue: bool = ...) -> None: ...

class ErasureConfirmation(_message.Message):
    __slots__ = ["confirm_time", "counts", "customers", "service"]
    CONFIRM_TIME_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    confirm_time: _timestamp_pb2.Timestamp
    counts: _containers.RepeatedCompositeFieldContainer[ErasureCount]
    customers: _containers.RepeatedScalarFieldContainer[str]
    service: str
    def __init__(self, service: _Optional[str] = ..., confirm_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., customers: _Optional[_Iterable[str]] = ..., counts: _Optional[_Iterable[_Union[ErasureCount, _Mapping]]] = ...) -> None: ...

class ErasureCount(_message.Message):
    __slots__ = ["deleted", "kind", "pseudonymised"]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PSEUDONYMISED_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    kind: str
    pseudonymised: int
    def __init__(self, kind: _Optional[str] = ..., deleted: _Optional[int] = ..., pseudonymised: _Optional[int] = ...) -> None: ...

class Export(_message.Message):
    __slots__ = ["create_time", "customer", "customers", "end_time", "name", "parts", "reason", "state"]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    create_time: _timestamp_pb2.Timestamp
    customer: str
    customers: _containers.RepeatedScalarFieldContainer[str]
    end_time: _timestamp_pb2.Timestamp
    name: str
    parts: _containers.RepeatedCompositeFieldContainer[ExportPart]
    reason: str
    state: ExportState
    def __init__(self, name: _Optional[str] = ..., customer: _Optional[str] = ..., customers: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ..., state: _Optional[_Union[ExportState, str]] = ..., parts: _Optional[_Iterable[_Union[ExportPart, _Mapping]]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExportCustomerDataRequest(_message.Message):
    __slots__ = ["name", "reason"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ExportCustomerDataResponse(_message.Message):
    __slots__ = ["export"]
    EXPORT_FIELD_NUMBER: _ClassVar[int]
    export: Export
    def __init__(self, export: _Optional[_Union[Export, _Mapping]] = ...) -> None: ...

class ExportPart(_message.Message):
    __slots__ = ["attempts", "complete_time", "error", "service", "size_bytes", "state"]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    attempts: int
    complete_time: _timestamp_pb2.Timestamp
    error: str
    service: str
    size_bytes: int
    state: ExportState
    def __init__(self, service: _Optional[str] = ..., state: _Optional[_Union[ExportState, str]] = ..., error: _Optional[str] = ..., attempts: _Optional[int] = ..., size_bytes: _Optional[int] = ..., complete_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExportedCustomer(_message.Message):
    __slots__ = ["consent_history", "customer"]
    CONSENT_HISTORY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    consent_history: _containers.RepeatedCompositeFieldContainer[_customer_pb2.ConsentChange]
    customer: _customer_pb2.Customer
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ..., consent_history: _Optional[_Iterable[_Union[_customer_pb2.ConsentChange, _Mapping]]] = ...) -> None: ...

class FindDuplicatesRequest(_message.Message):
    __slots__ = ["customer", "page_size"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    customer: str
    page_size: int
    def __init__(self, customer: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class FindDuplicatesResponse(_message.Message):
    __slots__ = ["groups"]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[DuplicateGroup]
    def __init__(self, groups: _Optional[_Iterable[_Union[DuplicateGroup, _Mapping]]] = ...) -> None: ...

class GetCustomerRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetCustomerResponse(_message.Message):
    __slots__ = ["customer"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ...) -> None: ...

class GetErasureRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetErasureResponse(_message.Message):
    __slots__ = ["erasure"]
    ERASURE_FIELD_NUMBER: _ClassVar[int]
    erasure: Erasure
    def __init__(self, erasure: _Optional[_Union[Erasure, _Mapping]] = ...) -> None: ...

class GetExportRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetExportResponse(_message.Message):
    __slots__ = ["export"]
    EXPORT_FIELD_NUMBER: _ClassVar[int]
    export: Export
    def __init__(self, export: _Optional[_Union[Export, _Mapping]] = ...) -> None: ...

class ListConsentHistoryRequest(_message.Message):
    __slots__ = ["customer", "page_size", "page_token"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer: str
    page_size: int
    page_token: str
    def __init__(self, customer: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConsentHistoryResponse(_message.Message):
    __slots__ = ["changes", "next_page_token"]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[_customer_pb2.ConsentChange]
    next_page_token: str
    def __init__(self, changes: _Optional[_Iterable[_Union[_customer_pb2.ConsentChange, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListCustomersRequest(_message.Message):
    __slots__ = ["filter", "order_by", "page_size", "page_token", "show_deleted"]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SHOW_DELETED_FIELD_NUMBER: _ClassVar[int]
    filter: CustomerFilter
    order_by: str
    page_size: int
    page_token: str
    show_deleted: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[_Union[CustomerFilter, _Mapping]] = ..., order_by: _Optional[str] = ..., show_deleted: bool = ...) -> None: ...

class ListCustomersResponse(_message.Message):
    __slots__ = ["customers", "next_page_token"]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[_customer_pb2.Customer]
    next_page_token: str
    def __init__(self, customers: _Optional[_Iterable[_Union[_customer_pb2.Customer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListErasuresRequest(_message.Message):
    __slots__ = ["incomplete_only", "page_size", "page_token"]
    INCOMPLETE_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    incomplete_only: bool
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., incomplete_only: bool = ...) -> None: ...

class ListErasuresResponse(_message.Message):
    __slots__ = ["erasures", "next_page_token"]
    ERASURES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    erasures: _containers.RepeatedCompositeFieldContainer[Erasure]
    next_page_token: str
    def __init__(self, erasures: _Optional[_Iterable[_Union[Erasure, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListMergesRequest(_message.Message):
    __slots__ = ["customer"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: str
    def __init__(self, customer: _Optional[str] = ...) -> None: ...

class ListMergesResponse(_message.Message):
    __slots__ = ["merges"]
    MERGES_FIELD_NUMBER: _ClassVar[int]
    merges: _containers.RepeatedCompositeFieldContainer[_customer_pb2.Merge]
    def __init__(self, merges: _Optional[_Iterable[_Union[_customer_pb2.Merge, _Mapping]]] = ...) -> None: ...

class MergeCustomersRequest(_message.Message):
    __slots__ = ["loser", "request_id", "survivor"]
    LOSER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SURVIVOR_FIELD_NUMBER: _ClassVar[int]
    loser: str
    request_id: str
    survivor: str
    def __init__(self, survivor: _Optional[str] = ..., loser: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class MergeCustomersResponse(_message.Message):
    __slots__ = ["customer", "merge"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    MERGE_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    merge: _customer_pb2.Merge
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ..., merge: _Optional[_Union[_customer_pb2.Merge, _Mapping]] = ...) -> None: ...

class SearchCustomersRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "query"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    query: str
    def __init__(self, query: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SearchCustomersResponse(_message.Message):
    __slots__ = ["customers", "next_page_token"]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[_customer_pb2.Customer]
    next_page_token: str
    def __init__(self, customers: _Optional[_Iterable[_Union[_customer_pb2.Customer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UndeleteCustomerRequest(_message.Message):
    __slots__ = ["name", "request_id"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class UndeleteCustomerResponse(_message.Message):
    __slots__ = ["customer"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ...) -> None: ...

class UpdateCustomerRequest(_message.Message):
    __slots__ = ["customer", "request_id", "update_mask"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    request_id: str
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateCustomerResponse(_message.Message):
    __slots__ = ["customer"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ...) -> None: ...

class WatchCustomerEventsRequest(_message.Message):
    __slots__ = ["after_sequence"]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    def __init__(self, after_sequence: _Optional[int] = ...) -> None: ...

class WatchCustomerEventsResponse(_message.Message):
    __slots__ = ["event"]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _feed_pb2.Event
    def __init__(self, event: _Optional[_Union[_feed_pb2.Event, _Mapping]] = ...) -> None: ...

class DuplicateReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ExportState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
