//nolint:goconst // bson keys and operators are spelled out as in the MongoDB documents and queries they build
package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/segmentation/internal/records"
)

// InsertRun records a new run.
func (s *Store) InsertRun(ctx context.Context, r *records.Run) error {
	_, err := s.runs.InsertOne(ctx, r)
	return mongox.Wrap("insert run", err)
}

// SaveRun rewrites a run.
func (s *Store) SaveRun(ctx context.Context, r *records.Run) error {
	_, err := s.runs.ReplaceOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, r)
	return mongox.Wrap("save run", err)
}

// Progress records a running run's progress and heartbeat.
func (s *Store) Progress(ctx context.Context, id string, processed, total int64, now time.Time) error {
	_, err := s.runs.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "state", Value: records.RunRunning}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "processed", Value: processed}, {Key: "total", Value: total}, {Key: "heartbeat", Value: now}}}})
	return mongox.Wrap("record run progress", err)
}

// Run reads a run; nil when there is none.
func (s *Store) Run(ctx context.Context, id string) (*records.Run, error) {
	return mongox.Optional(mongox.FindOne[records.Run](ctx, s.runs, bson.D{{Key: "_id", Value: id}}, nil, "read run"))
}

// RunSegments returns the rule versions a run evaluated, by segment id
// (nil when there is no such run), without reading the rest of the run.
func (s *Store) RunSegments(ctx context.Context, id string) (map[string]int64, error) {
	var r struct {
		Segments map[string]int64 `bson:"segments"`
	}
	err := s.runs.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "segments", Value: 1}})).Decode(&r)
	if mongox.IsNotFound(err) {
		return nil, nil //nolint:nilnil // nil is the documented absence, as the repositories declare
	}
	return r.Segments, mongox.Wrap("read run", err)
}

// Runs lists up to limit runs after pos (nil: from the newest), newest
// first, without their thresholds.
func (s *Store) Runs(ctx context.Context, after *records.RunPos, limit int64) ([]records.Run, error) {
	filter := bson.D{}
	if after != nil {
		filter = bson.D{mongox.PageBefore("start", after.Start, after.ID)}
	}
	return mongox.FindAll[records.Run](ctx, s.runs, filter, "list runs", options.Find().SetSort(bson.D{{Key: "start", Value: -1}, {Key: "_id", Value: -1}}).
		SetLimit(limit).SetProjection(bson.D{{Key: "thresholds", Value: 0}}))
}

// RunningRuns lists runs recorded as running.
func (s *Store) RunningRuns(ctx context.Context) ([]records.Run, error) {
	return mongox.FindAll[records.Run](ctx, s.runs, bson.D{{Key: "state", Value: records.RunRunning}}, "find running runs",
		options.Find().SetProjection(bson.D{{Key: "thresholds", Value: 0}}))
}

// lock is the state document that only one run holds at a time.
type lock struct {
	ID        string    `bson:"_id"`
	Run       string    `bson:"run"`
	Heartbeat time.Time `bson:"heartbeat"`
}

// Lock takes the run lock for run. When another run holds it, Lock
// returns that run's id; a holder silent since stale is taken over (its
// process died).
func (s *Store) Lock(ctx context.Context, run string, now, stale time.Time) (holder string, err error) {
	_, err = s.state.InsertOne(ctx, lock{ID: "lock", Run: run, Heartbeat: now})
	if err == nil {
		return "", nil
	}
	if !mongox.IsDuplicateKey(err) {
		return "", mongox.Wrap("take the run lock", err)
	}
	res, err := s.state.UpdateOne(ctx, bson.D{{Key: "_id", Value: "lock"}, {Key: "heartbeat", Value: bson.D{{Key: "$lt", Value: stale}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "run", Value: run}, {Key: "heartbeat", Value: now}}}})
	if err != nil {
		return "", mongox.Wrap("take over the run lock", err)
	}
	if res.ModifiedCount == 1 {
		return "", nil
	}
	var l lock
	if err := s.state.FindOne(ctx, bson.D{{Key: "_id", Value: "lock"}}).Decode(&l); err != nil {
		if mongox.IsNotFound(err) { // released meanwhile: try once more
			return s.Lock(ctx, run, now, stale)
		}
		return "", mongox.Wrap("read the run lock", err)
	}
	return l.Run, nil
}

// Beat renews the lock held by run; false when it was taken over.
func (s *Store) Beat(ctx context.Context, run string, now time.Time) (bool, error) {
	res, err := s.state.UpdateOne(ctx, bson.D{{Key: "_id", Value: "lock"}, {Key: "run", Value: run}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "heartbeat", Value: now}}}})
	if err != nil {
		return false, mongox.Wrap("renew the run lock", err)
	}
	return res.MatchedCount == 1, nil
}

// Unlock releases the lock held by run.
func (s *Store) Unlock(ctx context.Context, run string) error {
	_, err := s.state.DeleteOne(ctx, bson.D{{Key: "_id", Value: "lock"}, {Key: "run", Value: run}})
	return mongox.Wrap("release the run lock", err)
}

// Current returns the id of the current run ("" before the first).
func (s *Store) Current(ctx context.Context) (string, error) {
	var d struct {
		Run string `bson:"run"`
	}
	err := s.state.FindOne(ctx, bson.D{{Key: "_id", Value: "current"}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return "", nil
	}
	return d.Run, mongox.Wrap("read the current run", err)
}

// SetCurrent makes run current.
func (s *Store) SetCurrent(ctx context.Context, run string) error {
	_, err := s.state.UpdateOne(ctx, bson.D{{Key: "_id", Value: "current"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "run", Value: run}}}}, options.UpdateOne().SetUpsert(true))
	return mongox.Wrap("switch the current run", err)
}

// SetPending records (or clears) that segments changed while a run was in
// progress, so another run follows it.
func (s *Store) SetPending(ctx context.Context, pending bool) error {
	_, err := s.state.UpdateOne(ctx, bson.D{{Key: "_id", Value: "pending"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "pending", Value: pending}}}}, options.UpdateOne().SetUpsert(true))
	return mongox.Wrap("record a pending run", err)
}

// Pending reports whether a run should follow the current one.
func (s *Store) Pending(ctx context.Context) (bool, error) {
	var d struct {
		Pending bool `bson:"pending"`
	}
	err := s.state.FindOne(ctx, bson.D{{Key: "_id", Value: "pending"}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return false, nil
	}
	return d.Pending, mongox.Wrap("read the pending run", err)
}

// Settings reads the settings; nil when never saved.
func (s *Store) Settings(ctx context.Context) (*records.Settings, error) {
	return mongox.Optional(mongox.FindOne[records.Settings](ctx, s.state, bson.D{{Key: "_id", Value: "settings"}}, nil, "read settings"))
}

// SaveSettings writes the settings if their version is still prev (0:
// never saved).
func (s *Store) SaveSettings(ctx context.Context, st *records.Settings, prev int64) error {
	st.ID, st.Version = "settings", prev+1
	if prev == 0 {
		_, err := s.state.InsertOne(ctx, st)
		if mongox.IsDuplicateKey(err) {
			return records.ErrConflict
		}
		return mongox.Wrap("insert settings", err)
	}
	res, err := s.state.ReplaceOne(ctx, bson.D{{Key: "_id", Value: "settings"}, {Key: "version", Value: prev}}, st)
	if err != nil {
		return mongox.Wrap("save settings", err)
	}
	if res.MatchedCount == 0 {
		return records.ErrConflict
	}
	return nil
}
