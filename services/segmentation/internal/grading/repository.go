package grading

import (
	"context"
	"iter"
	"time"

	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/records"
)

// Repository is the storage the engine needs. Version-checked writes of a
// document that changed since it was read return records.ErrConflict.
type Repository interface {
	Metrics
	Scores
	Runs
	// Settings reads the settings; nil when never saved.
	Settings(ctx context.Context) (*records.Settings, error)
	// Segments lists up to limit rule segments after id after (limit 0:
	// all), by id.
	Segments(ctx context.Context, after string, limit int64) ([]records.Segment, error)
}

// Metrics stores customers' metrics, kept from the feeds. A missing
// customer reads as nil.
type Metrics interface {
	Customer(ctx context.Context, id string) (*metrics.Customer, error)
	CustomersByID(ctx context.Context, ids []string) (map[string]*metrics.Customer, error)
	// SaveCustomer writes c if its version is still prev (0: new).
	SaveCustomer(ctx context.Context, c *metrics.Customer, prev int64) error
	// DeleteCustomer forgets a customer's metrics, scores and pending
	// membership changes, and says how many it deleted.
	DeleteCustomer(ctx context.Context, id string) (records.Forgotten, error)
	// Customers streams the graded customers by id in batches of size;
	// light leaves out what only rules read.
	Customers(ctx context.Context, light bool, size int) iter.Seq2[[]metrics.Customer, error]
	ChangedSince(ctx context.Context, t time.Time) ([]string, error)
}

// Scores stores customers' scores in each run, and the membership
// changes a run publishes once it is current.
type Scores interface {
	MembershipChanges
	Score(ctx context.Context, run, customer string) (records.Score, error)
	ScoresByCustomer(ctx context.Context, run string, customers []string) (map[string]records.Score, error)
	RunScores(ctx context.Context, run string, size int) iter.Seq2[[]records.Score, error]
	InsertScores(ctx context.Context, docs []records.Score) error
	ReplaceScores(ctx context.Context, scs []records.Score) error
	DeleteCustomerScores(ctx context.Context, id string) error
	DeleteRunScores(ctx context.Context, run string) error
	StaleRuns(ctx context.Context, keep string) ([]string, error)
	RecordSizes(ctx context.Context, run string, at time.Time, sizes map[string]int64) error
}

// MembershipChanges stores the membership changes a run publishes once it
// is current.
type MembershipChanges interface {
	InsertChanges(ctx context.Context, cs []records.Change) error
	Changes(ctx context.Context, run string, limit int64) ([]records.Change, error)
	DeleteChanges(ctx context.Context, cs []records.Change) error
}

// Runs stores recompute runs, the lock one run holds, the current run and
// whether a run is pending.
type Runs interface {
	RunState
	InsertRun(ctx context.Context, r *records.Run) error
	SaveRun(ctx context.Context, r *records.Run) error
	Progress(ctx context.Context, id string, processed, total int64, now time.Time) error
	// Run reads a run; nil when there is none.
	Run(ctx context.Context, id string) (*records.Run, error)
	Runs(ctx context.Context, after *records.RunPos, limit int64) ([]records.Run, error)
	RunningRuns(ctx context.Context) ([]records.Run, error)
}

// RunState stores the lock one run holds, the current run and whether a
// run is pending.
type RunState interface {
	Lock(ctx context.Context, run string, now, stale time.Time) (holder string, err error)
	Beat(ctx context.Context, run string, now time.Time) (bool, error)
	Unlock(ctx context.Context, run string) error
	Current(ctx context.Context) (string, error)
	SetCurrent(ctx context.Context, run string) error
	SetPending(ctx context.Context, pending bool) error
	Pending(ctx context.Context) (bool, error)
}

// Events publishes segmentation's feed events and forgets an erased
// customer's.
type Events interface {
	Append(ctx context.Context, evs ...feed.Pending) error
	Redact(ctx context.Context, subject string) error
}
