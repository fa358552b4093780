package archive

import (
	"context"
	"fmt"

	"github.com/opencrm/crm/services/profile/internal/customer"
)

// exportPage is how many consent changes an export reads per query.
const exportPage = 500

// Related returns a customer's id followed by the ids of every customer
// merged into it, directly or through another merged one: the records an
// access export covers. A merged customer is CUSTOMER_MERGED naming its
// survivor, whose export covers it; an erased one is CUSTOMER_ERASED.
func (a *Archive) Related(ctx context.Context, id string) ([]string, error) {
	c, err := a.repo.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.State == customer.StateMerged {
		return nil, active(c)
	}
	out := []string{id}
	for n := 0; n < len(out); n++ {
		merged, err := a.repo.MergedInto(ctx, out[n])
		if err != nil {
			return nil, fmt.Errorf("customers merged into %s: %w", out[n], err)
		}
		out = append(out, merged...)
	}
	return out, nil
}

// Export is everything customer-profile holds about some customers.
type Export struct {
	// Customers in the order asked.
	Customers []Exported
	// Merges that involved them, each once, newest first per customer.
	Merges []customer.Merge
}

// Exported is one customer's record and its consent history.
type Exported struct {
	Customer *customer.Customer
	// ConsentHistory, oldest first.
	ConsentHistory []customer.ConsentChange
}

// Export collects the records, consent histories and merges of the given
// customers.
func (a *Archive) Export(ctx context.Context, ids []string) (*Export, error) {
	cs, err := a.repo.GetMany(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("export customers: %w", err)
	}
	out := &Export{}
	seen := map[string]bool{}
	for n, id := range ids {
		rec := Exported{Customer: cs[n]}
		for after := int64(0); ; {
			page, err := a.repo.ConsentHistory(ctx, id, after, exportPage)
			if err != nil {
				return nil, fmt.Errorf("export consent history of %s: %w", id, err)
			}
			rec.ConsentHistory = append(rec.ConsentHistory, page...)
			if len(page) < exportPage {
				break
			}
			after = page[len(page)-1].Sequence
		}
		out.Customers = append(out.Customers, rec)
		ms, err := a.repo.MergesOf(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("export merges of %s: %w", id, err)
		}
		for _, m := range ms {
			if !seen[m.ID] {
				seen[m.ID] = true
				out.Merges = append(out.Merges, m)
			}
		}
	}
	return out, nil
}
