package logbook

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/services/interaction/internal/activity"
	"github.com/opencrm/crm/services/interaction/internal/casework"
	"github.com/opencrm/crm/services/interaction/internal/record"
	"github.com/opencrm/crm/services/interaction/internal/recordpb"
	"github.com/opencrm/crm/services/interaction/internal/satisfaction"
)

// Case returns one case.
func (l *Logbook) Case(ctx context.Context, id string) (*casework.Case, error) {
	return l.repo.GetCase(ctx, id)
}

// ListCases returns up to limit cases selected by f after the position
// after (nil: from the start), earliest due first.
func (l *Logbook) ListCases(ctx context.Context, f casework.Filter, after *casework.After, limit int) ([]*casework.Case, error) {
	return l.repo.ListCases(ctx, f, after, limit)
}

// changeCase applies change to a case, conditional on the caller's etag
// (request field tagField) when given and always on the version read, and
// publishes CaseChanged with the fields change reports; a change of
// nothing is not written.
func (l *Logbook) changeCase(ctx context.Context, id, tagField, tag string, change func(c *casework.Case, now time.Time) ([]string, error)) (*casework.Case, error) {
	v, err := etag.Parse(tagField, tag)
	if err != nil {
		return nil, err
	}
	c, err := l.repo.GetCase(ctx, id)
	if err != nil {
		return nil, err
	}
	if v != 0 && v != c.Version {
		return nil, etag.ErrStale
	}
	now := l.Now().UTC().Truncate(time.Millisecond)
	read := c.Version
	fields, err := change(c, now)
	if err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return c, nil
	}
	c.Version = read + 1
	ev, err := feed.NewPending(ctx, casework.Name(id), &interactionv1.CaseChanged{Case: recordpb.CaseToProto(c, now), ChangedFields: fields}, now)
	if err != nil {
		return nil, err
	}
	if err := l.repo.SaveCase(ctx, c, read, []feed.Pending{ev}); err != nil {
		return nil, err
	}
	return c, nil
}

// Transition moves a case to another status.
func (l *Logbook) Transition(ctx context.Context, id string, to casework.Status, note, actor, tag string) (*casework.Case, error) {
	return l.changeCase(ctx, id, "etag", tag, func(c *casework.Case, now time.Time) ([]string, error) {
		return []string{"status", "history"}, c.Transition(to, note, actor, now)
	})
}

// UpdateCase reassigns a case or changes its priority (the fields paths
// names), recording who did it and why; a new priority's SLA sets the due
// time.
func (l *Logbook) UpdateCase(ctx context.Context, id string, ch casework.Change, paths []string, note, actor, tag string) (*casework.Case, error) {
	return l.changeCase(ctx, id, "case.etag", tag, func(c *casework.Case, now time.Time) ([]string, error) {
		return c.Update(ch, paths, note, actor, now, l.sla)
	})
}

// escalationPage is how many overdue cases a sweep reads at a time.
const escalationPage = 100

// EscalateOverdue escalates the cases overdue by the logbook's clock and
// not escalated yet. Each is written conditional on the version read, so
// when several replicas sweep at once exactly one of them escalates a case
// and publishes its CaseEscalated; the others find their write stale and
// leave it (a case changed meanwhile by someone else is looked at again by
// the next sweep). The clock decides only when a case escalates, never how
// often. It returns how many cases this call escalated.
func (l *Logbook) EscalateOverdue(ctx context.Context) (int, error) {
	now := l.Now().UTC().Truncate(time.Millisecond)
	notYet := false
	f := casework.Filter{OverdueAt: &now, Escalated: &notYet}
	var after *casework.After
	done := 0
	for {
		page, err := l.repo.ListCases(ctx, f, after, escalationPage)
		if err != nil {
			return done, err
		}
		for _, c := range page {
			read := c.Version
			if !c.Escalate(now) {
				continue
			}
			ev, err := feed.NewPending(ctx, casework.Name(c.ID), &interactionv1.CaseEscalated{Case: recordpb.CaseToProto(c, now)}, now)
			if err != nil {
				return done, err
			}
			switch err := l.repo.SaveCase(ctx, c, read, []feed.Pending{ev}); {
			case errors.Is(err, etag.ErrStale):
				continue
			case err != nil:
				return done, fmt.Errorf("escalate %s: %w", casework.Name(c.ID), err)
			}
			done++
		}
		if len(page) < escalationPage {
			return done, nil
		}
		pos := casework.PositionOf(page[len(page)-1])
		after = &pos
	}
}

// AddFollowUp adds a task to a case.
func (l *Logbook) AddFollowUp(ctx context.Context, id, description, assignee string, due time.Time) (*casework.Case, error) {
	return l.changeCase(ctx, id, "", "", func(c *casework.Case, _ time.Time) ([]string, error) {
		c.AddFollowUp(strings.ToLower(rand.Text()[:12]), description, assignee, due.UTC().Truncate(time.Millisecond))
		return []string{"follow_ups"}, nil
	})
}

// CompleteFollowUp marks a task done.
func (l *Logbook) CompleteFollowUp(ctx context.Context, id, followUp string) (*casework.Case, error) {
	return l.changeCase(ctx, id, "", "", func(c *casework.Case, now time.Time) ([]string, error) {
		return []string{"follow_ups"}, c.CompleteFollowUp(followUp, now)
	})
}

// Statistics measures the cases opened in [from, to).
func (l *Logbook) Statistics(ctx context.Context, from, to time.Time) (casework.Statistics, error) {
	cases, err := l.repo.CasesOpened(ctx, from, to)
	if err != nil {
		return casework.Statistics{}, err
	}
	return casework.Measure(cases), nil
}

// SatisfactionStatistics tallies the satisfaction of the interactions
// that occurred in q's range, in one pass over them; grouped by assignee,
// the assignees of their cases are then read in one query per 500 cases.
func (l *Logbook) SatisfactionStatistics(ctx context.Context, q satisfaction.Query) (*satisfaction.Tally, error) {
	t, err := satisfaction.New(q)
	if err != nil {
		return nil, err
	}
	if err := l.repo.EachSatisfaction(ctx, q.From, q.To, func(i *record.Interaction) error { t.Add(i); return nil }); err != nil {
		return nil, err
	}
	if ids := t.CasesToAssign(); len(ids) > 0 {
		assignees, err := l.repo.CaseAssignees(ctx, ids)
		if err != nil {
			return nil, err
		}
		t.Assign(assignees)
	}
	return t, nil
}

// Activity summarises one customer's interactions and open cases.
func (l *Logbook) Activity(ctx context.Context, customerID string, windows []int32) (*activity.Summary, error) {
	s := activity.New(customerID, windows, l.Now().UTC())
	if err := l.repo.EachInteraction(ctx, customerID, func(i *record.Interaction) error { s.Add(i); return nil }); err != nil {
		return nil, err
	}
	open, err := l.repo.OpenCases(ctx, customerID)
	if err != nil {
		return nil, err
	}
	s.OpenCases = open[customerID]
	return s, nil
}

// EachActivity streams every customer's summary to fn, one customer at a
// time, in customer order.
func (l *Logbook) EachActivity(ctx context.Context, windows []int32, fn func(*activity.Summary) error) error {
	open, err := l.repo.OpenCases(ctx, "")
	if err != nil {
		return err
	}
	now := l.Now().UTC()
	var cur *activity.Summary
	flush := func() error {
		if cur == nil {
			return nil
		}
		cur.OpenCases = open[cur.CustomerID]
		return fn(cur)
	}
	err = l.repo.EachInteraction(ctx, "", func(i *record.Interaction) error {
		if cur == nil || cur.CustomerID != i.CustomerID {
			if err := flush(); err != nil {
				return err
			}
			cur = activity.New(i.CustomerID, windows, now)
		}
		cur.Add(i)
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}
