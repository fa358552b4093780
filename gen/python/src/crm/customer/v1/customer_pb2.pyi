from buf.validate import validate_pb2 as _validate_pb2
from crm.type.v1 import date_pb2 as _date_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CONSENT_CHANNEL_CHAT: ConsentChannel
CONSENT_CHANNEL_EMAIL: ConsentChannel
CONSENT_CHANNEL_PHONE: ConsentChannel
CONSENT_CHANNEL_POSTAL_MAIL: ConsentChannel
CONSENT_CHANNEL_PUSH: ConsentChannel
CONSENT_CHANNEL_SMS: ConsentChannel
CONSENT_CHANNEL_UNSPECIFIED: ConsentChannel
CUSTOMER_KIND_ORGANIZATION: CustomerKind
CUSTOMER_KIND_PERSON: CustomerKind
CUSTOMER_KIND_UNSPECIFIED: CustomerKind
CUSTOMER_STATE_ACTIVE: CustomerState
CUSTOMER_STATE_DELETED: CustomerState
CUSTOMER_STATE_MERGED: CustomerState
CUSTOMER_STATE_UNSPECIFIED: CustomerState
DESCRIPTOR: _descriptor.FileDescriptor
GENDER_FEMALE: Gender
GENDER_MALE: Gender
GENDER_OTHER: Gender
GENDER_UNSPECIFIED: Gender
LIFECYCLE_STAGE_CHURNED: LifecycleStage
LIFECYCLE_STAGE_DECLINE: LifecycleStage
LIFECYCLE_STAGE_EXPLORATION: LifecycleStage
LIFECYCLE_STAGE_FORMATION: LifecycleStage
LIFECYCLE_STAGE_PROSPECT: LifecycleStage
LIFECYCLE_STAGE_STABILITY: LifecycleStage
LIFECYCLE_STAGE_UNSPECIFIED: LifecycleStage

class AttributeValue(_message.Message):
    __slots__ = ["bool_value", "number_value", "string_value", "time_value"]
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_VALUE_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    TIME_VALUE_FIELD_NUMBER: _ClassVar[int]
    bool_value: bool
    number_value: float
    string_value: str
    time_value: _timestamp_pb2.Timestamp
    def __init__(self, string_value: _Optional[str] = ..., number_value: _Optional[float] = ..., bool_value: bool = ..., time_value: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Consent(_message.Message):
    __slots__ = ["channel", "granted", "source", "time"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    channel: ConsentChannel
    granted: bool
    source: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, channel: _Optional[_Union[ConsentChannel, str]] = ..., granted: bool = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class Customer(_message.Message):
    __slots__ = ["acquisition_source", "addresses", "attributes", "consents", "create_time", "delete_time", "demographics", "display_name", "emails", "etag", "id", "kind", "legal_name", "lifecycle_stage", "merged_into", "name", "owner", "phones", "purge_time", "state", "tags", "update_time"]
    class AttributesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: AttributeValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[AttributeValue, _Mapping]] = ...) -> None: ...
    ACQUISITION_SOURCE_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    CONSENTS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    DEMOGRAPHICS_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LEGAL_NAME_FIELD_NUMBER: _ClassVar[int]
    LIFECYCLE_STAGE_FIELD_NUMBER: _ClassVar[int]
    MERGED_INTO_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PHONES_FIELD_NUMBER: _ClassVar[int]
    PURGE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    acquisition_source: str
    addresses: _containers.RepeatedCompositeFieldContainer[PostalAddress]
    attributes: _containers.MessageMap[str, AttributeValue]
    consents: _containers.RepeatedCompositeFieldContainer[Consent]
    create_time: _timestamp_pb2.Timestamp
    delete_time: _timestamp_pb2.Timestamp
    demographics: Demographics
    display_name: str
    emails: _containers.RepeatedCompositeFieldContainer[EmailAddress]
    etag: str
    id: str
    kind: CustomerKind
    legal_name: str
    lifecycle_stage: LifecycleStage
    merged_into: str
    name: str
    owner: str
    phones: _containers.RepeatedCompositeFieldContainer[PhoneNumber]
    purge_time: _timestamp_pb2.Timestamp
    state: CustomerState
    tags: _containers.RepeatedScalarFieldContainer[str]
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., kind: _Optional[_Union[CustomerKind, str]] = ..., display_name: _Optional[str] = ..., legal_name: _Optional[str] = ..., emails: _Optional[_Iterable[_Union[EmailAddress, _Mapping]]] = ..., phones: _Optional[_Iterable[_Union[PhoneNumber, _Mapping]]] = ..., addresses: _Optional[_Iterable[_Union[PostalAddress, _Mapping]]] = ..., demographics: _Optional[_Union[Demographics, _Mapping]] = ..., acquisition_source: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., attributes: _Optional[_Mapping[str, AttributeValue]] = ..., owner: _Optional[str] = ..., lifecycle_stage: _Optional[_Union[LifecycleStage, str]] = ..., consents: _Optional[_Iterable[_Union[Consent, _Mapping]]] = ..., state: _Optional[_Union[CustomerState, str]] = ..., merged_into: _Optional[str] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., delete_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., purge_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class Demographics(_message.Message):
    __slots__ = ["birth_date", "country_code", "gender", "language", "region"]
    BIRTH_DATE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_CODE_FIELD_NUMBER: _ClassVar[int]
    GENDER_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    birth_date: _date_pb2.Date
    country_code: str
    gender: Gender
    language: str
    region: str
    def __init__(self, birth_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., gender: _Optional[_Union[Gender, str]] = ..., country_code: _Optional[str] = ..., region: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class EmailAddress(_message.Message):
    __slots__ = ["address", "label", "primary"]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    address: str
    label: str
    primary: bool
    def __init__(self, address: _Optional[str] = ..., label: _Optional[str] = ..., primary: bool = ...) -> None: ...

class Merge(_message.Message):
    __slots__ = ["actor", "fields_from_loser", "loser", "merge_time", "name", "survivor"]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FROM_LOSER_FIELD_NUMBER: _ClassVar[int]
    LOSER_FIELD_NUMBER: _ClassVar[int]
    MERGE_TIME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SURVIVOR_FIELD_NUMBER: _ClassVar[int]
    actor: str
    fields_from_loser: _containers.RepeatedScalarFieldContainer[str]
    loser: str
    merge_time: _timestamp_pb2.Timestamp
    name: str
    survivor: str
    def __init__(self, name: _Optional[str] = ..., survivor: _Optional[str] = ..., loser: _Optional[str] = ..., actor: _Optional[str] = ..., merge_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., fields_from_loser: _Optional[_Iterable[str]] = ...) -> None: ...

class PhoneNumber(_message.Message):
    __slots__ = ["label", "number", "primary"]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    label: str
    number: str
    primary: bool
    def __init__(self, number: _Optional[str] = ..., label: _Optional[str] = ..., primary: bool = ...) -> None: ...

class PostalAddress(_message.Message):
    __slots__ = ["country_code", "label", "lines", "locality", "postal_code", "primary", "region"]
    COUNTRY_CODE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    LOCALITY_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    country_code: str
    label: str
    lines: _containers.RepeatedScalarFieldContainer[str]
    locality: str
    postal_code: str
    primary: bool
    region: str
    def __init__(self, lines: _Optional[_Iterable[str]] = ..., locality: _Optional[str] = ..., region: _Optional[str] = ..., postal_code: _Optional[str] = ..., country_code: _Optional[str] = ..., label: _Optional[str] = ..., primary: bool = ...) -> None: ...

class CustomerKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class CustomerState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class LifecycleStage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Gender(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ConsentChannel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
