// Package profilefeed applies customer-profile's event feed to
// interaction-log's data: an erased customer's interactions are deleted (no
// anonymous copy is kept: amounts already went out on the interaction feed
// to services that keep their own aggregates), and a merged customer's
// interactions move to the survivor. Both are idempotent, so a replay after
// a restart changes nothing twice.
package profilefeed

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/services/interaction/internal/store"
)

// Applier applies customer events.
type Applier struct {
	Store *store.Store
	Keys  *idempotency.Store
	Log   *slog.Logger
}

// Apply handles one event; events of other types are skipped.
func (a *Applier) Apply(ctx context.Context, ev *feedv1.Event) error {
	switch ev.GetType() {
	case "crm.customer.v1.CustomerErased":
		var e customerv1.CustomerErased
		if err := ev.GetPayload().UnmarshalTo(&e); err != nil {
			return fmt.Errorf("decode erasure: %w", err)
		}
		n, err := a.Store.EraseCustomer(ctx, strings.TrimPrefix(e.GetCustomer(), "customers/"))
		if err != nil {
			return err
		}
		if err := a.Keys.ForgetSubject(ctx, e.GetCustomer()); err != nil {
			return err
		}
		a.Log.InfoContext(ctx, "erased a customer's interactions", "customer", e.GetCustomer(), "interactions", n)
	case "crm.customer.v1.CustomersMerged":
		var e customerv1.CustomersMerged
		if err := ev.GetPayload().UnmarshalTo(&e); err != nil {
			return fmt.Errorf("decode merge: %w", err)
		}
		n, err := a.Store.Rekey(ctx, strings.TrimPrefix(e.GetLoser(), "customers/"), e.GetSurvivor().GetId())
		if err != nil {
			return err
		}
		a.Log.InfoContext(ctx, "moved a merged customer's interactions", "loser", e.GetLoser(), "survivor", e.GetSurvivor().GetName(), "interactions", n)
	}
	return nil
}
