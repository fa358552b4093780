package segments

import (
	"context"

	"github.com/opencrm/crm/services/segmentation/internal/records"
)

// Repository is the storage segments and settings need. Version-checked
// writes of a document that changed since it was read return
// records.ErrConflict; reads of what does not exist return nil.
type Repository interface {
	Results
	SaveSettings(ctx context.Context, st *records.Settings, prev int64) error

	// InsertSegment stores a new segment at version 1; records.ErrConflict
	// when the id is taken.
	InsertSegment(ctx context.Context, sg *records.Segment) error
	SaveSegment(ctx context.Context, sg *records.Segment, prev int64) error
	// DeleteSegment deletes a segment at version prev; false when there
	// was none.
	DeleteSegment(ctx context.Context, id string, prev int64) (bool, error)
	Segment(ctx context.Context, id string) (*records.Segment, error)
	Segments(ctx context.Context, after string, limit int64) ([]records.Segment, error)
}

// Results reads what runs computed: the current run, runs, their segments,
// members and sizes.
type Results interface {
	// Current is the id of the current run, "" before the first.
	Current(ctx context.Context) (string, error)
	// RunSegments are the rule segments (id -> rule version) a run
	// evaluated.
	RunSegments(ctx context.Context, run string) (map[string]int64, error)
	// CountMembers counts the members of each of segments in a run, in
	// one query; segments without members are missing.
	CountMembers(ctx context.Context, run string, segments []string) (map[string]int64, error)
	Members(ctx context.Context, run, segment, after string, limit int64) ([]string, error)
	Sizes(ctx context.Context, segment string, after *records.SizePos, limit int64) ([]records.Size, error)
	Run(ctx context.Context, id string) (*records.Run, error)
	Runs(ctx context.Context, after *records.RunPos, limit int64) ([]records.Run, error)
}

// Grader is what segments and settings need of the grading engine.
type Grader interface {
	// Settings are the stored settings, or the defaults.
	Settings(ctx context.Context) (*records.Settings, error)
	// SegmentsChanged asks for a run to evaluate changed segments and
	// returns its id, "" when one is pending already.
	SegmentsChanged(ctx context.Context) (string, error)
	// StartRun starts a run.
	StartRun(ctx context.Context, trigger string) (*records.Run, error)
}
