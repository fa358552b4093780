package customers

import (
	"context"
	"fmt"
	"strings"
	"time"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/ids"
)

// Count is how many records of one kind a service deleted and
// pseudonymised for an erased customer.
type Count struct {
	Kind          string
	Deleted       int64
	Pseudonymised int64
}

// Reach is what a service does when customer-profile erases or merges a
// customer: its own effects on its own data. Both must be idempotent (an
// event may be applied again after a crash).
type Reach interface {
	// Erase forgets the customer with that id and says what it deleted
	// and pseudonymised (nothing, when applied again).
	Erase(ctx context.Context, id string) ([]Count, error)
	// Merge moves what the service keeps of the loser to the survivor;
	// seq is the merge event's sequence.
	Merge(ctx context.Context, seq int64, loserID string, survivor *customerv1.Customer) error
}

// Appender publishes events on the service's own feed (feed.Producer).
type Appender interface {
	Append(ctx context.Context, evs ...feed.Pending) error
}

// Confirmer publishes a service's confirmation of each erasure it applied
// (crm.feed.v1.ErasureCompleted) on the service's own feed, for
// customer-profile's erasure receipts.
type Confirmer struct {
	// Service is the service's name, for example "loyalty".
	Service string
	// Feed is the service's own feed.
	Feed Appender
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// OnProfileReach registers, in h, the handlers of customer-profile's
// erasures and merges, applied on their own (each reaches every document
// of a customer) with r's effects; each erasure applied is confirmed
// through c.
func OnProfileReach[S any](h *feed.Handlers[S], r Reach, c Confirmer) {
	feed.Alone(h, func(ctx context.Context, _ *feedv1.Event, e *customerv1.CustomerErased) error {
		counts, err := r.Erase(ctx, strings.TrimPrefix(e.GetCustomer(), "customers/"))
		if err != nil {
			return err
		}
		return c.confirm(ctx, e, counts)
	})
	feed.Alone(h, func(ctx context.Context, ev *feedv1.Event, e *customerv1.CustomersMerged) error {
		return r.Merge(ctx, ev.GetSequence(), strings.TrimPrefix(e.GetLoser(), "customers/"), e.GetSurvivor())
	})
}

// ConfirmationID is the event id of service's confirmation of an erasure
// for one customer: derived, so that confirming again after a crash (the
// erasure applied again) keeps the first confirmation's place and counts.
func ConfirmationID(erasure, customer, service string) string {
	return ids.Derived("erasure-completed\x00" + erasure + "\x00" + customer + "\x00" + service)
}

// confirm publishes the confirmation of the erasure event e, after its
// effects are stored. Erasures made before they were recorded name no
// erasure and are not confirmed.
func (c Confirmer) confirm(ctx context.Context, e *customerv1.CustomerErased, counts []Count) error {
	if e.GetErasure() == "" {
		return nil
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	msg := &feedv1.ErasureCompleted{Erasure: e.GetErasure(), Customer: e.GetCustomer(), Service: c.Service}
	for _, n := range counts {
		msg.Counts = append(msg.Counts, &feedv1.ErasureCount{Kind: n.Kind, Deleted: n.Deleted, Pseudonymised: n.Pseudonymised})
	}
	// The subject is the erasure, not the customer: redaction of the
	// customer's events must not remove the receipt's evidence.
	ev, err := feed.NewPending(ctx, e.GetErasure(), msg, now())
	if err != nil {
		return err
	}
	ev.ID = ConfirmationID(e.GetErasure(), e.GetCustomer(), c.Service)
	if err := c.Feed.Append(ctx, ev); err != nil {
		return fmt.Errorf("confirm %s: %w", e.GetErasure(), err)
	}
	return nil
}
