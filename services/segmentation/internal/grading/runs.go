package grading

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/ids"
	"github.com/opencrm/crm/pkg/money"
	"github.com/opencrm/crm/services/segmentation/internal/errs"
	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/model"
	"github.com/opencrm/crm/services/segmentation/internal/names"
	"github.com/opencrm/crm/services/segmentation/internal/records"
)

// staleAfter is how long a run may go without a heartbeat before it is
// taken for dead (its process stopped).
const staleAfter = time.Minute

func timestamp(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

// StartRun starts a recompute run in the background and returns it. While
// one runs it is errs.RunInProgress with the run's name.
func (e *Engine) StartRun(ctx context.Context, trigger string) (*records.Run, error) { //nolint:contextcheck // the run outlives the call: it ends with Serve's context
	st, err := e.Settings(ctx)
	if err != nil {
		return nil, err
	}
	now := e.Now().UTC().Truncate(time.Millisecond)
	r := &records.Run{ID: ids.New(), State: records.RunRunning, Trigger: trigger, Start: now, Heartbeat: now,
		Currency: e.Currency, Exponent: money.Exponent(e.Currency)}
	holder, err := e.repo.Lock(ctx, r.ID, now, now.Add(-staleAfter))
	if err != nil {
		return nil, err
	}
	if holder != "" {
		return nil, errs.RunInProgress.New("a recompute run is in progress").With("run", names.Runs.Format(holder))
	}
	e.mu.Lock()
	runCtx := e.runCtx
	if runCtx != nil {
		e.runs.Add(1)
	}
	e.mu.Unlock()
	if runCtx == nil {
		return nil, errors.Join(apperr.Unavailable("the recompute worker", errors.New("not started yet")), e.repo.Unlock(ctx, r.ID))
	}
	if err := e.repo.InsertRun(ctx, r); err != nil {
		e.runs.Done()
		return nil, errors.Join(err, e.repo.Unlock(ctx, r.ID))
	}
	go func() {
		defer e.runs.Done()
		e.finish(runCtx, r, st.Params)
	}()
	return r, nil
}

// Serve lets runs start, repairs what a stopped process left, and every
// 30 seconds until ctx ends does so again and starts a scheduled run when
// one is due; then it waits for the run in progress to stop.
func (e *Engine) Serve(ctx context.Context) {
	e.mu.Lock()
	e.runCtx = ctx
	e.mu.Unlock()
	defer e.runs.Wait()
	if err := e.Recover(ctx); err != nil && ctx.Err() == nil {
		e.Log.ErrorContext(ctx, "recovering runs", "error", err)
	}
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := e.Recover(ctx); err != nil && ctx.Err() == nil {
			e.Log.ErrorContext(ctx, "recovering runs", "error", err)
		}
		if err := e.Schedule(ctx); err != nil && ctx.Err() == nil {
			e.Log.ErrorContext(ctx, "scheduling a run", "error", err)
		}
	}
}

// finish executes a run and records how it ended.
func (e *Engine) finish(ctx context.Context, r *records.Run, p model.Params) {
	log := e.Log.With("run", r.ID)
	log.InfoContext(ctx, "recompute run started", "trigger", r.Trigger)
	err := e.execute(ctx, r, p)
	if err != nil {
		if ctx.Err() != nil {
			// Stopping: record the run as failed with a context of its own,
			// so the next start finds a consistent state at once.
			stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			ctx, err = stop, errors.New("interrupted: the service stopped")
		}
		log.ErrorContext(ctx, "recompute run failed", "error", err)
		// Scores first: a run recorded failed has none left.
		if err := e.repo.DeleteRunScores(ctx, r.ID); err != nil {
			log.ErrorContext(ctx, "deleting a failed run's scores", "error", err)
		}
		r.State, r.Error, r.End = records.RunFailed, err.Error(), e.Now().UTC()
		if err := e.repo.SaveRun(ctx, r); err != nil {
			log.ErrorContext(ctx, "recording a failed run", "error", err)
		}
	} else {
		log.InfoContext(ctx, "recompute run succeeded", "customers", r.Total, "membership_changes", r.MembershipChanges,
			"database_seconds", r.DatabaseSeconds, "compute_seconds", r.ComputeSeconds)
		// The run is current whatever happens next: what settling leaves
		// undone, the next start's recovery or run does.
		if err := e.settle(ctx, r); err != nil {
			log.ErrorContext(ctx, "settling a completed run", "error", err)
		}
	}
	if err := e.repo.Unlock(ctx, r.ID); err != nil {
		log.ErrorContext(ctx, "releasing the run lock", "error", err)
	}
	pending, err := e.repo.Pending(ctx)
	if err != nil || !pending || r.State == records.RunFailed {
		return
	}
	if err := e.repo.SetPending(ctx, false); err != nil {
		log.ErrorContext(ctx, "clearing the pending run", "error", err)
		return
	}
	if _, err := e.StartRun(ctx, records.TriggerSegments); err != nil && !errors.Is(err, errs.RunInProgress) {
		log.ErrorContext(ctx, "starting the pending run", "error", err)
	}
}

// timer splits a run's time between the database and computing.
type timer struct {
	db    time.Duration
	start time.Time
}

func (t *timer) dbCall(f func() error) error {
	s := time.Now()
	err := f()
	t.db += time.Since(s)
	return err
}

// execute scores the base in two passes and makes the result current;
// finish then settles it.
func (e *Engine) execute(ctx context.Context, r *records.Run, p model.Params) error {
	tm := &timer{start: time.Now()}
	now := r.Start
	prev, err := e.repo.Current(ctx)
	if err != nil {
		return err
	}
	segs, err := e.segments(ctx)
	if err != nil {
		return err
	}
	r.Segments = map[string]int64{}
	for _, sg := range segs {
		r.Segments[sg.ID] = sg.RuleVersion
	}
	// Pass 1: the base's distributions.
	col := model.NewCollector(p)
	var total int64
	if err := e.walk(ctx, tm, true, func(page []metrics.Customer) error {
		for i := range page {
			col.Add(page[i].Features(now, p.WindowDays, r.Exponent))
		}
		total += int64(len(page))
		return nil
	}); err != nil {
		return err
	}
	th := col.Thresholds()
	b := &basis{run: r.ID, thresholds: th, currency: r.Currency, exponent: r.Exponent}
	r.Total = total
	if err := e.beat(ctx, r, tm); err != nil {
		return err
	}
	// Pass 2: grade everyone against them.
	rs := ruleList(segs)
	tally := newTally(p)
	sizes := map[string]int64{}
	olds := e.join(ctx, prev)
	defer olds.stop()
	if err := e.walk(ctx, tm, false, func(page []metrics.Customer) error {
		var old map[string]records.Score
		if err := tm.dbCall(func() error {
			var err error
			old, err = olds.upTo(page[len(page)-1].ID)
			return err
		}); err != nil {
			return err
		}
		docs := make([]records.Score, 0, len(page))
		var changes []records.Change
		graded := GradeBatch(page, &b.thresholds, b.exponent, rs, now)
		for i := range page {
			c := &page[i]
			s, members := graded[i].Scores, memberIDs(segs, graded[i].Member)
			tally.add(s)
			for _, m := range members {
				sizes[m]++
			}
			docs = append(docs, records.Score{ID: records.ScoreID(r.ID, c.ID), Run: r.ID, Customer: c.ID, Scores: s, Segments: members, Time: now})
			entered, left := diff(old[c.ID].Segments, members)
			for _, sg := range entered {
				changes = append(changes, records.Change{ID: r.ID + "/" + c.ID + "/" + sg, Run: r.ID, Customer: c.ID, Segment: sg, Entered: true})
			}
			for _, sg := range left {
				changes = append(changes, records.Change{ID: r.ID + "/" + c.ID + "/" + sg, Run: r.ID, Customer: c.ID, Segment: sg})
			}
		}
		if err := tm.dbCall(func() error {
			if err := e.repo.InsertScores(ctx, docs); err != nil {
				return err
			}
			return e.repo.InsertChanges(ctx, changes)
		}); err != nil {
			return err
		}
		r.Processed += int64(len(page))
		r.MembershipChanges += int64(len(changes))
		return e.beat(ctx, r, tm)
	}); err != nil {
		return err
	}
	r.Thresholds = &th
	r.Report = tally.r
	r.SegmentSizes = sizes
	r.State, r.End = records.RunSucceeded, e.Now().UTC()
	elapsed := time.Since(tm.start)
	r.DatabaseSeconds, r.ComputeSeconds = tm.db.Seconds(), (elapsed - tm.db).Seconds()
	// Recorded as succeeded before it becomes current: Recover makes the
	// newest succeeded run current if a crash falls between the two.
	if err := e.repo.SaveRun(ctx, r); err != nil {
		return err
	}
	return e.repo.SetCurrent(ctx, r.ID)
}

// beat records progress and renews the lock; a run whose lock another
// took over stops.
func (e *Engine) beat(ctx context.Context, r *records.Run, tm *timer) error {
	return tm.dbCall(func() error {
		now := e.Now().UTC()
		ok, err := e.repo.Beat(ctx, r.ID, now)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("the run lock was taken over (no heartbeat for a minute)")
		}
		return e.repo.Progress(ctx, r.ID, r.Processed, r.Total, now)
	})
}

// settle finishes a current run: records segment sizes, publishes its
// membership changes and RunCompleted, rescores customers whose metrics
// changed since it started, and deletes other runs' scores.
func (e *Engine) settle(ctx context.Context, r *records.Run) error {
	if err := e.repo.RecordSizes(ctx, r.ID, r.End, r.SegmentSizes); err != nil {
		return err
	}
	if err := e.publishChanges(ctx, r.ID); err != nil {
		return err
	}
	done, err := feed.NewPending(ctx, names.Runs.Format(r.ID), &segmentationv1.RunCompleted{Run: names.Runs.Format(r.ID), Customers: r.Total, MembershipChanges: r.MembershipChanges}, e.Now())
	if err != nil {
		return err
	}
	done.ID = "run-completed/" + r.ID
	if err := e.events.Append(ctx, done); err != nil {
		return err
	}
	changed, err := e.repo.ChangedSince(ctx, r.Start)
	if err != nil {
		return err
	}
	for _, id := range changed {
		if err := e.Rescore(ctx, id); err != nil {
			return fmt.Errorf("rescore customers/%s changed during the run: %w", id, err)
		}
	}
	stale, err := e.repo.StaleRuns(ctx, r.ID)
	if err != nil {
		return err
	}
	slices.Sort(stale)
	for _, id := range slices.Compact(stale) {
		if err := e.repo.DeleteRunScores(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// publishChanges publishes a current run's recorded membership changes,
// in batches; event ids derive from the change, so a retry publishes
// nothing twice.
func (e *Engine) publishChanges(ctx context.Context, run string) error {
	now := e.Now().UTC()
	for {
		cs, err := e.repo.Changes(ctx, run, 500)
		if err != nil || len(cs) == 0 {
			return err
		}
		evs := make([]feed.Pending, len(cs))
		for i, c := range cs {
			ev, err := membershipEvent(ctx, c.Customer, c.Segment, run, c.Entered, now)
			if err != nil {
				return err
			}
			ev.ID = "membership/" + c.ID
			evs[i] = ev
		}
		if err := e.events.Append(ctx, evs...); err != nil {
			return err
		}
		if err := e.repo.DeleteChanges(ctx, cs); err != nil {
			return err
		}
	}
}

// Recover repairs what a stopped process left: runs without a heartbeat
// are failed and their scores deleted, a succeeded run that did not become
// current does, and a current run's unpublished changes are published.
func (e *Engine) Recover(ctx context.Context) error {
	running, err := e.repo.RunningRuns(ctx)
	if err != nil {
		return err
	}
	now := e.Now().UTC()
	for _, r := range running {
		if now.Sub(r.Heartbeat) < staleAfter {
			continue
		}
		if err := e.repo.DeleteRunScores(ctx, r.ID); err != nil {
			return err
		}
		r.State, r.Error, r.End = records.RunFailed, "interrupted: the process running it stopped", now
		if err := e.repo.SaveRun(ctx, &r); err != nil {
			return err
		}
		if err := e.repo.Unlock(ctx, r.ID); err != nil {
			return err
		}
		e.Log.WarnContext(ctx, "marked an interrupted run failed", "run", r.ID)
	}
	runs, err := e.repo.Runs(ctx, nil, 20)
	if err != nil {
		return err
	}
	cur, err := e.repo.Current(ctx)
	if err != nil {
		return err
	}
	for _, r := range runs {
		if r.State != records.RunSucceeded {
			continue
		}
		if r.ID != cur {
			if err := e.repo.SetCurrent(ctx, r.ID); err != nil {
				return err
			}
			e.Log.WarnContext(ctx, "made the newest completed run current", "run", r.ID)
			full, err := e.repo.Run(ctx, r.ID)
			if err != nil {
				return err
			}
			return e.settle(ctx, full)
		}
		break
	}
	if cur == "" {
		return nil
	}
	return e.publishChanges(ctx, cur)
}

// Schedule starts a run when the settings' interval has passed since the
// last one started.
func (e *Engine) Schedule(ctx context.Context) error {
	st, err := e.Settings(ctx)
	if err != nil || st.Interval <= 0 {
		return err
	}
	last, err := e.repo.Runs(ctx, nil, 1)
	if err != nil {
		return err
	}
	if len(last) > 0 && e.Now().Sub(last[0].Start) < time.Duration(st.Interval)*time.Minute {
		return nil
	}
	if _, err := e.StartRun(ctx, records.TriggerSchedule); err != nil && !errors.Is(err, errs.RunInProgress) {
		return err
	}
	return nil
}

// SegmentsChanged starts a run to evaluate a new or changed rule, or
// marks one pending after the run in progress. It returns the run
// started, if any.
func (e *Engine) SegmentsChanged(ctx context.Context) (string, error) {
	r, err := e.StartRun(ctx, records.TriggerSegments)
	if errors.Is(err, errs.RunInProgress) {
		return "", e.repo.SetPending(ctx, true)
	}
	if err != nil {
		return "", err
	}
	return r.ID, nil
}
