package archive

import (
	"context"
	"errors"
	"time"

	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/services/profile/internal/customer"
)

// ErrNoMergeRecord is History.FindMerge's answer when no merge has that id.
var ErrNoMergeRecord = errors.New("no merge record")

// Repository is the storage the archive's use cases need: the customers
// with their outbox events and consent history, the queries over them,
// the contact claims that keep e-mail addresses and phone numbers unique,
// the merge history and the erasure receipts.
type Repository interface {
	Records
	Queries
	Claims
	History
	Receipts
}

// Records writes and reads customers by id, with their outbox events and
// consent history.
type Records interface {
	Insert(ctx context.Context, c *customer.Customer, events []feed.Pending, history ...customer.ConsentChange) (existed bool, err error)
	Get(ctx context.Context, id string) (*customer.Customer, error)
	GetMany(ctx context.Context, ids []string) ([]*customer.Customer, error)
	// Update writes c over prev, conditional on prev's version.
	Update(ctx context.Context, prev, c *customer.Customer, events []feed.Pending, history ...customer.ConsentChange) error
	// Erase replaces a customer with a tombstone.
	Erase(ctx context.Context, id string, at time.Time, ev feed.Pending) error
	// DueForPurge returns up to limit deleted customers whose purge time
	// is not after now.
	DueForPurge(ctx context.Context, now time.Time, limit int) ([]string, error)
}

// Queries finds customers: lists, search, contacts, duplicates, consent
// history and merges.
type Queries interface {
	List(ctx context.Context, f customer.Filter, o customer.Order, after *customer.After, limit int) ([]*customer.Customer, error)
	Search(ctx context.Context, words []string, after *customer.SearchPos, limit int) ([]customer.Hit, error)
	// FindByContact returns the active customer holding a contact key, or
	// nil.
	FindByContact(ctx context.Context, key string) (*customer.Customer, error)
	// SharedDedupKeys returns up to limit dedup keys that more than one
	// active customer has.
	SharedDedupKeys(ctx context.Context, limit int) ([]string, error)
	ConsentHistory(ctx context.Context, id string, after int64, limit int) ([]customer.ConsentChange, error)
	// MergedInto returns the ids of the customers merged into id.
	MergedInto(ctx context.Context, id string) ([]string, error)
}

// Claims keeps contact keys unique to one customer.
type Claims interface {
	// Claim claims contact keys for customer id; a key held by another
	// customer is ALREADY_EXISTS naming field(key). It returns the keys it
	// newly claimed, for Release if the write that follows fails.
	Claim(ctx context.Context, id string, keys []string, field func(key string) string) (claimed []string, err error)
	Release(ctx context.Context, id string, keys []string) error
	// MoveClaims gives the claims of customer from to customer to.
	MoveClaims(ctx context.Context, from, to string) error
}

// History keeps the records of merges.
type History interface {
	BeginMerge(ctx context.Context, m customer.Merge) (customer.Merge, error)
	FindMerge(ctx context.Context, id string) (*customer.Merge, error)
	CompleteMerge(ctx context.Context, id string) error
	MergesOf(ctx context.Context, id string) ([]customer.Merge, error)
}

// Responses keeps the stored responses of idempotent requests; an erased
// customer's are forgotten.
type Responses interface {
	ForgetSubject(ctx context.Context, subject string) error
}

// Receipts keeps the receipts of erasures. Each change is one conditional
// single-document write, so that confirmations applied again (a feed
// replayed) or concurrently change nothing twice.
type Receipts interface {
	// CreateErasure stores e; when its id is stored already (a retried
	// erasure) it returns the stored receipt.
	CreateErasure(ctx context.Context, e *customer.Erasure) (*customer.Erasure, error)
	// GetErasure returns a receipt; NOT_FOUND when there is none.
	GetErasure(ctx context.Context, id string) (*customer.Erasure, error)
	// ListErasures returns up to limit receipts, newest first, after the
	// position after (nil: from the newest); incomplete keeps only those
	// not yet confirmed by every service.
	ListErasures(ctx context.Context, incomplete bool, after *customer.ErasurePos, limit int) ([]*customer.Erasure, error)
	// AddPart records service's part for one customer, unless the service
	// already confirmed that customer.
	AddPart(ctx context.Context, id, service string, p customer.Part) error
	// SetConfirmed marks service's confirmation at t, once.
	SetConfirmed(ctx context.Context, id, service string, t time.Time) error
	// SetComplete marks the erasure complete at t, once.
	SetComplete(ctx context.Context, id string, t time.Time) error
	// DueOverdue returns up to limit ids of incomplete erasures, not yet
	// overdue, made before cutoff.
	DueOverdue(ctx context.Context, cutoff time.Time, limit int) ([]string, error)
	// SetOverdue marks an incomplete erasure overdue; it reports whether
	// this call did (false: it was overdue or complete already).
	SetOverdue(ctx context.Context, id string) (bool, error)
}
