package customers

import (
	"context"
	"strings"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	"github.com/opencrm/crm/pkg/feed"
)

// Reach is what a service does when customer-profile erases or merges a
// customer: its own effects on its own data. Both must be idempotent (an
// event may be applied again after a crash).
type Reach interface {
	// Erase forgets the customer with that id.
	Erase(ctx context.Context, id string) error
	// Merge moves what the service keeps of the loser to the survivor;
	// seq is the merge event's sequence.
	Merge(ctx context.Context, seq int64, loserID string, survivor *customerv1.Customer) error
}

// OnProfileReach registers, in h, the handlers of customer-profile's
// erasures and merges, applied on their own (each reaches every document
// of a customer) with r's effects.
func OnProfileReach[S any](h *feed.Handlers[S], r Reach) {
	feed.Alone(h, func(ctx context.Context, _ *feedv1.Event, e *customerv1.CustomerErased) error {
		return r.Erase(ctx, strings.TrimPrefix(e.GetCustomer(), "customers/"))
	})
	feed.Alone(h, func(ctx context.Context, ev *feedv1.Event, e *customerv1.CustomersMerged) error {
		return r.Merge(ctx, ev.GetSequence(), strings.TrimPrefix(e.GetLoser(), "customers/"), e.GetSurvivor())
	})
}
