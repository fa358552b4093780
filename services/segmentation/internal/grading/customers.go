package grading

import (
	"context"

	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/records"
)

// Metrics reads a customer's metrics; nil when there are none.
func (e *Engine) Metrics(ctx context.Context, id string) (*metrics.Customer, error) {
	return e.repo.Customer(ctx, id)
}

// MetricsByID reads the metrics of customers, by id; those with none are
// missing.
func (e *Engine) MetricsByID(ctx context.Context, ids []string) (map[string]*metrics.Customer, error) {
	return e.repo.CustomersByID(ctx, ids)
}

// SaveMetrics writes a customer's metrics if their version is still prev
// (0: new); records.ErrConflict if they changed meanwhile.
func (e *Engine) SaveMetrics(ctx context.Context, c *metrics.Customer, prev int64) error {
	return e.repo.SaveCustomer(ctx, c, prev)
}

// Forget forgets an erased customer's metrics and grades, and the
// payloads of segmentation's events about them; it says what it deleted.
func (e *Engine) Forget(ctx context.Context, id string) (records.Forgotten, error) {
	f, err := e.repo.DeleteCustomer(ctx, id)
	if err != nil {
		return records.Forgotten{}, err
	}
	return f, e.events.Redact(ctx, resname.Customers.Format(id))
}
