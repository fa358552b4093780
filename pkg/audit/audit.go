// Package audit keeps a service's audit trail: one entry for every call of
// a method that changes data, with who called (the token's subject and
// client), the method, the resource and customer it named, the request id,
// the fields it changed (their paths, never their values) and how it ended.
// A server interceptor (Recorder) writes the entries to the service's own
// database; entries are kept for a retention period (CRM_AUDIT_RETENTION,
// default 400 days) and removed by a periodic sweep; erasing a customer
// keeps its entries but replaces its name in them by a pseudonym.
package audit

import (
	"context"
	"log/slog"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/periodic"
)

// Collection is the collection each service keeps its entries in.
const Collection = "audit_log"

// Erased replaces an erased customer's name in its entries: they still show
// that a call was made and by whom, no longer about whom.
const Erased = "customers/erased"

// DefaultRetention is how long entries are kept when CRM_AUDIT_RETENTION
// is not set: 400 days, a year of accountability plus a month's margin.
const DefaultRetention = 400 * 24 * time.Hour

// LoadRetention reads CRM_AUDIT_RETENTION: from a day to ten years.
func LoadRetention(env *config.Env) time.Duration {
	return env.Duration("CRM_AUDIT_RETENTION", DefaultRetention, 24*time.Hour, 87600*time.Hour)
}

// Indexes returns the indexes the store needs: by time for the sweep and
// the unfiltered list, and by each filter with time.
func Indexes() []mongox.Index {
	byTime := func(field string) mongox.Index {
		keys := bson.D{{Key: "time", Value: -1}, {Key: "_id", Value: -1}}
		if field != "" {
			keys = append(bson.D{{Key: field, Value: 1}}, keys...)
		}
		return mongox.Index{Collection: Collection, Model: mongo.IndexModel{Keys: keys}}
	}
	return []mongox.Index{byTime(""), byTime("customer"), byTime("resource"), byTime("subject")}
}

// Entry is one audited call.
type Entry struct {
	ID string `bson:"_id"`
	// Subject and Client name the caller, from its token.
	Subject string `bson:"subject"`
	Client  string `bson:"client"`
	// Method is the full method name, "/pkg.Service/Method".
	Method   string `bson:"method"`
	Resource string `bson:"resource"`
	Customer string `bson:"customer"`
	// Time is when the call ended, to the millisecond (what the database
	// keeps).
	Time      time.Time `bson:"time"`
	RequestID string    `bson:"request_id"`
	// Paths are the changed fields' paths.
	Paths []string `bson:"paths"`
	// Code is the gRPC code's name, "OK" on success.
	Code string `bson:"code"`
}

// Position is where a page of entries ends: entries are listed newest
// first, ties broken by id.
type Position struct {
	Time time.Time `json:"t"`
	ID   string    `json:"i"`
}

// Position returns e's position in the list.
func (e Entry) Position() Position { return Position{Time: e.Time, ID: e.ID} }

// Filter selects entries; zero fields match everything. Start is
// inclusive, End exclusive.
type Filter struct {
	Resource, Customer, Actor string
	Start, End                time.Time
}

// Store keeps one service's entries.
type Store struct {
	coll *mongo.Collection
	Now  func() time.Time
}

// New returns the store in db.
func New(db *mongo.Database) *Store {
	return &Store{coll: db.Collection(Collection), Now: time.Now}
}

// Record stores e.
func (s *Store) Record(ctx context.Context, e Entry) error {
	if e.Paths == nil {
		e.Paths = []string{}
	}
	if _, err := s.coll.InsertOne(ctx, e); err != nil {
		return mongox.Wrap("record audit entry", err)
	}
	return nil
}

// List returns up to limit entries matching f after the position, newest
// first.
func (s *Store) List(ctx context.Context, f Filter, after *Position, limit int64) ([]Entry, error) {
	q := bson.D{}
	for _, c := range []struct{ field, value string }{{"resource", f.Resource}, {"customer", f.Customer}, {"subject", f.Actor}} {
		if c.value != "" {
			q = append(q, bson.E{Key: c.field, Value: c.value})
		}
	}
	if span := mongox.Span(f.Start, f.End); len(span) > 0 {
		q = append(q, bson.E{Key: "time", Value: span})
	}
	if after != nil {
		q = append(q, mongox.PageBefore("time", after.Time, after.ID))
	}
	return mongox.FindAll[Entry](ctx, s.coll, q, "list audit entries", options.Find().SetSort(bson.D{{Key: "time", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(limit))
}

// Sweep deletes the entries older than retention and returns how many. It
// is a plain deleteMany on the time, so any number of replicas may run it
// at once.
func (s *Store) Sweep(ctx context.Context, retention time.Duration) (int64, error) {
	return mongox.DeleteBefore(ctx, s.coll, "time", s.Now().Add(-retention), "sweep expired audit entries")
}

// Sweeper returns a worker that sweeps db's expired entries at once and
// then every interval until its context ends.
func Sweeper(db *mongo.Database, retention, interval time.Duration, log *slog.Logger) func(ctx context.Context) {
	s := New(db)
	return periodic.Counting(interval, log, "sweeping expired audit entries", "swept expired audit entries", "count",
		func(ctx context.Context) (int64, error) { return s.Sweep(ctx, retention) })
}

// ForgetCustomer removes what the entries hold of an erased customer
// ("customers/{id}"): its name, as their customer or resource (or the
// prefix of a sub-resource's name), becomes Erased, and the request ids of
// its calls, which a client may have built from personal data, are
// cleared. The entries stay: who changed which fields, when. Idempotent.
func (s *Store) ForgetCustomer(ctx context.Context, customer string) error {
	if customer == "" || customer == Erased {
		return nil
	}
	if _, err := s.coll.UpdateMany(ctx, bson.D{{Key: "customer", Value: customer}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "customer", Value: Erased}, {Key: "request_id", Value: ""}}}}); err != nil {
		return mongox.Wrap("pseudonymise the audit entries of "+customer, err)
	}
	own := bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "resource", Value: customer}},
		bson.D{{Key: "resource", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(customer+"/")}}}},
	}}}
	if _, err := s.coll.UpdateMany(ctx, own, bson.D{{Key: "$set", Value: bson.D{{Key: "resource", Value: Erased}, {Key: "request_id", Value: ""}}}}); err != nil {
		return mongox.Wrap("pseudonymise the audit entries about "+customer, err)
	}
	return nil
}
