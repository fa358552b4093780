// Package casework holds the rules of complaint cases: how a complaint
// opens one, the SLA that sets its due time, which status changes are
// allowed, reassignment and priority changes, escalation, follow-up tasks,
// and the handling statistics. Pure Go.
package casework

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/fieldmask"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/interaction/internal/errs"
)

// Status is where a case stands (values match the API's enum).
type Status int32

// Statuses.
const (
	Open       Status = 1
	InProgress Status = 2
	Resolved   Status = 3
	Closed     Status = 4
)

// Priority is how urgent a case is (values match the API's enum).
type Priority int32

// Priorities.
const (
	Low    Priority = 1
	Normal Priority = 2
	High   Priority = 3
	Urgent Priority = 4
)

// Step is one change of a case: of its status, or of its assignee or
// priority (From and To are then the status it kept).
type Step struct {
	From  Status    `bson:"from"`
	To    Status    `bson:"to"`
	Note  string    `bson:"note"`
	Actor string    `bson:"actor"`
	Time  time.Time `bson:"time"`
	// A reassignment has FromAssignee != ToAssignee (either may be
	// empty: unassigned); a priority change has ToPriority set.
	FromAssignee string   `bson:"from_assignee,omitempty"`
	ToAssignee   string   `bson:"to_assignee,omitempty"`
	FromPriority Priority `bson:"from_priority,omitempty"`
	ToPriority   Priority `bson:"to_priority,omitempty"`
}

// FollowUp is a task handed to someone.
type FollowUp struct {
	ID          string     `bson:"id"`
	Description string     `bson:"description"`
	Assignee    string     `bson:"assignee"`
	DueTime     time.Time  `bson:"due_time"`
	Done        bool       `bson:"done"`
	DoneTime    *time.Time `bson:"done_time"`
}

// Case is a complaint tracked to its end.
type Case struct {
	ID                string     `bson:"_id"`
	CustomerID        string     `bson:"customer_id"`
	InteractionID     string     `bson:"interaction_id"`
	Status            Status     `bson:"status"`
	Priority          Priority   `bson:"priority"`
	Assignee          string     `bson:"assignee"`
	OpenTime          time.Time  `bson:"open_time"`
	DueTime           time.Time  `bson:"due_time"`
	FirstResponseTime *time.Time `bson:"first_response_time"`
	ResolveTime       *time.Time `bson:"resolve_time"`
	CloseTime         *time.Time `bson:"close_time"`
	History           []Step     `bson:"history"`
	FollowUps         []FollowUp `bson:"follow_ups"`
	// Escalated is set once the case passed its due time unresolved
	// (EscalateTime says when it was noticed).
	Escalated    bool       `bson:"escalated"`
	EscalateTime *time.Time `bson:"escalate_time"`
	Version      int64      `bson:"version"`
}

// Names is the pattern of case names, "cases/{case}".
var Names = resname.New("cases")

// followUps is the pattern of a case's follow-up tasks.
var followUps = resname.New("cases", "followUps")

// Name returns the resource name of a case id.
func Name(id string) string { return Names.Format(id) }

// Overdue reports whether the case is unresolved past its due time.
func (c *Case) Overdue(now time.Time) bool {
	return (c.Status == Open || c.Status == InProgress) && now.After(c.DueTime)
}

// Escalate marks the case escalated when it is overdue at now and not
// escalated yet; it reports whether it did.
func (c *Case) Escalate(now time.Time) bool {
	if c.Escalated || !c.Overdue(now) {
		return false
	}
	c.Escalated, c.EscalateTime = true, &now
	return true
}

// SLA is the time allowed to resolve a case, per priority.
type SLA map[Priority]time.Duration

// DefaultSLA resolves urgent cases in 4 hours, high in a day, normal in 3
// days and low in a week.
var DefaultSLA = SLA{Urgent: 4 * time.Hour, High: 24 * time.Hour, Normal: 72 * time.Hour, Low: 168 * time.Hour}

var priorityNames = map[string]Priority{"low": Low, "normal": Normal, "high": High, "urgent": Urgent}

// ParseSLA reads "urgent=4h,high=24h,normal=72h,low=168h"; priorities not
// named keep their default.
func ParseSLA(s string) (SLA, error) {
	sla := SLA{}
	maps.Copy(sla, DefaultSLA)
	for part := range strings.SplitSeq(s, ",") {
		name, dur, ok := strings.Cut(strings.TrimSpace(part), "=")
		p, known := priorityNames[strings.ToLower(name)]
		if !ok || !known {
			return nil, fmt.Errorf("%q: want priority=duration with priority low, normal, high or urgent", part)
		}
		d, err := time.ParseDuration(dur)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%q: %q is not a positive duration", part, dur)
		}
		sla[p] = d
	}
	return sla, nil
}

// OpenCase returns the case a complaint opens.
func OpenCase(id, customerID, interactionID string, p Priority, assignee string, openTime time.Time, sla SLA) Case {
	if p == 0 {
		p = Normal
	}
	return Case{ID: id, CustomerID: customerID, InteractionID: interactionID, Status: Open, Priority: p, Assignee: assignee,
		OpenTime: openTime, DueTime: openTime.Add(sla[p]), History: []Step{}, FollowUps: []FollowUp{}}
}

var allowed = map[Status][]Status{
	Open:       {InProgress},
	InProgress: {Resolved},
	Resolved:   {Closed, Open},
	Closed:     {Open},
}

var statusNames = map[Status]string{Open: "OPEN", InProgress: "IN_PROGRESS", Resolved: "RESOLVED", Closed: "CLOSED"}

// Transition moves c to status to, recording the step. A move the
// lifecycle does not allow is FAILED_PRECONDITION.
func (c *Case) Transition(to Status, note, actor string, now time.Time) error {
	if !slices.Contains(allowed[c.Status], to) {
		return errs.InvalidCaseTransition.New("a case cannot go from %s to %s", statusNames[c.Status], statusNames[to])
	}
	c.History = append(c.History, Step{From: c.Status, To: to, Note: note, Actor: actor, Time: now})
	switch to {
	case InProgress:
		if c.FirstResponseTime == nil {
			c.FirstResponseTime = &now
		}
	case Resolved:
		c.ResolveTime = &now
	case Closed:
		c.CloseTime = &now
	case Open:
		c.ResolveTime, c.CloseTime = nil, nil
	}
	c.Status = to
	return nil
}

// UpdatablePaths are the fields UpdateCase may change.
var UpdatablePaths = []string{"assignee", "priority"}

// Change is the new values of an update; only the fields its mask names
// are read.
type Change struct {
	Assignee string
	Priority Priority
}

// Update applies the fields of ch that paths name, recording one history
// step for what actually changed (none when nothing did). A new priority
// sets the due time to the open time plus its SLA; when that puts the due
// time back after now, the escalation is cleared, so the case escalates
// again if it passes the new due time. It returns the fields that changed.
func (c *Case) Update(ch Change, paths []string, note, actor string, now time.Time, sla SLA) ([]string, error) {
	paths, err := fieldmask.Check(paths, UpdatablePaths, "a case's status changes with TransitionCase")
	if err != nil {
		return nil, err
	}
	step := Step{From: c.Status, To: c.Status, Note: note, Actor: actor, Time: now}
	var changed []string
	for _, p := range paths {
		switch p {
		case "assignee":
			if utf8.RuneCountInString(ch.Assignee) > 200 {
				return nil, apperr.Invalid("case.assignee", "is longer than 200 characters")
			}
			if ch.Assignee != c.Assignee {
				step.FromAssignee, step.ToAssignee = c.Assignee, ch.Assignee
				c.Assignee = ch.Assignee
				changed = append(changed, "assignee")
			}
		case "priority":
			if ch.Priority < Low || ch.Priority > Urgent {
				return nil, apperr.Invalid("case.priority", "must be CASE_PRIORITY_LOW, _NORMAL, _HIGH or _URGENT")
			}
			if ch.Priority != c.Priority {
				step.FromPriority, step.ToPriority = c.Priority, ch.Priority
				c.Priority, c.DueTime = ch.Priority, c.OpenTime.Add(sla[ch.Priority])
				changed = append(changed, "priority", "due_time")
				if c.Escalated && !c.Overdue(now) {
					c.Escalated, c.EscalateTime = false, nil
					changed = append(changed, "escalated")
				}
			}
		}
	}
	if len(changed) > 0 {
		c.History = append(c.History, step)
		changed = append(changed, "history")
	}
	return changed, nil
}

// AddFollowUp adds a task.
func (c *Case) AddFollowUp(id, description, assignee string, due time.Time) {
	c.FollowUps = append(c.FollowUps, FollowUp{ID: id, Description: description, Assignee: assignee, DueTime: due})
}

// CompleteFollowUp marks a task done; completing it again changes nothing.
func (c *Case) CompleteFollowUp(id string, now time.Time) error {
	for i := range c.FollowUps {
		if c.FollowUps[i].ID == id {
			if !c.FollowUps[i].Done {
				c.FollowUps[i].Done, c.FollowUps[i].DoneTime = true, &now
			}
			return nil
		}
	}
	return apperr.NotFound(followUps.Format(c.ID, id))
}

// Statistics are the handling measures of a set of cases.
type Statistics struct {
	Cases, Responded, Resolved            int64
	FirstResponseMedian, FirstResponseP90 time.Duration
	ResolutionMedian, ResolutionP90       time.Duration
	// WithinSLA is the share of resolved cases resolved by their due time.
	WithinSLA float64
}

// Measure computes statistics over cases.
func Measure(cases []Case) Statistics {
	var s Statistics
	var response, resolution []time.Duration
	within := 0
	for _, c := range cases {
		s.Cases++
		if c.FirstResponseTime != nil {
			s.Responded++
			response = append(response, c.FirstResponseTime.Sub(c.OpenTime))
		}
		if c.ResolveTime != nil {
			s.Resolved++
			resolution = append(resolution, c.ResolveTime.Sub(c.OpenTime))
			if !c.ResolveTime.After(c.DueTime) {
				within++
			}
		}
	}
	s.FirstResponseMedian, s.FirstResponseP90 = quantile(response, 0.5), quantile(response, 0.9)
	s.ResolutionMedian, s.ResolutionP90 = quantile(resolution, 0.5), quantile(resolution, 0.9)
	if s.Resolved > 0 {
		s.WithinSLA = float64(within) / float64(s.Resolved)
	}
	return s
}

// quantile is the nearest-rank quantile q of ds (0 when empty).
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	rank := int(q*float64(len(ds))+0.999999) - 1
	return ds[max(0, min(rank, len(ds)-1))]
}
