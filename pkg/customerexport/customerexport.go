// Package customerexport serves the ExportCustomer method that each
// service offers for data-subject exports: the request names customers,
// the service returns what it holds about them.
package customerexport

import (
	"context"

	"github.com/opencrm/crm/pkg/resname"
)

// Collect parses the customer names of an ExportCustomer request
// (INVALID_ARGUMENT naming customers when one is not customers/ID) and
// returns what export finds for their ids.
func Collect[T any](ctx context.Context, names []string, export func(ctx context.Context, ids []string) (T, error)) (T, error) {
	ids, err := resname.Customers.ParseList("customers", names)
	if err != nil {
		var zero T
		return zero, err
	}
	return export(ctx, ids)
}
