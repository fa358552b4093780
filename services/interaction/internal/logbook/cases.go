package logbook

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/services/interaction/internal/activity"
	"github.com/opencrm/crm/services/interaction/internal/casework"
	"github.com/opencrm/crm/services/interaction/internal/record"
	"github.com/opencrm/crm/services/interaction/internal/recordpb"
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
// when given and always on the version read, and publishes CaseChanged.
func (l *Logbook) changeCase(ctx context.Context, id, tag string, fields []string, change func(c *casework.Case, now time.Time) error) (*casework.Case, error) {
	v, err := etag.Parse("etag", tag)
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
	if err := change(c, now); err != nil {
		return nil, err
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
	return l.changeCase(ctx, id, tag, []string{"status", "history"}, func(c *casework.Case, now time.Time) error {
		return c.Transition(to, note, actor, now)
	})
}

// AddFollowUp adds a task to a case.
func (l *Logbook) AddFollowUp(ctx context.Context, id, description, assignee string, due time.Time) (*casework.Case, error) {
	return l.changeCase(ctx, id, "", []string{"follow_ups"}, func(c *casework.Case, _ time.Time) error {
		c.AddFollowUp(strings.ToLower(rand.Text()[:12]), description, assignee, due.UTC().Truncate(time.Millisecond))
		return nil
	})
}

// CompleteFollowUp marks a task done.
func (l *Logbook) CompleteFollowUp(ctx context.Context, id, followUp string) (*casework.Case, error) {
	return l.changeCase(ctx, id, "", []string{"follow_ups"}, func(c *casework.Case, now time.Time) error {
		return c.CompleteFollowUp(followUp, now)
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
