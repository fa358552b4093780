package grading

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/segmentation/internal/celfacts"
	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/records"
	"github.com/opencrm/crm/services/segmentation/internal/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

var day0 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// base stores n customers; customer i bought i+1 times.
func base(t *testing.T, st *store.Store, n int) {
	t.Helper()
	for i := range n {
		c := &metrics.Customer{ID: "c" + string(rune('a'+i/26)) + string(rune('a'+i%26)), Updated: day0.Add(-time.Hour)}
		for k := range i + 1 {
			c.Purchase(day0.AddDate(0, 0, -10*(i+k+1)), int64(1000*(i+1)), false, "web")
		}
		if err := st.SaveCustomer(context.Background(), c, 0); err != nil {
			t.Fatal(err)
		}
	}
}

func engine(t *testing.T, c mongox.Config, now func() time.Time) (*Engine, *store.Store) {
	t.Helper()
	db := dbtest.Open(t, c)
	st := store.New(db, dbtest.Mode())
	if err := mongox.EnsureIndexes(context.Background(), db, store.Indexes()); err != nil {
		t.Fatal(err)
	}
	e := NewEngine(st, feed.NewProducer(db), celfacts.Compile, slog.New(slog.DiscardHandler), "EUR")
	e.Now, e.Batch = now, 3
	return e, st
}

// serve runs the engine's worker until the test ends or stop is called.
func serve(e *Engine) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Serve(ctx); close(done) }()
	return func() { cancel(); <-done }
}

func waitRun(t *testing.T, st *store.Store, id string) *records.Run {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := st.Run(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		cur, err := st.Current(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// A succeeded run is done once it is current.
		if r.State == records.RunFailed || (r.State == records.RunSucceeded && cur == id) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still running", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A run stopped half-way by a shutdown leaves the run before it current
// and none of its own scores; the next run completes.
func TestStopMidRunLeavesTheLastResult(t *testing.T) {
	ctx := context.Background()
	cfg := dbtest.Config(t)
	first, st := engine(t, cfg, func() time.Time { return day0 })
	base(t, st, 20)
	stop := serve(first)
	r1, err := first.StartRun(ctx, records.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	if r := waitRun(t, st, r1.ID); r.State != records.RunSucceeded {
		t.Fatalf("first run: %s %s", r.State, r.Error)
	}
	stop()

	// The second engine's clock stops its service once its run has
	// written a batch: every batch reads the clock.
	var once sync.Once
	var stopSecond func()
	second, _ := engine(t, cfg, func() time.Time {
		if runs, _ := st.RunningRuns(ctx); len(runs) == 1 && runs[0].Processed > 0 {
			once.Do(func() { go stopSecond() })
		}
		return day0.Add(time.Hour)
	})
	stopSecond = serve(second)
	r2, err := second.StartRun(ctx, records.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	r := waitRun(t, st, r2.ID)
	if r.State != records.RunFailed || r.Processed == 0 || r.Processed >= 20 {
		t.Fatalf("interrupted run: state %s, processed %d of %d", r.State, r.Processed, r.Total)
	}
	if cur, _ := st.Current(ctx); cur != r1.ID {
		t.Fatalf("current run %s, want the first %s", cur, r1.ID)
	}
	if left, _ := st.StaleRuns(ctx, r1.ID); len(left) != 0 {
		t.Fatalf("the interrupted run left scores: %v", left)
	}
	// Restarted, the service runs again from a consistent state.
	third, _ := engine(t, cfg, func() time.Time { return day0.Add(2 * time.Hour) })
	defer serve(third)()
	r3, err := third.StartRun(ctx, records.TriggerManual)
	if err != nil {
		t.Fatalf("start after the interruption: %v", err)
	}
	if r := waitRun(t, st, r3.ID); r.State != records.RunSucceeded || r.Processed != 20 || r.Report.Customers != 20 {
		t.Fatalf("run after restart: %+v", r)
	}
	// Settling the run deletes older runs' scores.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		left, err := st.StaleRuns(ctx, r3.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("older runs' scores remain: %v", left)
		}
	}
}

// A process killed mid-run leaves its run "running" and the lock held;
// once the heartbeat is a minute old, the service marks the run failed,
// deletes its scores and runs again.
func TestKilledRunIsRecovered(t *testing.T) {
	ctx := context.Background()
	now := day0
	e, st := engine(t, dbtest.Config(t), func() time.Time { return now })
	base(t, st, 5)
	// What the killed process left: the lock, the run, some scores.
	dead := &records.Run{ID: "dead", State: records.RunRunning, Start: now, Heartbeat: now, Trigger: records.TriggerManual}
	if holder, err := st.Lock(ctx, dead.ID, now, now.Add(-time.Minute)); err != nil || holder != "" {
		t.Fatal(holder, err)
	}
	if err := st.InsertRun(ctx, dead); err != nil {
		t.Fatal(err)
	}
	if err := st.InsertScores(ctx, []records.Score{{ID: records.ScoreID("dead", "caa"), Run: "dead", Customer: "caa", Time: now}}); err != nil {
		t.Fatal(err)
	}
	defer serve(e)()
	if _, err := e.StartRun(ctx, records.TriggerManual); err == nil {
		t.Fatal("a run started while a live-looking run held the lock")
	}
	now = now.Add(2 * time.Minute)
	if err := e.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if r, _ := st.Run(ctx, "dead"); r.State != records.RunFailed {
		t.Fatalf("dead run is %s", r.State)
	}
	if left, _ := st.StaleRuns(ctx, ""); len(left) != 0 {
		t.Fatalf("dead run's scores remain: %v", left)
	}
	r, err := e.StartRun(ctx, records.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	if r := waitRun(t, st, r.ID); r.State != records.RunSucceeded {
		t.Fatalf("run after recovery: %s %s", r.State, r.Error)
	}
}
