// Package profilefeed applies customer-profile's event feed to
// interaction-log's data: an erased customer's interactions are deleted (no
// anonymous copy is kept: amounts already went out on the interaction feed
// to services that keep their own aggregates), and a merged customer's
// interactions move to the survivor. Both are idempotent, so a replay after
// a restart changes nothing twice.
package profilefeed

import (
	"context"
	"log/slog"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	"github.com/opencrm/crm/pkg/customers"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/interaction/internal/logbook"
)

// Applier applies customer events through the logbook.
type Applier struct {
	Book *logbook.Logbook
	Log  *slog.Logger
	// Confirm publishes the confirmation of each erasure applied.
	Confirm customers.Confirmer
}

// Apply returns the consumer's Apply: erasures and merges, each on its
// own; other events are skipped.
func (a *Applier) Apply() func(context.Context, []*feedv1.Event) error {
	var h feed.Handlers[struct{}]
	customers.OnProfileReach(&h, a, a.Confirm)
	return feed.EachAlone(h)
}

// Erase deletes the customer's interactions and cases and forgets their
// request ids.
func (a *Applier) Erase(ctx context.Context, id string) ([]customers.Count, error) {
	n, cases, err := a.Book.EraseCustomer(ctx, id)
	if err != nil {
		return nil, err
	}
	a.Log.InfoContext(ctx, "erased a customer's interactions", "customer", resname.Customers.Format(id), "interactions", n, "cases", cases)
	return []customers.Count{{Kind: "interactions", Deleted: n}, {Kind: "cases", Deleted: cases}}, nil
}

// Merge moves the loser's interactions to the survivor.
func (a *Applier) Merge(ctx context.Context, _ int64, loserID string, survivor *customerv1.Customer) error {
	n, err := a.Book.MoveCustomer(ctx, loserID, survivor.GetId())
	if err != nil {
		return err
	}
	a.Log.InfoContext(ctx, "moved a merged customer's interactions", "loser", resname.Customers.Format(loserID), "interactions", n)
	return nil
}
