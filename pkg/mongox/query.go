package mongox

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ErrNotFound is what FindOne returns when nothing matches and the caller
// named no error of its own: a store passes it on where "none" is a normal
// answer (nothing to claim, no record yet), and its callers test for it with
// errors.Is.
var ErrNotFound = errors.New("no matching document")

// FindOne decodes the one document matching filter. When there is none it
// returns notFound, or ErrNotFound if notFound is nil; op names the read for
// other errors.
func FindOne[T any](ctx context.Context, coll *mongo.Collection, filter any, notFound error, op string, opts ...options.Lister[options.FindOneOptions]) (*T, error) {
	return Decode[T](coll.FindOne(ctx, filter, opts...), notFound, op)
}

// Decode decodes a single-document result (of FindOne, FindOneAndUpdate...)
// as FindOne does.
func Decode[T any](res *mongo.SingleResult, notFound error, op string) (*T, error) {
	var v T
	err := res.Decode(&v)
	if IsNotFound(err) {
		if notFound == nil {
			notFound = fmt.Errorf("%s: %w", op, ErrNotFound)
		}
		return nil, notFound
	}
	if err != nil {
		return nil, Wrap(op, err)
	}
	return &v, nil
}

// FindAll decodes every document matching filter, in the order opts sort
// them; op names the read for errors.
func FindAll[T any](ctx context.Context, coll *mongo.Collection, filter any, op string, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := coll.Find(ctx, filter, opts...)
	if err != nil {
		return nil, Wrap(op, err)
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, Wrap(op, err)
	}
	return out, nil
}

// MaxStatements is the most statements BulkWrite puts in one command.
const MaxStatements = 32

// BulkWrite writes models, unordered, in commands of at most MaxStatements
// statements, and returns the errors of them all. The embedded database's
// PostgreSQL backend (FerretDB 1.24) keeps a pool connection for each
// matched statement of an update command until the whole command ends, so
// one command of 50 statements takes its whole pool and waits forever for
// one more, stopping every other request with it. On MongoDB the split
// costs a round trip per 32 documents. op names the write for errors.
func BulkWrite(ctx context.Context, coll *mongo.Collection, models []mongo.WriteModel, op string) error {
	var errs []error
	for part := range slices.Chunk(models, MaxStatements) {
		if _, err := coll.BulkWrite(ctx, part, options.BulkWrite().SetOrdered(false)); err != nil {
			errs = append(errs, Wrap(op, err))
		}
	}
	return errors.Join(errs...)
}

// Lookups is how many ids ByIDs reads one at a time on the embedded
// database before it reads them with one $in instead. A lookup by _id is
// one round trip (about a millisecond); an $in reads and decodes the whole
// table, about ten lookups' time at a few dozen documents and growing with
// the table.
type Lookups int

// AllLookups reads every id by lookup however many there are: a feed
// consumer's batch reads documents of tables that grow with the customer
// base and the history (accounts, ledger entries, metrics), so at any real
// size a scan per batch costs more than a lookup per id, and a consumer
// keeping up with a trickle reads a few documents, not the tables. A read
// whose ids may be most of a small table chooses by its size
// (SizedLookups).
const AllLookups Lookups = math.MaxInt

// ByIDs returns the documents of coll whose _id is one of ids, each once,
// in no particular order (ids not stored are left out, an id given twice
// is read once); projection may be nil. On
// the embedded database (mode embedded) it reads up to lookups ids one
// lookup by _id at a time: a filter of _id alone is the only one both its
// backends serve from an index, and an $in reads the whole table. Else, and
// always on MongoDB, it is one $in (there one indexed round trip). op names
// the read for errors.
func ByIDs[T any](ctx context.Context, coll *mongo.Collection, ids []string, mode Mode, lookups Lookups, projection bson.D, op string) ([]T, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if mode != ModeEmbedded || len(ids) > int(lookups) {
		opts := options.Find()
		if projection != nil {
			opts.SetProjection(projection)
		}
		return FindAll[T](ctx, coll, IDIn(ids), op, opts)
	}
	opts := options.FindOne()
	if projection != nil {
		opts.SetProjection(projection)
	}
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		var v T
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, opts).Decode(&v)
		if IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, Wrap(op, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// After returns filter with the condition _id > after, for a page of a walk
// in _id order (see ByID).
func After(filter bson.D, after string) bson.D {
	return append(slices.Clip(filter), bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}})
}

// ByID returns find options sorting by _id, limited to limit documents
// when limit > 0.
func ByID(limit int64) *options.FindOptionsBuilder {
	o := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}})
	if limit > 0 {
		o.SetLimit(limit)
	}
	return o
}

// Each streams the documents matching filter to fn, decoding one at a time
// so that a large result never sits in memory; fn's error stops the stream
// and is returned as it is. op names the read for errors.
func Each[T any](ctx context.Context, coll *mongo.Collection, filter any, op string, fn func(*T) error, opts ...options.Lister[options.FindOptions]) (err error) {
	cur, err := coll.Find(ctx, filter, opts...)
	if err != nil {
		return Wrap(op, err)
	}
	defer func() {
		if cerr := cur.Close(context.WithoutCancel(ctx)); cerr != nil && err == nil {
			err = Wrap(op, cerr)
		}
	}()
	for cur.Next(ctx) {
		var v T
		if err := cur.Decode(&v); err != nil {
			return fmt.Errorf("%s: decode: %w", op, err)
		}
		if err := fn(&v); err != nil {
			return err
		}
	}
	return Wrap(op, cur.Err())
}

// CountBy runs pipeline (a $match and what narrows it) followed by a $group
// counting the documents per value of field, and returns the counts; values
// without documents are missing. op names the aggregation for errors.
func CountBy(ctx context.Context, coll *mongo.Collection, pipeline mongo.Pipeline, field, op string) (map[string]int64, error) {
	pipeline = append(slices.Clip(pipeline),
		bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$" + field}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}})
	cur, err := coll.Aggregate(ctx, pipeline)
	if err != nil {
		return nil, Wrap(op, err)
	}
	var rows []struct {
		Key string `bson:"_id"`
		N   int64  `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, Wrap(op, err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Key] = r.N
	}
	return out, nil
}

// IDIn is the filter matching the documents whose _id is one of ids.
func IDIn[K any](ids []K) bson.D {
	return bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}
}

// Optional turns FindOne's ErrNotFound into a nil document, for the
// repositories whose contract declares nil as "there is none".
func Optional[T any](v *T, err error) (*T, error) {
	if errors.Is(err, ErrNotFound) {
		return nil, nil //nolint:nilnil // nil is the absence these repositories declare
	}
	return v, err
}

// DeleteBefore deletes the documents whose field is before t (a retention
// sweep: a plain deleteMany, safe for any number of replicas at once) and
// returns how many; op names the write for errors.
func DeleteBefore(ctx context.Context, coll *mongo.Collection, field string, t time.Time, op string) (int64, error) {
	res, err := coll.DeleteMany(ctx, bson.D{{Key: field, Value: bson.D{{Key: "$lt", Value: t}}}})
	if err != nil {
		return 0, Wrap(op, err)
	}
	return res.DeletedCount, nil
}

// Span is the condition of a field in [from, to), each bound only when
// set; nil when neither is.
func Span(from, to time.Time) bson.D {
	var span bson.D
	if !from.IsZero() {
		span = append(span, bson.E{Key: "$gte", Value: from})
	}
	if !to.IsZero() {
		span = append(span, bson.E{Key: "$lt", Value: to})
	}
	return span
}

// PageBefore is the condition of the page after position (v, id) in an
// order of field, then _id, both descending: field < v, or field = v and
// _id < id.
func PageBefore(field string, v any, id string) bson.E {
	return page(field, v, id, "$lt")
}

// PageAfter is PageBefore for an ascending order.
func PageAfter(field string, v any, id string) bson.E {
	return page(field, v, id, "$gt")
}

func page(field string, v any, id, cmp string) bson.E {
	return bson.E{Key: "$or", Value: bson.A{
		bson.D{{Key: field, Value: bson.D{{Key: cmp, Value: v}}}},
		bson.D{{Key: field, Value: v}, {Key: "_id", Value: bson.D{{Key: cmp, Value: id}}}},
	}}
}
