package points

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/services/loyalty/internal/catalogue"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/program"
	"github.com/opencrm/crm/services/loyalty/internal/rules"
)

// Repository is the storage the book needs: programs, accounts and their
// ledger, members' facts and the reward catalogue.
type Repository interface {
	Programs
	Accounts
	Members
	Catalogue
}

// Programs stores programs. A replace is version-checked: a program that
// changed since it was read is ETAG_MISMATCH.
type Programs interface {
	CreateProgram(ctx context.Context, p *program.Program) error
	Program(ctx context.Context, id string) (*program.Program, error)
	// Programs lists up to limit programs (all with 0) after id after, by
	// id; with a currency, only that currency's.
	Programs(ctx context.Context, currency, after string, limit int64) ([]*program.Program, error)
	ReplaceProgram(ctx context.Context, p *program.Program, prev int64) error
}

// Accounts stores account documents and the ledger their entries are
// copied to. A missing account is NOT_FOUND naming "accounts/{id}"; a
// save of an account that changed since it was read is ErrConflict.
type Accounts interface {
	Ledger
	AccountLists
	Account(ctx context.Context, id string) (*Account, error)
	AccountsByID(ctx context.Context, ids []string) (map[string]*Account, error)
	InsertAccount(ctx context.Context, a *Account) (existed bool, err error)
	InsertAccounts(ctx context.Context, as []*Account) (existed map[string]bool, err error)
	SaveAccount(ctx context.Context, a *Account, prev int64) error
	// ReplaceAccount writes a only if it is at version prev; what its
	// Batch holds is copied out by CopyOut after.
	ReplaceAccount(ctx context.Context, a *Account, prev int64) error
	// CopyOut copies entries to the ledger and publishes events, each
	// once however often it is called.
	CopyOut(ctx context.Context, entries []ledger.Entry, events []feed.Pending) error
}

// Ledger reads and redacts the ledger that accounts' entries are copied to.
type Ledger interface {
	LedgerEntry(ctx context.Context, id string) (ledger.Entry, bool, error)
	KnownEntries(ctx context.Context, ids []string) (map[string]bool, error)
	Entries(ctx context.Context, f EntryFilter, after *EntryCursor, limit int64) ([]ledger.Entry, error)
	// Redact removes subject from the ledger's copies of entries.
	Redact(ctx context.Context, subject string) error
}

// AccountLists lists the ids of accounts: a customer's, a program's, and
// those the expiry sweep is due to visit.
type AccountLists interface {
	AccountsOf(ctx context.Context, customer string) ([]string, error)
	ProgramAccounts(ctx context.Context, programID, after string, limit int64) ([]string, error)
	DueAccounts(ctx context.Context, now, until time.Time) ([]string, error)
}

// Members stores the customer facts earning rules see.
type Members interface {
	Member(ctx context.Context, id string) (Member, error)
	MembersByID(ctx context.Context, ids []string) (map[string]Member, error)
	SaveMembers(ctx context.Context, ms []Member) error
	ForgetMember(ctx context.Context, id string) error
}

// Catalogue stores rewards, their stock reservations and redemptions
// (keyed by catalogue.Key).
type Catalogue interface {
	Redemptions
	CreateReward(ctx context.Context, r *catalogue.Reward) error
	Reward(ctx context.Context, key string) (*catalogue.Reward, error)
	Rewards(ctx context.Context, program, after string, availableOnly bool, limit int64) ([]*catalogue.Reward, error)
	UpdateReward(ctx context.Context, r *catalogue.Reward, prev int64) error
	Reserve(ctx context.Context, key, redemption string) (bool, error)
	Release(ctx context.Context, key, redemption string) error
	Settle(ctx context.Context, key, redemption string) error
	Restock(ctx context.Context, key, redemption string) error
}

// Redemptions stores redemptions (keyed by catalogue.Key).
type Redemptions interface {
	InsertRedemption(ctx context.Context, d *catalogue.Redemption) (bool, error)
	Redemption(ctx context.Context, id string) (*catalogue.Redemption, error)
	// MoveRedemption sets d's state and cancel time (its other fields
	// stay as stored) if it is still in state from, and reports whether
	// it did.
	MoveRedemption(ctx context.Context, d *catalogue.Redemption, from int32) (bool, error)
	DeleteRedemption(ctx context.Context, id string) error
	CustomerRedemptions(ctx context.Context, program, customer string, after *RedemptionCursor, limit int64) ([]*catalogue.Redemption, error)
	// PseudonymiseRedemptions makes a customer's redemptions name no
	// customer; it returns how many it changed.
	PseudonymiseRedemptions(ctx context.Context, customer string) (int64, error)
	PendingRedemptions(ctx context.Context, before time.Time) ([]*catalogue.Redemption, error)
	// CancellingRedemptions returns redemptions whose cancel was decided
	// earlier than before and is not finished yet.
	CancellingRedemptions(ctx context.Context, before time.Time) ([]*catalogue.Redemption, error)
	// RedemptionByCode finds the redemption holding a code; one whose
	// customer was erased is NOT_FOUND.
	RedemptionByCode(ctx context.Context, code string) (*catalogue.Redemption, error)
	// UseRedemption marks a redemption used if it is still issued, and
	// reports whether it did.
	UseRedemption(ctx context.Context, id string, useTime time.Time) (bool, error)
}

// ErrConflict means the account changed since it was read.
var ErrConflict = errors.New("account changed meanwhile")

// Account is an account document: the account, plus the ledger entries
// and feed events of its latest changes until they are copied out.
type Account struct {
	ledger.Account `bson:",inline"`
	Entries        []ledger.Entry `bson:"entries"`
	Dirty          bool           `bson:"dirty"`
	Outbox         []feed.Pending `bson:"outbox"`
	// Batch is what the last feed batch to write the account put in it to
	// copy out (see BatchOut).
	Batch *BatchOut `bson:"batch,omitempty"`
	// ISeq is the sequence of the last event of interaction-log's feed
	// whose effect is in the account, written with the effect: the feed
	// is applied in order, so an event at or below it was applied. 0 on an
	// account that no purchase or refund of the feed changed since it was
	// kept (then only the ledger knows which were).
	ISeq int64 `bson:"iseq,omitempty"`
}

// BatchOut is the ledger entries and feed events of a feed batch's
// changes to one account, written in the account with the changes and
// copied out after the write (FeedBatch.Save). They stay in the document
// until the account's next batch write replaces them: that the copy
// happened is known from the consumer's cursor, stored after it, so a
// batch that finds them from at or after its own first event (the replay
// of a batch cut short) copies them again, and one that finds them from
// before drops them.
type BatchOut struct {
	// Seq is the last event of the batch that touched the account, which
	// a replay of the batch reads the account for.
	Seq     int64          `bson:"seq"`
	Entries []ledger.Entry `bson:"entries"`
	Events  []feed.Pending `bson:"events"`
}

// Carried returns the entries the document carries, which may not be in
// the ledger yet.
func (a *Account) Carried() []ledger.Entry {
	if a.Batch == nil {
		return a.Entries
	}
	return append(slices.Clip(a.Entries), a.Batch.Entries...)
}

// Entry returns the entry with that id that the document carries, if any.
func (a *Account) Entry(id string) (ledger.Entry, bool) {
	for _, e := range a.Carried() {
		if e.ID == id {
			return e, true
		}
	}
	return ledger.Entry{}, false
}

// Member is a customer's profile facts that earning rules may use.
type Member struct {
	ID         string `bson:"_id"`
	BirthMonth int32  `bson:"birth_month"`
	// Consents are the customer's current consents.
	Consents []rules.Consent `bson:"consents,omitempty"`
}

// EntryFilter selects a statement's entries.
type EntryFilter struct {
	Account  string
	Type     ledger.Type
	From, To time.Time
}

// EntryCursor is a statement position: the last entry of a page.
type EntryCursor struct {
	Time time.Time `json:"t"`
	ID   string    `json:"i"`
}

// RedemptionCursor is a position in a customer's redemptions.
type RedemptionCursor struct {
	Time time.Time `json:"t"`
	ID   string    `json:"i"`
}
