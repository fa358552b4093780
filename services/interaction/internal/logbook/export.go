package logbook

import (
	"context"
	"fmt"

	"github.com/opencrm/crm/services/interaction/internal/casework"
	"github.com/opencrm/crm/services/interaction/internal/record"
)

// exportPage is how many records an export reads per query.
const exportPage = 500

// Export is everything interaction-log holds about some customers, for an
// access request.
type Export struct {
	// Interactions, by customer in the order asked, each newest first.
	Interactions []*record.Interaction
	// Cases, by customer in the order asked, each earliest due first.
	Cases []*casework.Case
}

// Export collects the interactions and cases of the given customers (a
// customer and those merged into it): whole records, read page by page.
func (l *Logbook) Export(ctx context.Context, customerIDs []string) (*Export, error) {
	out := &Export{}
	for _, id := range customerIDs {
		var after *record.After
		for {
			page, err := l.repo.Timeline(ctx, record.Filter{CustomerID: id}, after, exportPage)
			if err != nil {
				return nil, fmt.Errorf("export interactions of %s: %w", id, err)
			}
			out.Interactions = append(out.Interactions, page...)
			if len(page) < exportPage {
				break
			}
			pos := record.PositionOf(page[len(page)-1])
			after = &pos
		}
		var afterCase *casework.After
		for {
			page, err := l.repo.ListCases(ctx, casework.Filter{CustomerID: id}, afterCase, exportPage)
			if err != nil {
				return nil, fmt.Errorf("export cases of %s: %w", id, err)
			}
			out.Cases = append(out.Cases, page...)
			if len(page) < exportPage {
				break
			}
			pos := casework.PositionOf(page[len(page)-1])
			afterCase = &pos
		}
	}
	return out, nil
}
