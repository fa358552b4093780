package segments_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/segmentation/internal/celfacts"
	"github.com/opencrm/crm/services/segmentation/internal/grading"
	"github.com/opencrm/crm/services/segmentation/internal/records"
	"github.com/opencrm/crm/services/segmentation/internal/segments"
	"github.com/opencrm/crm/services/segmentation/internal/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// Listing segments reads their member counts and whether the current run
// evaluated them in a number of queries that does not grow with the page:
// segment i has i members, and the run evaluated the odd ones at their
// rule version.
func TestListCostsAFixedNumberOfQueries(t *testing.T) {
	ctx := context.Background()
	db, cmds := dbtest.Counted(t)
	if err := mongox.EnsureIndexes(ctx, db, store.Indexes()); err != nil {
		t.Fatal(err)
	}
	st := store.New(db, dbtest.Mode())
	engine := grading.NewEngine(st, feed.NewProducer(db), celfacts.Compile, slog.New(slog.DiscardHandler), "EUR")
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	sm := segments.New(st, engine, celfacts.Compile, func() time.Time { return now })

	const n = 6
	evaluated := map[string]int64{}
	var scores []records.Score
	for i := range n {
		id := fmt.Sprint("s", i)
		if err := st.InsertSegment(ctx, &records.Segment{ID: id, Rule: "true", RuleVersion: 1, Created: now, Updated: now}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			evaluated[id] = 1
		}
		for c := range i {
			scores = append(scores, records.Score{ID: records.ScoreID("r1", fmt.Sprint(id, "-", c)), Run: "r1", Customer: fmt.Sprint(id, "-", c), Segments: []string{id, "other"}})
		}
	}
	if err := st.InsertScores(ctx, scores); err != nil {
		t.Fatal(err)
	}
	if err := st.InsertRun(ctx, &records.Run{ID: "r1", State: records.RunSucceeded, Start: now, Segments: evaluated}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetCurrent(ctx, "r1"); err != nil {
		t.Fatal(err)
	}

	queries := func(limit int64) int {
		cmds.Reset()
		vs, err := sm.List(ctx, "", limit)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(vs)) != limit {
			t.Fatalf("listed %d segments, want %d", len(vs), limit)
		}
		for i, v := range vs {
			if v.Members != int64(i) || v.Evaluated != (i%2 == 1) {
				t.Errorf("%s: %d members, evaluated %v; want %d, %v", v.ID, v.Members, v.Evaluated, i, i%2 == 1)
			}
		}
		return len(cmds.Names())
	}
	if few, many := queries(2), queries(n); few != many || many > 4 {
		t.Errorf("listing 2 segments took %d queries, %d took %d; want the same, at most 4", few, n, many)
	}
}
