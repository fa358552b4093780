// Package store keeps segmentation's data in MongoDB: customers' metrics,
// the scores of each run (one document per run and customer, made current
// by one pointer), runs, segments, settings, and the membership changes a
// run publishes after it completes.
//
//nolint:goconst // bson keys and operators are spelled out as in the MongoDB documents and queries they build
package store

import (
	"context"
	"iter"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/records"
)

// Collections.
const (
	customersColl = "customers"
	scoresColl    = "scores"
	runsColl      = "runs"
	stateColl     = "state"
	segmentsColl  = "segments"
	sizesColl     = "segment_sizes"
	changesColl   = "membership_changes"
)

// Store is segmentation's database.
type Store struct {
	customers, scores, runs, state, segments, sizes, changes *mongo.Collection
	// mode decides how a feed batch's documents are read (mongox.ByIDs).
	mode mongox.Mode
}

// New returns the store of db; mode is the database's.
func New(db *mongo.Database, mode mongox.Mode) *Store {
	return &Store{
		customers: db.Collection(customersColl), scores: db.Collection(scoresColl), runs: db.Collection(runsColl),
		state: db.Collection(stateColl), segments: db.Collection(segmentsColl), sizes: db.Collection(sizesColl),
		changes: db.Collection(changesColl), mode: mode,
	}
}

// Indexes are the indexes the store's queries need.
func Indexes() []mongox.Index {
	ix := mongox.Ascending
	return append(feed.Indexes(),
		ix(customersColl, "updated"),
		ix(scoresColl, "run", "c"),
		ix(scoresColl, "run", "seg", "c"),
		ix(scoresColl, "c"),
		ix(runsColl, "start"),
		ix(sizesColl, "seg", "time"),
		ix(changesColl, "run"),
		ix(changesColl, "c"),
	)
}

// Customer reads one customer's metrics; nil when there are none.
func (s *Store) Customer(ctx context.Context, id string) (*metrics.Customer, error) {
	return mongox.Optional(mongox.FindOne[metrics.Customer](ctx, s.customers, bson.D{{Key: "_id", Value: id}}, nil, "read metrics"))
}

// SaveCustomer writes c if its version is still prev (0: a new document).
func (s *Store) SaveCustomer(ctx context.Context, c *metrics.Customer, prev int64) error {
	c.Version = prev + 1
	if prev == 0 {
		_, err := s.customers.InsertOne(ctx, c)
		if mongox.IsDuplicateKey(err) {
			return records.ErrConflict
		}
		return mongox.Wrap("insert metrics", err)
	}
	res, err := s.customers.ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.ID}, {Key: "version", Value: prev}}, c)
	if err != nil {
		return mongox.Wrap("replace metrics", err)
	}
	if res.MatchedCount == 0 {
		return records.ErrConflict
	}
	return nil
}

// InsertCustomers stores customers in bulk (an import); ones already
// there are kept.
func (s *Store) InsertCustomers(ctx context.Context, cs []metrics.Customer) error {
	return mongox.InsertNew(ctx, s.customers, cs, "insert metrics")
}

// DeleteCustomer forgets a customer: metrics, scores of every run and
// pending membership changes.
func (s *Store) DeleteCustomer(ctx context.Context, id string) (records.Forgotten, error) {
	var f records.Forgotten
	res, err := s.customers.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return f, mongox.Wrap("delete metrics", err)
	}
	f.Metrics = res.DeletedCount
	if res, err = s.scores.DeleteMany(ctx, bson.D{{Key: "c", Value: id}}); err != nil {
		return f, mongox.Wrap("delete scores", err)
	}
	f.Scores = res.DeletedCount
	if res, err = s.changes.DeleteMany(ctx, bson.D{{Key: "c", Value: id}}); err != nil {
		return f, mongox.Wrap("delete membership changes", err)
	}
	f.MembershipChanges = res.DeletedCount
	return f, nil
}

// DeleteCustomerScores deletes a customer's scores in every run.
func (s *Store) DeleteCustomerScores(ctx context.Context, id string) error {
	_, err := s.scores.DeleteMany(ctx, bson.D{{Key: "c", Value: id}})
	return mongox.Wrap("delete scores", err)
}

// Customers streams the customers a run grades (not merged away, not
// soft-deleted) by id, in batches of size, through one cursor; light
// leaves out what only rules read (profile, channels, cases).
func (s *Store) Customers(ctx context.Context, light bool, size int) iter.Seq2[[]metrics.Customer, error] {
	filter := bson.D{{Key: "merged_into", Value: nil}, {Key: "deleted", Value: bson.D{{Key: "$ne", Value: true}}}}
	o := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetBatchSize(int32(size)) //nolint:gosec // batch sizes are the engine's, in the thousands
	if light {
		o.SetProjection(bson.D{{Key: "profile", Value: 0}, {Key: "channels", Value: 0}, {Key: "open_cases", Value: 0}})
	}
	return batches[metrics.Customer](ctx, s.customers, filter, o, size, "read metrics")
}

// RunScores streams a run's scores by customer id, in batches of size.
func (s *Store) RunScores(ctx context.Context, run string, size int) iter.Seq2[[]records.Score, error] {
	o := options.Find().SetSort(bson.D{{Key: "c", Value: 1}}).SetBatchSize(int32(size)) //nolint:gosec // batch sizes are the engine's, in the thousands
	return batches[records.Score](ctx, s.scores, bson.D{{Key: "run", Value: run}}, o, size, "read scores")
}

// batches runs one find and yields its documents in batches of size.
func batches[T any](ctx context.Context, coll *mongo.Collection, filter bson.D, o *options.FindOptionsBuilder, size int, op string) iter.Seq2[[]T, error] {
	return func(yield func([]T, error) bool) {
		cur, err := coll.Find(ctx, filter, o)
		if err != nil {
			yield(nil, mongox.Wrap(op, err))
			return
		}
		// A cursor that fails to close times out on the server.
		defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
		batch := make([]T, 0, size)
		for cur.Next(ctx) {
			var d T
			if err := cur.Decode(&d); err != nil {
				yield(nil, mongox.Wrap(op, err))
				return
			}
			if batch = append(batch, d); len(batch) == size {
				if !yield(batch, nil) {
					return
				}
				batch = make([]T, 0, size)
			}
		}
		if err := cur.Err(); err != nil {
			yield(nil, mongox.Wrap(op, err))
			return
		}
		if len(batch) > 0 {
			yield(batch, nil)
		}
	}
}

// ChangedSince lists customers whose metrics changed at or after t.
func (s *Store) ChangedSince(ctx context.Context, t time.Time) ([]string, error) {
	return mongox.IDs(ctx, s.customers, bson.D{{Key: "updated", Value: bson.D{{Key: "$gte", Value: t}}}, {Key: "merged_into", Value: nil}}, 0)
}

// Score reads a customer's score in a run; the zero Score when there is
// none.
func (s *Store) Score(ctx context.Context, run, customer string) (records.Score, error) {
	var sc records.Score
	err := s.scores.FindOne(ctx, bson.D{{Key: "_id", Value: records.ScoreID(run, customer)}}).Decode(&sc)
	if mongox.IsNotFound(err) {
		return records.Score{}, nil
	}
	return sc, mongox.Wrap("read score", err)
}

// InsertScores writes a batch of a run's scores; documents written
// before (a retried batch) are kept.
func (s *Store) InsertScores(ctx context.Context, docs []records.Score) error {
	return mongox.InsertNew(ctx, s.scores, docs, "write scores")
}

// ReplaceScore writes one customer's rescored grades.
func (s *Store) ReplaceScore(ctx context.Context, sc records.Score) error {
	_, err := s.scores.ReplaceOne(ctx, bson.D{{Key: "_id", Value: sc.ID}}, sc, options.Replace().SetUpsert(true))
	return mongox.Wrap("write score", err)
}

// DeleteRunScores deletes the scores of a run.
func (s *Store) DeleteRunScores(ctx context.Context, run string) error {
	_, err := s.scores.DeleteMany(ctx, bson.D{{Key: "run", Value: run}})
	if err != nil {
		return mongox.Wrap("delete a run's scores", err)
	}
	_, err = s.changes.DeleteMany(ctx, bson.D{{Key: "run", Value: run}})
	return mongox.Wrap("delete a run's membership changes", err)
}

// Members lists up to limit members of a segment in a run after a
// customer id, by id.
func (s *Store) Members(ctx context.Context, run, segment, after string, limit int64) ([]string, error) {
	filter := bson.D{{Key: "run", Value: run}, {Key: "seg", Value: segment}, {Key: "c", Value: bson.D{{Key: "$gt", Value: after}}}}
	docs, err := mongox.FindAll[struct {
		C string `bson:"c"`
	}](ctx, s.scores, filter, "list members", options.Find().SetSort(bson.D{{Key: "c", Value: 1}}).SetLimit(limit).SetProjection(bson.D{{Key: "c", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.C
	}
	return out, nil
}

// CountMembers counts the members of each of segments in a run, in one
// aggregation; segments without members are missing.
func (s *Store) CountMembers(ctx context.Context, run string, segments []string) (map[string]int64, error) {
	in := bson.D{{Key: "$in", Value: segments}}
	return mongox.CountBy(ctx, s.scores, mongo.Pipeline{
		{{Key: "$match", Value: bson.D{{Key: "run", Value: run}, {Key: "seg", Value: in}}}},
		{{Key: "$unwind", Value: "$seg"}},
		{{Key: "$match", Value: bson.D{{Key: "seg", Value: in}}}},
	}, "seg", "count members")
}

// InsertChanges records a batch of a run's membership changes.
func (s *Store) InsertChanges(ctx context.Context, cs []records.Change) error {
	return mongox.InsertNew(ctx, s.changes, cs, "write membership changes")
}

// Changes reads up to limit of a run's unpublished membership changes.
func (s *Store) Changes(ctx context.Context, run string, limit int64) ([]records.Change, error) {
	return mongox.FindAll[records.Change](ctx, s.changes, bson.D{{Key: "run", Value: run}}, "read membership changes", options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(limit))
}

// DeleteChanges removes published changes.
func (s *Store) DeleteChanges(ctx context.Context, cs []records.Change) error {
	ids := make(bson.A, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	_, err := s.changes.DeleteMany(ctx, mongox.IDIn(ids))
	return mongox.Wrap("delete membership changes", err)
}

// StaleRuns lists runs other than keep that still have scores or changes
// (failed runs and runs a later one replaced).
func (s *Store) StaleRuns(ctx context.Context, keep string) ([]string, error) {
	var out []string
	for _, coll := range []*mongo.Collection{s.scores, s.changes} {
		var runs []string
		if err := coll.Distinct(ctx, "run", bson.D{{Key: "run", Value: bson.D{{Key: "$ne", Value: keep}}}}).Decode(&runs); err != nil {
			return nil, mongox.Wrap("find stale runs", err)
		}
		out = append(out, runs...)
	}
	return out, nil
}
