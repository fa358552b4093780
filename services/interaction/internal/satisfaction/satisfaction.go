// Package satisfaction tallies the satisfaction interactions recorded, per
// case, assignee, channel or period, one interaction at a time: a report
// over a time range is one pass over its interactions, with memory for the
// groups only. Pure Go.
package satisfaction

import (
	"cmp"
	"slices"
	"time"
	// The zone database is compiled in: service images need not carry one.
	_ "time/tzdata"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/services/interaction/internal/record"
)

// Grouping is how responses are grouped (values match the API's enum).
type Grouping int32

// Groupings.
const (
	ByCase     Grouping = 1
	ByAssignee Grouping = 2
	ByChannel  Grouping = 3
	ByDay      Grouping = 4
	ByWeek     Grouping = 5
	ByMonth    Grouping = 6
)

// Query is what a report covers: interactions that occurred in [From, To),
// grouped By, days, weeks and months counted in TimeZone (IANA; "" is UTC).
type Query struct {
	By       Grouping
	From, To time.Time
	TimeZone string
}

// Summary is the satisfaction figures of a set of responses.
type Summary struct {
	Responses                    int64
	Satisfied, Met, Dissatisfied int64
	// ExperienceCounts counts the responses per experience score; index 0
	// is score 1.
	ExperienceCounts [10]int64
	ratioSum         float64
	differenceSum    int64
}

// Add counts one response.
func (s *Summary) Add(r record.Satisfaction) {
	s.Responses++
	s.ratioSum += r.Ratio()
	s.differenceSum += int64(r.Difference())
	switch d := r.Difference(); {
	case d > 0:
		s.Satisfied++
	case d == 0:
		s.Met++
	default:
		s.Dissatisfied++
	}
	if r.Experience >= 1 && r.Experience <= 10 {
		s.ExperienceCounts[r.Experience-1]++
	}
}

// merge adds o's responses to s.
func (s *Summary) merge(o *Summary) {
	s.Responses += o.Responses
	s.Satisfied, s.Met, s.Dissatisfied = s.Satisfied+o.Satisfied, s.Met+o.Met, s.Dissatisfied+o.Dissatisfied
	for n := range s.ExperienceCounts {
		s.ExperienceCounts[n] += o.ExperienceCounts[n]
	}
	s.ratioSum += o.ratioSum
	s.differenceSum += o.differenceSum
}

// MeanRatio is the mean of experience / expectation, 0 without responses.
func (s *Summary) MeanRatio() float64 {
	if s.Responses == 0 {
		return 0
	}
	return s.ratioSum / float64(s.Responses)
}

// MeanDifference is the mean of experience - expectation, 0 without
// responses.
func (s *Summary) MeanDifference() float64 {
	if s.Responses == 0 {
		return 0
	}
	return float64(s.differenceSum) / float64(s.Responses)
}

// Key says which group a response falls in; only the field of the
// grouping is set.
type Key struct {
	CaseID      string
	Assignee    string
	Channel     int32
	PeriodStart time.Time
}

// Group is one group's figures.
type Group struct {
	Key
	Summary
}

// Tally accumulates responses by group.
type Tally struct {
	q      Query
	loc    *time.Location
	total  Summary
	groups map[Key]*Summary
	// byCase holds, for an assignee report, the responses of interactions
	// of a case until the case's assignee is known (Assign).
	byCase map[string]*Summary
}

// New starts a tally for q, refusing a query that is not one.
func New(q Query) (*Tally, error) {
	switch {
	case q.By < ByCase || q.By > ByMonth:
		return nil, apperr.Invalid("group_by", "is required: CASE, ASSIGNEE, CHANNEL, DAY, WEEK or MONTH")
	case q.From.IsZero():
		return nil, apperr.Invalid("occur_time_from", "is required")
	case !q.To.After(q.From):
		return nil, apperr.Invalid("occur_time_to", "must be after occur_time_from")
	}
	loc := time.UTC
	if q.TimeZone != "" {
		l, err := time.LoadLocation(q.TimeZone)
		if err != nil || q.TimeZone == "Local" {
			return nil, apperr.Invalid("time_zone", "%q is not an IANA time zone such as Europe/Berlin", q.TimeZone)
		}
		loc = l
	}
	return &Tally{q: q, loc: loc, groups: map[Key]*Summary{}, byCase: map[string]*Summary{}}, nil
}

// Add counts one interaction, when it recorded satisfaction and falls in
// a group (by case: when it opened one).
func (t *Tally) Add(i *record.Interaction) {
	if i.Satisfaction == nil || i.OccurTime.Before(t.q.From) || !i.OccurTime.Before(t.q.To) {
		return
	}
	var k Key
	switch t.q.By {
	case ByCase:
		if i.CaseID == "" {
			return
		}
		k.CaseID = i.CaseID
	case ByAssignee:
		if i.CaseID != "" {
			add(t.byCase, i.CaseID, *i.Satisfaction)
			t.total.Add(*i.Satisfaction)
			return
		}
		k.Assignee = i.Agent
	case ByChannel:
		k.Channel = i.Channel
	default:
		k.PeriodStart = t.periodStart(i.OccurTime)
	}
	add(t.groups, k, *i.Satisfaction)
	t.total.Add(*i.Satisfaction)
}

func add[K comparable](m map[K]*Summary, k K, r record.Satisfaction) {
	s := m[k]
	if s == nil {
		s = &Summary{}
		m[k] = s
	}
	s.Add(r)
}

// periodStart is the start of the day, ISO week or month of t in the
// tally's zone, in UTC.
func (t *Tally) periodStart(at time.Time) time.Time {
	l := at.In(t.loc)
	y, m, d := l.Date()
	switch t.q.By {
	case ByWeek:
		d -= (int(l.Weekday()) + 6) % 7
	case ByMonth:
		d = 1
	}
	return time.Date(y, m, d, 0, 0, 0, 0, t.loc).UTC()
}

// CasesToAssign lists the cases whose assignee an assignee report still
// needs, in id order.
func (t *Tally) CasesToAssign() []string {
	ids := make([]string, 0, len(t.byCase))
	for id := range t.byCase {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Assign counts the responses of each case for its assignee (a case no
// longer stored counts for nobody, the "" assignee).
func (t *Tally) Assign(assignees map[string]string) {
	for id, s := range t.byCase {
		k := Key{Assignee: assignees[id]}
		g := t.groups[k]
		if g == nil {
			g = &Summary{}
			t.groups[k] = g
		}
		g.merge(s)
	}
	clear(t.byCase)
}

// Total is the figures over every counted response.
func (t *Tally) Total() Summary { return t.total }

// Groups lists the groups: cases and assignees by name, channels by
// value, periods oldest first.
func (t *Tally) Groups() []Group {
	out := make([]Group, 0, len(t.groups))
	for k, s := range t.groups {
		out = append(out, Group{Key: k, Summary: *s})
	}
	slices.SortFunc(out, func(a, b Group) int {
		return cmp.Or(cmp.Compare(a.CaseID, b.CaseID), cmp.Compare(a.Assignee, b.Assignee),
			cmp.Compare(a.Channel, b.Channel), a.PeriodStart.Compare(b.PeriodStart))
	})
	return out
}
