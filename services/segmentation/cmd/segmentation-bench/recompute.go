package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/opencrm/crm/pkg/benchrig"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/segmentation/internal/celfacts"
	"github.com/opencrm/crm/services/segmentation/internal/grading"
	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/records"
	"github.com/opencrm/crm/services/segmentation/internal/store"
)

// seed stores n generated customers in st, in batches.
func seed(ctx context.Context, st *store.Store, n int, now time.Time) error {
	batch := make([]metrics.Customer, 0, 1000)
	for i := range n {
		batch = append(batch, *customer(i, now))
		if len(batch) == cap(batch) || i == n-1 {
			if err := st.InsertCustomers(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}

// recomputeRun times one run over n customers on a fresh embedded
// database.
func recomputeRun(ctx context.Context, res *benchrig.Report, n int, pg string) error {
	rig, release, err := benchrig.OpenTemp(ctx, "segmentation-bench-", benchrig.Options{PostgreSQLURL: pg})
	if err != nil {
		return err
	}
	defer release()
	mdb := rig.Database(segmentationDB)
	// A PostgreSQL backend keeps data between runs: start from nothing.
	if err := mdb.Drop(ctx); err != nil {
		return err
	}
	if err := mongox.EnsureIndexes(ctx, mdb, store.Indexes()); err != nil {
		return err
	}
	st := store.New(mdb, mongox.ModeEmbedded)
	now := time.Now().UTC()
	if err := seed(ctx, st, n, now); err != nil {
		return err
	}
	if err := st.InsertSegment(ctx, &records.Segment{ID: "cn-recent", Rule: benchRules[0], RuleVersion: 1, Created: now, Updated: now}); err != nil {
		return err
	}
	e := grading.NewEngine(st, feed.NewProducer(mdb), celfacts.Compile, slog.New(slog.DiscardHandler), "EUR")
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { e.Serve(sctx); close(done) }()
	defer func() { stop(); <-done }()
	var r *records.Run
	for r == nil {
		r, err = e.StartRun(ctx, records.TriggerManual)
		if err != nil && err.Error() != "the recompute worker is unavailable" {
			return err
		}
		if r == nil {
			time.Sleep(10 * time.Millisecond)
		}
	}
	for {
		cur, err := st.Run(ctx, r.ID)
		if err != nil {
			return err
		}
		if cur.State == records.RunFailed {
			return fmt.Errorf("run over %d customers failed: %s", n, cur.Error)
		}
		if cur.State == records.RunSucceeded {
			total := cur.End.Sub(cur.Start).Seconds()
			res.Addf("| %d | %.2f | %.2f | %.0f%% | %.2f |", n, total, cur.DatabaseSeconds, 100*cur.DatabaseSeconds/(cur.DatabaseSeconds+cur.ComputeSeconds), cur.ComputeSeconds)
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}
