package grading

import (
	"context"
	"iter"
	"time"

	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/records"
)

// walk streams the customers a run grades in batches through one cursor,
// counting the time spent waiting for the database in tm.
func (e *Engine) walk(ctx context.Context, tm *timer, light bool, fn func(page []metrics.Customer) error) error {
	last := time.Now()
	for page, err := range e.repo.Customers(ctx, light, int(e.Batch)) {
		tm.db += time.Since(last)
		if err != nil {
			return err
		}
		if err := fn(page); err != nil {
			return err
		}
		last = time.Now()
	}
	tm.db += time.Since(last)
	return nil
}

// joiner reads a run's scores alongside a walk over the customers (both
// ordered by customer id), one cursor for the whole walk.
type joiner struct {
	next func() ([]records.Score, error, bool)
	stop func()
	buf  []records.Score
	done bool
}

func (e *Engine) join(ctx context.Context, run string) *joiner {
	next, stop := iter.Pull2(e.repo.RunScores(ctx, run, int(e.Batch)))
	return &joiner{next: next, stop: stop}
}

// upTo returns the scores of the customers up to the id hi not returned
// before.
func (j *joiner) upTo(hi string) (map[string]records.Score, error) {
	out := map[string]records.Score{}
	for {
		for len(j.buf) > 0 && j.buf[0].Customer <= hi {
			out[j.buf[0].Customer] = j.buf[0]
			j.buf = j.buf[1:]
		}
		if len(j.buf) > 0 || j.done {
			return out, nil
		}
		b, err, ok := j.next()
		if !ok {
			j.done = true
			continue
		}
		if err != nil {
			return nil, err
		}
		j.buf = b
	}
}
