package grading

import (
	"context"
	"fmt"
)

// Export returns, for an access request, the view of each of the given
// customers (a customer and those merged into it) that segmentation keeps
// metrics of, in the order asked. A customer it never heard of has none;
// one merged away has none of its own either: its metrics were added to
// the survivor's, which the caller exports too.
func (e *Engine) Export(ctx context.Context, ids []string) ([]*View, error) {
	var out []*View
	for _, id := range ids {
		c, err := e.repo.Customer(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("export customer %s: %w", id, err)
		}
		if c == nil || c.MergedInto != "" {
			continue
		}
		v, err := e.Customer(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("export customer %s: %w", id, err)
		}
		out = append(out, v)
	}
	return out, nil
}
