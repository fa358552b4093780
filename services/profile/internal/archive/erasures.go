package archive

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/opencrm/crm/services/profile/internal/customer"
)

// GetErasure returns an erasure's receipt.
func (a *Archive) GetErasure(ctx context.Context, id string) (*customer.Erasure, error) {
	return a.repo.GetErasure(ctx, id)
}

// ListErasures returns up to limit receipts, newest first, after the
// position after (nil: from the newest); incomplete keeps those not yet
// confirmed by every service.
func (a *Archive) ListErasures(ctx context.Context, incomplete bool, after *customer.ErasurePos, limit int) ([]*customer.Erasure, error) {
	return a.repo.ListErasures(ctx, incomplete, after, limit)
}

// ConfirmErasure records that service erased what it kept of one customer
// of erasure id, with what it counted. The service's confirmation is
// complete once it covers every customer of the erasure, and the erasure
// once every service's is. Applying the same confirmation again changes
// nothing; one from an unknown service is ignored.
func (a *Archive) ConfirmErasure(ctx context.Context, id, service string, p customer.Part) error {
	if !slices.Contains(customer.ErasureServices, service) {
		return nil
	}
	if err := a.repo.AddPart(ctx, id, service, p); err != nil {
		return fmt.Errorf("confirm %s for %s: %w", customer.Erasures.Format(id), service, err)
	}
	e, err := a.repo.GetErasure(ctx, id)
	if err != nil {
		return err
	}
	now := a.now()
	if e.Covers(service) && !e.Confirmations[service].Confirmed {
		if err := a.repo.SetConfirmed(ctx, id, service, now); err != nil {
			return err
		}
		// Read again after this write: of services confirming at the same
		// time, the last to write sees every confirmation.
		if e, err = a.repo.GetErasure(ctx, id); err != nil {
			return err
		}
	}
	if e.AllConfirmed() && !e.Complete {
		return a.repo.SetComplete(ctx, id, now)
	}
	return nil
}

// MarkOverdue marks the erasures not confirmed by every service within
// deadline of their erasure as overdue, each once; it returns how many it
// marked.
func (a *Archive) MarkOverdue(ctx context.Context, deadline time.Duration) (int, error) {
	marked := 0
	for {
		ids, err := a.repo.DueOverdue(ctx, a.now().Add(-deadline), 100)
		if err != nil {
			return marked, err
		}
		for _, id := range ids {
			ok, err := a.repo.SetOverdue(ctx, id)
			if err != nil {
				return marked, err
			}
			if ok {
				marked++
			}
		}
		if len(ids) < 100 {
			return marked, nil
		}
	}
}
