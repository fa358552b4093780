from crm.customer.v1 import customer_pb2 as _customer_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConsentChanged(_message.Message):
    __slots__ = ["changed_channels", "consents", "customer"]
    CHANGED_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    CONSENTS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    changed_channels: _containers.RepeatedScalarFieldContainer[_customer_pb2.ConsentChannel]
    consents: _containers.RepeatedCompositeFieldContainer[_customer_pb2.Consent]
    customer: str
    def __init__(self, customer: _Optional[str] = ..., consents: _Optional[_Iterable[_Union[_customer_pb2.Consent, _Mapping]]] = ..., changed_channels: _Optional[_Iterable[_Union[_customer_pb2.ConsentChannel, str]]] = ...) -> None: ...

class CustomerCreated(_message.Message):
    __slots__ = ["customer"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ...) -> None: ...

class CustomerDeleted(_message.Message):
    __slots__ = ["customer"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ...) -> None: ...

class CustomerErased(_message.Message):
    __slots__ = ["customer", "erase_time", "erasure", "reason"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ERASE_TIME_FIELD_NUMBER: _ClassVar[int]
    ERASURE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    customer: str
    erase_time: _timestamp_pb2.Timestamp
    erasure: str
    reason: str
    def __init__(self, customer: _Optional[str] = ..., erase_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., erasure: _Optional[str] = ...) -> None: ...

class CustomerUndeleted(_message.Message):
    __slots__ = ["customer"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ...) -> None: ...

class CustomerUpdated(_message.Message):
    __slots__ = ["changed_fields", "customer"]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    customer: _customer_pb2.Customer
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class CustomersMerged(_message.Message):
    __slots__ = ["loser", "merge", "survivor"]
    LOSER_FIELD_NUMBER: _ClassVar[int]
    MERGE_FIELD_NUMBER: _ClassVar[int]
    SURVIVOR_FIELD_NUMBER: _ClassVar[int]
    loser: str
    merge: str
    survivor: _customer_pb2.Customer
    def __init__(self, survivor: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ..., loser: _Optional[str] = ..., merge: _Optional[str] = ...) -> None: ...
