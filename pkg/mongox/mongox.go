// Package mongox connects services to MongoDB (or the embedded default) and
// holds the helpers every store needs: index creation at start-up and the
// classification of driver errors.
package mongox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.opentelemetry.io/contrib/instrumentation/go.mongodb.org/mongo-driver/v2/mongo/otelmongo"
	"go.opentelemetry.io/otel/trace"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/config"
)

// Mode says which kind of database a service talks to.
type Mode string

const (
	// ModeMongoDB is a MongoDB replica set or sharded cluster: majority
	// writes, retryable writes, a pool sized for concurrency.
	ModeMongoDB Mode = "mongodb"
	// ModeEmbedded is the embedded FerretDB default. Its updates are not
	// atomic across connections, so the pool is exactly one connection,
	// which serialises this process's operations, and the service must run
	// as a single replica (see docs/storage.md).
	ModeEmbedded Mode = "embedded"
)

// Config says how to reach the database.
type Config struct {
	URI            string
	Database       string
	Mode           Mode
	MaxPoolSize    uint64
	ConnectTimeout time.Duration
}

// LoadConfig reads CRM_MONGO_URI, CRM_MONGO_DATABASE, CRM_MONGO_MODE,
// CRM_MONGO_MAX_POOL_SIZE and CRM_MONGO_CONNECT_TIMEOUT.
func LoadConfig(env *config.Env, defaultDatabase string) Config {
	c := Config{
		URI:            env.Required("CRM_MONGO_URI", "the MongoDB connection string, for example mongodb://host:27017/?replicaSet=rs0"),
		Database:       env.String("CRM_MONGO_DATABASE", defaultDatabase),
		Mode:           Mode(env.OneOf("CRM_MONGO_MODE", string(ModeMongoDB), string(ModeMongoDB), string(ModeEmbedded))),
		ConnectTimeout: env.Duration("CRM_MONGO_CONNECT_TIMEOUT", 10*time.Second, time.Second, 5*time.Minute),
	}
	pool := env.Int("CRM_MONGO_MAX_POOL_SIZE", 0, 1, 10000)
	switch {
	case c.Mode == ModeEmbedded && pool > 1:
		env.Fail("CRM_MONGO_MAX_POOL_SIZE", "must be 1 (or unset) with CRM_MONGO_MODE=embedded: the embedded database is exact only with one connection")
	case c.Mode == ModeEmbedded:
		c.MaxPoolSize = 1
	case pool == 0:
		c.MaxPoolSize = 100
	default:
		c.MaxPoolSize = uint64(pool) //nolint:gosec // env.Int bounds pool to 1..10000
	}
	return c
}

// Connect opens a client with the mode's settings and store-call tracing,
// and pings the server. tp may be nil (no tracing).
func Connect(ctx context.Context, c Config, tp trace.TracerProvider) (*mongo.Client, error) {
	client, err := ConnectLazy(c, tp, nil)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, c.ConnectTimeout)
	defer cancel()
	if err := client.Ping(pctx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("ping MongoDB: %w", err)
	}
	return client, nil
}

// ConnectLazy opens a client without waiting for the server; operations
// fail until it is reachable. failures, when not nil, counts its failed
// writes.
func ConnectLazy(c Config, tp trace.TracerProvider, failures *WriteFailures) (*mongo.Client, error) {
	opts := options.Client().ApplyURI(c.URI).
		SetConnectTimeout(c.ConnectTimeout).
		SetServerSelectionTimeout(c.ConnectTimeout).
		SetMaxPoolSize(c.MaxPoolSize)
	if c.Mode == ModeMongoDB {
		opts.SetWriteConcern(writeconcern.Majority()).SetRetryWrites(true)
	}
	if tp != nil {
		opts.Monitor = otelmongo.NewMonitor(otelmongo.WithTracerProvider(tp))
	}
	if failures != nil {
		opts.Monitor = failures.monitor(opts.Monitor)
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to MongoDB: %w", err)
	}
	return client, nil
}

// Index is one index a store needs.
type Index struct {
	Collection string
	Model      mongo.IndexModel
}

// Ascending returns a plain index of coll on keys, each ascending.
func Ascending(coll string, keys ...string) Index {
	d := make(bson.D, 0, len(keys))
	for _, k := range keys {
		d = append(d, bson.E{Key: k, Value: 1})
	}
	return Index{Collection: coll, Model: mongo.IndexModel{Keys: d}}
}

// unique reports whether the index enforces uniqueness.
func (ix Index) unique() bool {
	if ix.Model.Options == nil {
		return false
	}
	var o options.IndexOptions
	for _, set := range ix.Model.Options.List() {
		if err := set(&o); err != nil {
			return false
		}
	}
	return o.Unique != nil && *o.Unique
}

// ForMode returns the indexes worth creating in a mode: all of them on
// MongoDB; on the embedded database only the unique ones, which enforce
// constraints, because it reads whole tables whatever the indexes (see
// docs/storage.md) and every other index only slows its writes.
func ForMode(mode Mode, indexes []Index) []Index {
	if mode != ModeEmbedded {
		return indexes
	}
	var out []Index
	for _, ix := range indexes {
		if ix.unique() {
			out = append(out, ix)
		}
	}
	return out
}

// EnsureIndexes creates the indexes (creating an existing one is a no-op).
func EnsureIndexes(ctx context.Context, db *mongo.Database, indexes []Index) error {
	for _, ix := range indexes {
		if _, err := db.Collection(ix.Collection).Indexes().CreateOne(ctx, ix.Model); err != nil {
			return fmt.Errorf("create index on %s: %w", ix.Collection, err)
		}
	}
	return nil
}

// IsDuplicateKey reports whether err is a unique-index violation, as MongoDB
// (E11000) and the embedded database ("UNIQUE constraint failed", raised by
// updates as an internal error) report it.
func IsDuplicateKey(err error) bool {
	if err == nil {
		return false
	}
	if mongo.IsDuplicateKeyError(err) {
		return true
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed") || strings.Contains(err.Error(), "E11000")
}

// InsertNew inserts docs, unordered, skipping those whose _id is already
// there: writing a batch again after a crash or a retry adds nothing twice.
// op names the write for errors.
func InsertNew[T any](ctx context.Context, coll *mongo.Collection, docs []T, op string) error {
	if len(docs) == 0 {
		return nil
	}
	in := make([]any, len(docs))
	for i := range docs {
		in[i] = docs[i]
	}
	_, err := coll.InsertMany(ctx, in, options.InsertMany().SetOrdered(false))
	if bulk, ok := errors.AsType[mongo.BulkWriteException](err); ok {
		for _, we := range bulk.WriteErrors {
			if !IsDuplicateKey(we) {
				return Wrap(op, err)
			}
		}
		return nil
	}
	if err != nil && !IsDuplicateKey(err) {
		return Wrap(op, err)
	}
	return nil
}

// IsNotFound reports whether err means a single-document read found nothing.
func IsNotFound(err error) bool { return errors.Is(err, mongo.ErrNoDocuments) }

// Wrap classifies a driver error for the edge: timeouts and network failures
// become UNAVAILABLE (a retry may work), a cancelled context stays as it is,
// anything else keeps the context text and becomes INTERNAL.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if mongo.IsTimeout(err) || mongo.IsNetworkError(err) || errors.Is(err, context.DeadlineExceeded) {
		return apperr.Unavailable("the database", fmt.Errorf("%s: %w", op, err))
	}
	return fmt.Errorf("%s: %w", op, err)
}

// SetFields returns v's fields as the operand of a $set that rewrites a
// whole document: every field but _id, which cannot change.
func SetFields(v any) (bson.D, error) {
	raw, err := bson.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode document: %w", err)
	}
	var fields bson.D
	if err := bson.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("encode document: %w", err)
	}
	set := make(bson.D, 0, len(fields))
	for _, f := range fields {
		if f.Key != "_id" {
			set = append(set, f)
		}
	}
	return set, nil
}

// IDs returns the string _ids of the documents matching filter (at most
// limit; 0 for all).
func IDs(ctx context.Context, coll *mongo.Collection, filter bson.D, limit int64) ([]string, error) {
	return ids(ctx, coll, filter, options.Find().SetLimit(limit))
}

// IDsAfter returns, in _id order, up to limit string _ids greater than
// after of the documents matching filter: a page of a walk over them.
func IDsAfter(ctx context.Context, coll *mongo.Collection, filter bson.D, after string, limit int64) ([]string, error) {
	filter = After(filter, after)
	return ids(ctx, coll, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(limit))
}

// ids runs the find with o and collects the _ids.
func ids(ctx context.Context, coll *mongo.Collection, filter bson.D, o *options.FindOptionsBuilder) ([]string, error) {
	cur, err := coll.Find(ctx, filter, o.SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, Wrap("find ids in "+coll.Name(), err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, Wrap("find ids in "+coll.Name(), err)
	}
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out, nil
}
