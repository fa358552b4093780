package archive

import (
	"context"
	"time"

	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/services/profile/internal/customer"
)

// Repository is the storage the archive's use cases need: the customers
// with their outbox events and consent history, the contact claims that
// keep e-mail addresses and phone numbers unique, the search index and the
// merge history.
type Repository interface {
	History

	Insert(ctx context.Context, c *customer.Customer, events []feed.Pending, history ...customer.ConsentChange) (existed bool, err error)
	Get(ctx context.Context, id string) (*customer.Customer, error)
	GetMany(ctx context.Context, ids []string) ([]*customer.Customer, error)
	// Update writes c over prev, conditional on prev's version.
	Update(ctx context.Context, prev, c *customer.Customer, events []feed.Pending, history ...customer.ConsentChange) error
	// Erase replaces a customer with a tombstone.
	Erase(ctx context.Context, id string, at time.Time, ev feed.Pending) error
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
	// DueForPurge returns up to limit deleted customers whose purge time
	// is not after now.
	DueForPurge(ctx context.Context, now time.Time, limit int) ([]string, error)

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
