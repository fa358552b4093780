package logbook_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/interaction/internal/casework"
	"github.com/opencrm/crm/services/interaction/internal/logbook"
	"github.com/opencrm/crm/services/interaction/internal/record"
	"github.com/opencrm/crm/services/interaction/internal/store"
)

// replica is one instance of the use cases over the shared database, as
// one replica of the service runs them, with its own clock.
func replica(t *testing.T, db *mongo.Database, now func() time.Time) *logbook.Logbook {
	t.Helper()
	return logbook.New(store.New(db, feed.NewProducer(db), dbtest.Mode()), everyoneExists{}, idempotency.New(db), logbook.Options{SLA: casework.DefaultSLA, Now: now})
}

// complaints logs one complaint per priority, opened at each of the given
// times, and returns their case ids.
func complaints(t *testing.T, book *logbook.Logbook, priority casework.Priority, opened ...time.Time) []string {
	t.Helper()
	var ids []string
	for n, at := range opened {
		res, err := book.Log(context.Background(), []logbook.Item{{Interaction: record.Interaction{CustomerID: fmt.Sprint("c", n), Channel: 1, Direction: 1,
			Kind: record.KindComplaint, OccurTime: at, Complaint: &record.Complaint{Priority: int32(priority)}}}}, func(int) string { return "interaction" })
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res[0].Err)
		}
		ids = append(ids, res[0].Interaction.GetCase()[len("cases/"):])
	}
	return ids
}

// Several replicas sweep at once, each with its own clock: every overdue
// case is escalated exactly once, with exactly one CaseEscalated, and a
// replica whose clock runs far ahead escalates earlier, never twice.
func TestEscalationIsExactlyOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	db := dbtest.Database(t)
	ctx := context.Background()
	if err := mongox.EnsureIndexes(ctx, db, append(store.Indexes(), store.CaseIndexes()...)); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := func(skew time.Duration) func() time.Time { return func() time.Time { return now.Add(skew) } }
	first := replica(t, db, clock(0))
	// Urgent cases are due 4 hours after opening: these six are overdue.
	overdue := complaints(t, first, casework.Urgent, now.Add(-5*time.Hour), now.Add(-6*time.Hour), now.Add(-7*time.Hour),
		now.Add(-8*time.Hour), now.Add(-9*time.Hour), now.Add(-10*time.Hour))
	// Normal cases are due after 3 days: not yet.
	later := complaints(t, first, casework.Normal, now.Add(-time.Hour), now.Add(-2*time.Hour))
	// A resolved case past its due time is not escalated.
	resolved := complaints(t, first, casework.Urgent, now.Add(-20*time.Hour))[0]
	for _, to := range []casework.Status{casework.InProgress, casework.Resolved} {
		if _, err := first.Transition(ctx, resolved, to, "done", "ann", ""); err != nil {
			t.Fatal(err)
		}
	}

	replicas := []*logbook.Logbook{first, replica(t, db, clock(-time.Second)), replica(t, db, clock(time.Second)), replica(t, db, clock(0))}
	var mu sync.Mutex
	total := 0
	var wg sync.WaitGroup
	for _, r := range replicas {
		wg.Go(func() {
			for range 3 {
				n, err := r.EscalateOverdue(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				total += n
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if total != len(overdue) {
		t.Fatalf("escalated %d times, want %d", total, len(overdue))
	}
	escalatedEvents := func() int64 {
		t.Helper()
		n, err := db.Collection(feed.EventsCollection).CountDocuments(ctx, bson.D{{Key: "type", Value: "crm.interaction.v1.CaseEscalated"}})
		if err != nil {
			t.Fatal(err)
		}
		var left []bson.M
		cur, err := db.Collection(store.Cases).Find(ctx, bson.D{})
		if err != nil || cur.All(ctx, &left) != nil {
			t.Fatal(err)
		}
		for _, c := range left {
			if o, _ := c[feed.OutboxField].(bson.A); len(o) > 0 {
				t.Fatalf("case %v kept %d unpublished events", c["_id"], len(o))
			}
		}
		return n
	}
	if n := escalatedEvents(); n != int64(len(overdue)) {
		t.Fatalf("%d CaseEscalated events, want %d", n, len(overdue))
	}
	for _, id := range overdue {
		c, err := first.Case(ctx, id)
		if err != nil || !c.Escalated || c.EscalateTime == nil || c.EscalateTime.After(now.Add(time.Second)) {
			t.Fatalf("overdue case %s: %+v %v", id, c, err)
		}
	}
	for _, id := range append(later, resolved) {
		if c, err := first.Case(ctx, id); err != nil || c.Escalated {
			t.Fatalf("case %s escalated: %+v %v", id, c, err)
		}
	}

	// A replica whose clock is four days ahead escalates the normal cases
	// early (its clock decides when), and nothing a second time.
	ahead := replica(t, db, clock(96*time.Hour))
	if n, err := ahead.EscalateOverdue(ctx); err != nil || n != len(later) {
		t.Fatalf("replica ahead escalated %d: %v", n, err)
	}
	for _, r := range replicas {
		if n, err := r.EscalateOverdue(ctx); err != nil || n != 0 {
			t.Fatalf("sweep after everything was escalated: %d %v", n, err)
		}
	}
	if n := escalatedEvents(); n != int64(len(overdue)+len(later)) {
		t.Fatalf("%d CaseEscalated events, want %d", n, len(overdue)+len(later))
	}
	escalated := true
	if got, err := first.ListCases(ctx, casework.Filter{Escalated: &escalated}, nil, 50); err != nil || len(got) != len(overdue)+len(later) {
		t.Fatalf("escalated filter: %d %v", len(got), err)
	}
}

// Reassigning and reprioritising go through the case's version like every
// other change: a stale etag is refused, and the due time follows the new
// priority's SLA from the open time.
func TestUpdateCaseKeepsTheVersionAndMovesTheDueTime(t *testing.T) {
	t.Parallel()
	db := dbtest.Database(t)
	ctx := context.Background()
	if err := mongox.EnsureIndexes(ctx, db, append(store.Indexes(), store.CaseIndexes()...)); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	book := replica(t, db, func() time.Time { return now })
	opened := now.Add(-time.Hour)
	id := complaints(t, book, casework.Low, opened)[0]
	c, err := book.Case(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	tag := etag.Format(c.Version)
	up, err := book.UpdateCase(ctx, id, casework.Change{Assignee: "bob", Priority: casework.High}, []string{"assignee", "priority"}, "escalated by phone", "lead", tag)
	if err != nil {
		t.Fatal(err)
	}
	if up.Assignee != "bob" || up.Priority != casework.High || !up.DueTime.Equal(opened.Add(24*time.Hour)) || up.Version != c.Version+1 {
		t.Fatalf("updated: %+v", up)
	}
	if _, err := book.UpdateCase(ctx, id, casework.Change{Assignee: "carl"}, []string{"assignee"}, "", "lead", tag); !errors.Is(err, etag.ErrStale) {
		t.Fatalf("stale etag: %v", err)
	}
	stored, err := book.Case(ctx, id)
	if err != nil || stored.Assignee != "bob" || len(stored.History) != 1 || stored.History[0].Actor != "lead" || stored.History[0].FromAssignee != "" {
		t.Fatalf("stored: %+v %v", stored, err)
	}
}
