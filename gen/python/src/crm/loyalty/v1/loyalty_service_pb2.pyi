from buf.validate import validate_pb2 as _validate_pb2
from crm.auth.v1 import auth_pb2 as _auth_pb2
from crm.feed.v1 import feed_pb2 as _feed_pb2
from crm.loyalty.v1 import account_pb2 as _account_pb2
from crm.loyalty.v1 import program_pb2 as _program_pb2
from crm.loyalty.v1 import reward_pb2 as _reward_pb2
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

class AccountDifference(_message.Message):
    __slots__ = ["account", "problems"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    account: str
    problems: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, account: _Optional[str] = ..., problems: _Optional[_Iterable[str]] = ...) -> None: ...

class AdjustPointsRequest(_message.Message):
    __slots__ = ["customer", "operator", "points", "program", "reason", "request_id"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    customer: str
    operator: str
    points: int
    program: str
    reason: str
    request_id: str
    def __init__(self, program: _Optional[str] = ..., customer: _Optional[str] = ..., points: _Optional[int] = ..., reason: _Optional[str] = ..., operator: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class AdjustPointsResponse(_message.Message):
    __slots__ = ["account", "entry"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    entry: _account_pb2.LedgerEntry
    def __init__(self, entry: _Optional[_Union[_account_pb2.LedgerEntry, _Mapping]] = ..., account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class AuditAccountsRequest(_message.Message):
    __slots__ = ["program", "repair"]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    REPAIR_FIELD_NUMBER: _ClassVar[int]
    program: str
    repair: bool
    def __init__(self, program: _Optional[str] = ..., repair: bool = ...) -> None: ...

class AuditAccountsResponse(_message.Message):
    __slots__ = ["checked", "differences", "repaired"]
    CHECKED_FIELD_NUMBER: _ClassVar[int]
    DIFFERENCES_FIELD_NUMBER: _ClassVar[int]
    REPAIRED_FIELD_NUMBER: _ClassVar[int]
    checked: int
    differences: _containers.RepeatedCompositeFieldContainer[AccountDifference]
    repaired: bool
    def __init__(self, checked: _Optional[int] = ..., differences: _Optional[_Iterable[_Union[AccountDifference, _Mapping]]] = ..., repaired: bool = ...) -> None: ...

class CancelRedemptionRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class CancelRedemptionResponse(_message.Message):
    __slots__ = ["account", "redemption"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    REDEMPTION_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    redemption: _reward_pb2.Redemption
    def __init__(self, redemption: _Optional[_Union[_reward_pb2.Redemption, _Mapping]] = ..., account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class CreateProgramRequest(_message.Message):
    __slots__ = ["program"]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    program: _program_pb2.Program
    def __init__(self, program: _Optional[_Union[_program_pb2.Program, _Mapping]] = ...) -> None: ...

class CreateProgramResponse(_message.Message):
    __slots__ = ["program"]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    program: _program_pb2.Program
    def __init__(self, program: _Optional[_Union[_program_pb2.Program, _Mapping]] = ...) -> None: ...

class CreateRewardRequest(_message.Message):
    __slots__ = ["program", "reward"]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    program: str
    reward: _reward_pb2.Reward
    def __init__(self, program: _Optional[str] = ..., reward: _Optional[_Union[_reward_pb2.Reward, _Mapping]] = ...) -> None: ...

class CreateRewardResponse(_message.Message):
    __slots__ = ["reward"]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    reward: _reward_pb2.Reward
    def __init__(self, reward: _Optional[_Union[_reward_pb2.Reward, _Mapping]] = ...) -> None: ...

class EarnPointsRequest(_message.Message):
    __slots__ = ["customer", "program", "purchase", "request_id"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    customer: str
    program: str
    purchase: PurchaseInput
    request_id: str
    def __init__(self, program: _Optional[str] = ..., customer: _Optional[str] = ..., purchase: _Optional[_Union[PurchaseInput, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class EarnPointsResponse(_message.Message):
    __slots__ = ["account", "entry"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    entry: _account_pb2.LedgerEntry
    def __init__(self, entry: _Optional[_Union[_account_pb2.LedgerEntry, _Mapping]] = ..., account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class EnrolCustomerRequest(_message.Message):
    __slots__ = ["customer", "program"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    customer: str
    program: str
    def __init__(self, program: _Optional[str] = ..., customer: _Optional[str] = ...) -> None: ...

class EnrolCustomerResponse(_message.Message):
    __slots__ = ["account"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class ExportCustomerRequest(_message.Message):
    __slots__ = ["customers"]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customers: _Optional[_Iterable[str]] = ...) -> None: ...

class ExportCustomerResponse(_message.Message):
    __slots__ = ["accounts", "ledger_entries", "redemptions"]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    REDEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[_account_pb2.Account]
    ledger_entries: _containers.RepeatedCompositeFieldContainer[_account_pb2.LedgerEntry]
    redemptions: _containers.RepeatedCompositeFieldContainer[_reward_pb2.Redemption]
    def __init__(self, accounts: _Optional[_Iterable[_Union[_account_pb2.Account, _Mapping]]] = ..., ledger_entries: _Optional[_Iterable[_Union[_account_pb2.LedgerEntry, _Mapping]]] = ..., redemptions: _Optional[_Iterable[_Union[_reward_pb2.Redemption, _Mapping]]] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ["customer", "program"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    customer: str
    program: str
    def __init__(self, program: _Optional[str] = ..., customer: _Optional[str] = ...) -> None: ...

class GetAccountResponse(_message.Message):
    __slots__ = ["account"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class GetProgramRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetProgramResponse(_message.Message):
    __slots__ = ["program"]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    program: _program_pb2.Program
    def __init__(self, program: _Optional[_Union[_program_pb2.Program, _Mapping]] = ...) -> None: ...

class ListLedgerEntriesRequest(_message.Message):
    __slots__ = ["customer", "page_size", "page_token", "program", "time_from", "time_to", "type"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    TIME_FROM_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    customer: str
    page_size: int
    page_token: str
    program: str
    time_from: _timestamp_pb2.Timestamp
    time_to: _timestamp_pb2.Timestamp
    type: _account_pb2.EntryType
    def __init__(self, program: _Optional[str] = ..., customer: _Optional[str] = ..., type: _Optional[_Union[_account_pb2.EntryType, str]] = ..., time_from: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., time_to: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListLedgerEntriesResponse(_message.Message):
    __slots__ = ["balance", "entries", "expiring_soon", "next_page_token"]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    EXPIRING_SOON_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    balance: int
    entries: _containers.RepeatedCompositeFieldContainer[_account_pb2.LedgerEntry]
    expiring_soon: int
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[_account_pb2.LedgerEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., balance: _Optional[int] = ..., expiring_soon: _Optional[int] = ...) -> None: ...

class ListProgramsRequest(_message.Message):
    __slots__ = ["page_size", "page_token"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListProgramsResponse(_message.Message):
    __slots__ = ["next_page_token", "programs"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PROGRAMS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    programs: _containers.RepeatedCompositeFieldContainer[_program_pb2.Program]
    def __init__(self, programs: _Optional[_Iterable[_Union[_program_pb2.Program, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListRedemptionsRequest(_message.Message):
    __slots__ = ["customer", "page_size", "page_token", "program"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    customer: str
    page_size: int
    page_token: str
    program: str
    def __init__(self, program: _Optional[str] = ..., customer: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRedemptionsResponse(_message.Message):
    __slots__ = ["next_page_token", "redemptions"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REDEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    redemptions: _containers.RepeatedCompositeFieldContainer[_reward_pb2.Redemption]
    def __init__(self, redemptions: _Optional[_Iterable[_Union[_reward_pb2.Redemption, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListRewardsRequest(_message.Message):
    __slots__ = ["available_only", "page_size", "page_token", "program"]
    AVAILABLE_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    available_only: bool
    page_size: int
    page_token: str
    program: str
    def __init__(self, program: _Optional[str] = ..., available_only: bool = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRewardsResponse(_message.Message):
    __slots__ = ["next_page_token", "rewards"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REWARDS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    rewards: _containers.RepeatedCompositeFieldContainer[_reward_pb2.Reward]
    def __init__(self, rewards: _Optional[_Iterable[_Union[_reward_pb2.Reward, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class LookupRedemptionRequest(_message.Message):
    __slots__ = ["code"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class LookupRedemptionResponse(_message.Message):
    __slots__ = ["redemption"]
    REDEMPTION_FIELD_NUMBER: _ClassVar[int]
    redemption: _reward_pb2.Redemption
    def __init__(self, redemption: _Optional[_Union[_reward_pb2.Redemption, _Mapping]] = ...) -> None: ...

class PreviewEarningRequest(_message.Message):
    __slots__ = ["customer", "program", "purchase"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_FIELD_NUMBER: _ClassVar[int]
    customer: str
    program: str
    purchase: PurchaseInput
    def __init__(self, program: _Optional[str] = ..., customer: _Optional[str] = ..., purchase: _Optional[_Union[PurchaseInput, _Mapping]] = ...) -> None: ...

class PreviewEarningResponse(_message.Message):
    __slots__ = ["base", "capped", "debt_repaid", "multiplier", "points", "rules"]
    BASE_FIELD_NUMBER: _ClassVar[int]
    CAPPED_FIELD_NUMBER: _ClassVar[int]
    DEBT_REPAID_FIELD_NUMBER: _ClassVar[int]
    MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    base: float
    capped: bool
    debt_repaid: int
    multiplier: float
    points: int
    rules: _containers.RepeatedCompositeFieldContainer[RuleOutcome]
    def __init__(self, points: _Optional[int] = ..., base: _Optional[float] = ..., multiplier: _Optional[float] = ..., rules: _Optional[_Iterable[_Union[RuleOutcome, _Mapping]]] = ..., capped: bool = ..., debt_repaid: _Optional[int] = ...) -> None: ...

class PurchaseInput(_message.Message):
    __slots__ = ["amount", "channel", "item_count", "occur_time", "order_id", "skus", "tags"]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ITEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SKUS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    amount: _money_pb2.Money
    channel: str
    item_count: int
    occur_time: _timestamp_pb2.Timestamp
    order_id: str
    skus: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, order_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., channel: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., skus: _Optional[_Iterable[str]] = ..., item_count: _Optional[int] = ..., occur_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RedeemPointsRequest(_message.Message):
    __slots__ = ["customer", "points", "program", "reason", "request_id"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    customer: str
    points: int
    program: str
    reason: str
    request_id: str
    def __init__(self, program: _Optional[str] = ..., customer: _Optional[str] = ..., points: _Optional[int] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RedeemPointsResponse(_message.Message):
    __slots__ = ["account", "entry"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    entry: _account_pb2.LedgerEntry
    def __init__(self, entry: _Optional[_Union[_account_pb2.LedgerEntry, _Mapping]] = ..., account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class RedeemRewardRequest(_message.Message):
    __slots__ = ["customer", "request_id", "reward"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    customer: str
    request_id: str
    reward: str
    def __init__(self, reward: _Optional[str] = ..., customer: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RedeemRewardResponse(_message.Message):
    __slots__ = ["account", "redemption"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    REDEMPTION_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    redemption: _reward_pb2.Redemption
    def __init__(self, redemption: _Optional[_Union[_reward_pb2.Redemption, _Mapping]] = ..., account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class ReversePointsRequest(_message.Message):
    __slots__ = ["amount", "customer", "earn_request_id", "program", "request_id"]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    EARN_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    amount: _money_pb2.Money
    customer: str
    earn_request_id: str
    program: str
    request_id: str
    def __init__(self, program: _Optional[str] = ..., customer: _Optional[str] = ..., earn_request_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ReversePointsResponse(_message.Message):
    __slots__ = ["account", "entry"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    entry: _account_pb2.LedgerEntry
    def __init__(self, entry: _Optional[_Union[_account_pb2.LedgerEntry, _Mapping]] = ..., account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class RuleOutcome(_message.Message):
    __slots__ = ["error", "matched", "points", "rule"]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    error: str
    matched: bool
    points: int
    rule: str
    def __init__(self, rule: _Optional[str] = ..., matched: bool = ..., points: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class RunExpiryRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class RunExpiryResponse(_message.Message):
    __slots__ = ["accounts", "points_expired"]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    POINTS_EXPIRED_FIELD_NUMBER: _ClassVar[int]
    accounts: int
    points_expired: int
    def __init__(self, accounts: _Optional[int] = ..., points_expired: _Optional[int] = ...) -> None: ...

class UpdateProgramRequest(_message.Message):
    __slots__ = ["program", "update_mask"]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    program: _program_pb2.Program
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, program: _Optional[_Union[_program_pb2.Program, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateProgramResponse(_message.Message):
    __slots__ = ["program"]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    program: _program_pb2.Program
    def __init__(self, program: _Optional[_Union[_program_pb2.Program, _Mapping]] = ...) -> None: ...

class UpdateRewardRequest(_message.Message):
    __slots__ = ["reward", "update_mask"]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    reward: _reward_pb2.Reward
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, reward: _Optional[_Union[_reward_pb2.Reward, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateRewardResponse(_message.Message):
    __slots__ = ["reward"]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    reward: _reward_pb2.Reward
    def __init__(self, reward: _Optional[_Union[_reward_pb2.Reward, _Mapping]] = ...) -> None: ...

class UseRedemptionRequest(_message.Message):
    __slots__ = ["code", "request_id"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    code: str
    request_id: str
    def __init__(self, code: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class UseRedemptionResponse(_message.Message):
    __slots__ = ["redemption"]
    REDEMPTION_FIELD_NUMBER: _ClassVar[int]
    redemption: _reward_pb2.Redemption
    def __init__(self, redemption: _Optional[_Union[_reward_pb2.Redemption, _Mapping]] = ...) -> None: ...

class WatchLoyaltyEventsRequest(_message.Message):
    __slots__ = ["after_sequence"]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    def __init__(self, after_sequence: _Optional[int] = ...) -> None: ...

class WatchLoyaltyEventsResponse(_message.Message):
    __slots__ = ["event"]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _feed_pb2.Event
    def __init__(self, event: _Optional[_Union[_feed_pb2.Event, _Mapping]] = ...) -> None: ...
