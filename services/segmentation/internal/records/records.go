// Package records holds what segmentation keeps: rule segments, the
// settings, recompute runs with their reports, customers' scores in a run,
// membership changes and segment sizes. They are domain types: the use
// cases read and write them through the repositories they declare, and
// the store maps them to documents (hence their bson tags).
package records

import (
	"errors"
	"time"

	"github.com/opencrm/crm/services/segmentation/internal/model"
)

// Run states and triggers, as the API names them.
const (
	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunFailed    = "failed"

	TriggerManual   = "manual"
	TriggerSchedule = "scheduled"
	TriggerSegments = "segments_changed"
)

// Run is a recompute run.
type Run struct {
	ID        string    `bson:"_id"`
	State     string    `bson:"state"`
	Trigger   string    `bson:"trigger"`
	Start     time.Time `bson:"start"`
	End       time.Time `bson:"end,omitempty"`
	Heartbeat time.Time `bson:"heartbeat"`
	Processed int64     `bson:"processed"`
	Total     int64     `bson:"total"`
	Error     string    `bson:"error,omitempty"`
	// Thresholds grade customers between runs once this run is current.
	Thresholds *model.Thresholds `bson:"thresholds,omitempty"`
	Report     *Report           `bson:"report,omitempty"`
	// Currency and Exponent are the scored currency and its minor-unit
	// digits.
	Currency          string           `bson:"currency"`
	Exponent          int              `bson:"exponent"`
	DatabaseSeconds   float64          `bson:"database_seconds"`
	ComputeSeconds    float64          `bson:"compute_seconds"`
	SegmentSizes      map[string]int64 `bson:"segment_sizes,omitempty"`
	MembershipChanges int64            `bson:"membership_changes"`
	// Segments are the rule segments (id -> version) the run evaluated.
	Segments map[string]int64 `bson:"segments,omitempty"`
}

// Report holds a run's distributions.
type Report struct {
	Customers     int64            `bson:"customers"`
	Prospects     int64            `bson:"prospects"`
	Grid          [25]int64        `bson:"grid"` // [5*(recency-1) + fm-1]
	RFMSegments   map[string]int64 `bson:"rfm_segments"`
	ValueMatrix   map[string]int64 `bson:"value_matrix"`
	Pyramid       map[string]int64 `bson:"pyramid"`
	ABC           map[string]int64 `bson:"abc"`
	Stages        map[string]int64 `bson:"stages"`
	Trends        map[string]int64 `bson:"trends"`
	ChurnWarnings int64            `bson:"churn_warnings"`
	Equity        float64          `bson:"equity"`
}

// RunPos is a run's position in the newest-first order.
type RunPos struct {
	Start time.Time `json:"s"`
	ID    string    `json:"i"`
}

// Settings are the stored model settings.
type Settings struct {
	ID       string       `bson:"_id"`
	Params   model.Params `bson:"params"`
	Interval int          `bson:"interval_minutes"`
	Version  int64        `bson:"version"`
	Updated  time.Time    `bson:"updated"`
}

// Segment is a rule segment.
type Segment struct {
	ID          string    `bson:"_id"`
	DisplayName string    `bson:"display_name"`
	Description string    `bson:"description"`
	Rule        string    `bson:"rule"`
	Version     int64     `bson:"version"`
	Created     time.Time `bson:"created"`
	Updated     time.Time `bson:"updated"`
	// RuleVersion changes with the rule only: a run that evaluated this
	// version over the base makes the segment evaluated.
	RuleVersion int64 `bson:"rule_version"`
}

// Size is a segment's size when a run completed.
type Size struct {
	ID      string    `bson:"_id"` // segment/run
	Segment string    `bson:"seg"`
	Run     string    `bson:"run"`
	Time    time.Time `bson:"time"`
	Count   int64     `bson:"count"`
}

// SizePos is a size's position in the newest-first order.
type SizePos struct {
	Time time.Time `json:"t"`
	ID   string    `json:"i"`
}

// ErrConflict means a document changed since it was read.
var ErrConflict = errors.New("changed concurrently")

// Score is one customer's grades in one run, with their rule segments.
type Score struct {
	ID       string       `bson:"_id"` // run/customer
	Run      string       `bson:"run"`
	Customer string       `bson:"c"`
	Scores   model.Scores `bson:"s"`
	Segments []string     `bson:"seg"`
	Time     time.Time    `bson:"t"`
}

// ScoreID is the _id of a customer's score in a run.
func ScoreID(run, customer string) string { return run + "/" + customer }

// Change is a membership change found by a run, published once the run
// is current.
type Change struct {
	ID       string `bson:"_id"` // run/customer/segment
	Run      string `bson:"run"`
	Customer string `bson:"c"`
	Segment  string `bson:"seg"`
	Entered  bool   `bson:"in"`
}

// Forgotten is what segmentation deleted of an erased customer.
type Forgotten struct {
	// Metrics is 1 when the customer's metrics (with its grades and
	// memberships) were deleted, 0 when there were none.
	Metrics int64
	// Scores are the customer's scores in runs.
	Scores int64
	// MembershipChanges are pending membership changes.
	MembershipChanges int64
}
