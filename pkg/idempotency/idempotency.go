// Package idempotency keeps request ids (idempotency keys) durably: the same
// key with the same request returns the first response; with a different
// request it is INVALID_ARGUMENT (reason IDEMPOTENCY_KEY_REUSED); while the
// first call is still running it is ABORTED. A failed call releases its key so
// the client can retry. Keys are kept for a retention period
// (CRM_IDEMPOTENCY_RETENTION, default 30 days) and removed by a periodic
// sweep, or earlier when the subject they name is erased; a key used again
// after that is a new request.
package idempotency

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/proto"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/periodic"
)

// Collections each service keeps its keys in: the claims of the keys, and
// the responses of the calls that completed.
const (
	Collection          = "idempotency_keys"
	ResponsesCollection = "idempotency_responses"
)

// Indexes returns the indexes the store needs: by subject for erasure, by
// creation time for the sweep.
func Indexes() []mongox.Index {
	colls := []string{Collection, ResponsesCollection}
	out := make([]mongox.Index, 0, 2*len(colls))
	for _, c := range colls {
		out = append(out,
			mongox.Index{Collection: c, Model: mongo.IndexModel{Keys: bson.D{{Key: "subject", Value: 1}}}},
			mongox.Index{Collection: c, Model: mongo.IndexModel{Keys: bson.D{{Key: "create_time", Value: 1}}}})
	}
	return out
}

// DefaultRetention is how long keys are kept when
// CRM_IDEMPOTENCY_RETENTION is not set.
const DefaultRetention = 30 * 24 * time.Hour

// LoadRetention reads CRM_IDEMPOTENCY_RETENTION: from an hour (well past a
// call's lease and a client's retries) to ten years.
func LoadRetention(env *config.Env) time.Duration {
	v := env.String("CRM_IDEMPOTENCY_RETENTION", "")
	if v == "" {
		return DefaultRetention
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Hour || d > 87600*time.Hour {
		env.Fail("CRM_IDEMPOTENCY_RETENTION", "%q is not a duration from 1h to 87600h (ten years): how long request ids are kept, for example \"720h\" for 30 days (durations have no day unit)", v)
		return DefaultRetention
	}
	return d
}

// Sweep deletes the keys first used more than retention ago, with their
// responses, and returns how many keys. It is a plain deleteMany on the
// creation time, so any number of replicas may run it at once.
func (s *Store) Sweep(ctx context.Context, retention time.Duration) (int64, error) {
	before := s.Now().Add(-retention)
	n, err := mongox.DeleteBefore(ctx, s.coll, "create_time", before, "sweep expired request_ids")
	if err != nil {
		return 0, err
	}
	if _, err := mongox.DeleteBefore(ctx, s.responses, "create_time", before, "sweep expired responses"); err != nil {
		return 0, err
	}
	return n, nil
}

// Sweeper returns a worker that sweeps db's expired keys at once and then
// every interval until its context ends.
func Sweeper(db *mongo.Database, retention, interval time.Duration, log *slog.Logger) func(ctx context.Context) {
	s := New(db)
	return periodic.Counting(interval, log, "sweeping expired request ids", "swept expired request ids", "count",
		func(ctx context.Context) (int64, error) { return s.Sweep(ctx, retention) })
}

// Errors returned to callers.
var (
	ErrKeyReused = &apperr.Error{Kind: apperr.KindInvalidArgument, Reason: "IDEMPOTENCY_KEY_REUSED", Field: "request_id",
		Message: "this request_id was used for a different request: use a new request_id"}
	ErrInFlight = apperr.New(apperr.KindAborted, "REQUEST_IN_FLIGHT", "a call with this request_id is still running: retry later")
)

// Store keeps the keys of one service.
type Store struct {
	coll, responses *mongo.Collection
	// Lease is how long a started call holds its key. A call whose process
	// died releases it when the lease ends; it must exceed any call's
	// deadline.
	Lease time.Duration
	Now   func() time.Time
}

// New returns the store in db.
func New(db *mongo.Database) *Store {
	return &Store{coll: db.Collection(Collection), responses: db.Collection(ResponsesCollection), Lease: 2 * time.Minute, Now: time.Now}
}

type record struct {
	ID         string    `bson:"_id"`
	Hash       []byte    `bson:"hash"`
	Done       bool      `bson:"done"`
	Attempt    string    `bson:"attempt"`
	LeaseUntil time.Time `bson:"lease_until"`
	Response   []byte    `bson:"response,omitempty"`
	Subject    string    `bson:"subject"`
	CreateTime time.Time `bson:"create_time"`
}

// Hash is the fingerprint of req under method: a later use of the same key
// must carry the same one.
func Hash(method string, req proto.Message) ([]byte, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("hash request: %w", err)
	}
	sum := sha256.Sum256(append([]byte(method+"\x00"), b...))
	return sum[:], nil
}

// Do runs fn once per (method, key) and stores its response. fn returns the
// response and the subject (resource name) it concerns, so that erasing the
// subject can remove stored responses holding its data. With an empty key it
// just runs fn.
func Do[T proto.Message](ctx context.Context, s *Store, method, key string, req proto.Message, fn func(context.Context) (T, string, error)) (T, error) {
	var zero T
	if key == "" {
		resp, _, err := fn(ctx)
		return resp, err
	}
	hash, err := Hash(method, req)
	if err != nil {
		return zero, err
	}
	claims := []Claim{{Key: key, Hash: hash}}
	if err := s.ClaimMany(ctx, method, claims); err != nil {
		return zero, err
	}
	c := &claims[0]
	switch {
	case c.Err != nil:
		return zero, c.Err
	case !c.Taken():
		resp, ok := zero.ProtoReflect().New().Interface().(T)
		if !ok {
			return zero, fmt.Errorf("%s: a new %T is not one", method, zero)
		}
		if err := proto.Unmarshal(c.Response, resp); err != nil {
			return zero, fmt.Errorf("decode stored response: %w", err)
		}
		return resp, nil
	}

	resp, subject, err := fn(ctx)
	var out []byte
	if err == nil {
		if out, err = proto.Marshal(resp); err != nil {
			err = fmt.Errorf("encode response: %w", err)
		}
	}
	ferr := s.FinishMany(ctx, method, claims, []Outcome{{Response: out, Subject: subject, Err: err}})
	switch {
	case err != nil && ferr != nil:
		return zero, fmt.Errorf("%w (and releasing request_id failed: %w)", err, ferr)
	case err != nil:
		return zero, err
	case ferr != nil:
		return zero, ferr
	}
	return resp, nil
}

// Claim is one request id of a batch of requests of one method (see
// ClaimMany).
type Claim struct {
	// Key is the request id; a claim without one is left alone.
	Key string
	// Hash is the request's Hash.
	Hash []byte

	// Response, set by ClaimMany, is the stored response of the key's first
	// request, which completed: return it instead of running the request.
	Response []byte
	// Err, set by ClaimMany, is why the request must not run:
	// ErrKeyReused or ErrInFlight.
	Err error

	// attempt is set when this call took the key.
	attempt string
}

// Taken reports whether this call took the key: it must run the request
// and then report how it ended to FinishMany.
func (c *Claim) Taken() bool { return c.attempt != "" }

// Outcome is how the request of a taken claim ended.
type Outcome struct {
	// Response is the encoded response to store, when Err is nil.
	Response []byte
	// Subject is the resource name the response concerns (for erasure).
	Subject string
	// Err is the request's error: the key is released so a retry runs
	// again.
	Err error
}

// ClaimMany takes the keys of a batch of requests of one method in one
// write and sets each claim's Response, Err or Taken. The same key twice in
// one batch is one request: the second is ErrInFlight (or ErrKeyReused with
// another body).
func (s *Store) ClaimMany(ctx context.Context, method string, claims []Claim) error {
	now := s.Now()
	first := map[string]int{}
	var docs []any
	var owners []int
	for n := range claims {
		c := &claims[n]
		c.Response, c.Err, c.attempt = nil, nil, ""
		if c.Key == "" {
			continue
		}
		if f, seen := first[c.Key]; seen {
			if string(claims[f].Hash) != string(c.Hash) {
				c.Err = ErrKeyReused
			} else {
				c.Err = ErrInFlight
			}
			continue
		}
		first[c.Key] = n
		c.attempt = rand.Text()
		docs = append(docs, record{ID: keyID(method, c.Key), Hash: c.Hash, Attempt: c.attempt, LeaseUntil: now.Add(s.Lease), CreateTime: now})
		owners = append(owners, n)
	}
	if len(docs) == 0 {
		return nil
	}
	_, err := s.coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bulk mongo.BulkWriteException
	switch {
	case errors.As(err, &bulk):
		if bulk.WriteConcernError != nil {
			return mongox.Wrap("claim request_ids", err)
		}
	case err != nil:
		return mongox.Wrap("claim request_ids", err)
	}
	var taken []int // claims whose key another call holds or held
	for _, we := range bulk.WriteErrors {
		if !mongox.IsDuplicateKey(we) {
			return mongox.Wrap("claim request_id", we)
		}
		n := owners[we.Index]
		claims[n].attempt = ""
		taken = append(taken, n)
	}
	if len(taken) == 0 {
		return nil
	}
	ids := make(bson.A, len(taken))
	for k, n := range taken {
		ids[k] = keyID(method, claims[n].Key)
	}
	recs, err := mongox.FindAll[record](ctx, s.coll, mongox.IDIn(ids), "read request_ids")
	if err != nil {
		return err
	}
	byID := make(map[string]*record, len(recs))
	var outcomeIDs bson.A
	for k := range recs {
		byID[recs[k].ID] = &recs[k]
		if !recs[k].Done {
			outcomeIDs = append(outcomeIDs, outcomeID(recs[k].ID, recs[k].Attempt))
		}
	}
	if len(outcomeIDs) > 0 {
		outs, err := mongox.FindAll[record](ctx, s.responses, mongox.IDIn(outcomeIDs), "read the responses of request_ids")
		if err != nil {
			return err
		}
		for _, o := range outs {
			claim := claimOf(o.ID)
			if cur := byID[claim]; cur != nil && o.ID == outcomeID(claim, cur.Attempt) {
				cur.Done, cur.Response = true, o.Response
			}
		}
	}
	for _, n := range taken {
		if err := s.settle(ctx, keyID(method, claims[n].Key), byID[keyID(method, claims[n].Key)], &claims[n], now); err != nil {
			return err
		}
	}
	return nil
}

// settle decides a claim whose key was there already (cur, nil when it
// went since).
func (s *Store) settle(ctx context.Context, id string, cur *record, c *Claim, now time.Time) error {
	switch {
	case cur == nil:
		c.Err = ErrInFlight // released between our insert and read
		return nil
	case string(cur.Hash) != string(c.Hash):
		c.Err = ErrKeyReused
		return nil
	case cur.Done:
		c.Response = cur.Response
		return nil
	case cur.LeaseUntil.After(now):
		c.Err = ErrInFlight
		return nil
	}
	// The earlier attempt's lease ran out (its process died): take over.
	attempt := rand.Text()
	res, err := s.coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "attempt", Value: cur.Attempt}, {Key: "done", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "attempt", Value: attempt}, {Key: "lease_until", Value: now.Add(s.Lease)}}}})
	if err != nil {
		return mongox.Wrap("take over request_id", err)
	}
	if res.MatchedCount == 0 {
		c.Err = ErrInFlight
		return nil
	}
	c.attempt = attempt
	return nil
}

// FinishMany records how the requests of the taken claims ended: the
// responses of the successes in one insert, and for each failure a release
// of its key, so that a retry runs. It writes even when ctx has ended,
// since the caller's may be why a request failed.
//
// A response is a document of its own (in ResponsesCollection), keyed by
// the claim and its attempt, not a change to the claim: a write whose filter is _id alone is
// the only one the embedded database's SQLite backend does not answer by
// reading the whole collection, and a change to the claim must also name
// the attempt (an attempt whose lease ran out, and whose key another call
// took over, must not store its response there). A release still names
// it: failures are the rarer outcome.
func (s *Store) FinishMany(ctx context.Context, method string, claims []Claim, outcomes []Outcome) error {
	ctx = context.WithoutCancel(ctx)
	now := s.Now()
	var done []record
	var released []mongo.WriteModel
	for n := range claims {
		c := &claims[n]
		if !c.Taken() {
			continue
		}
		id := keyID(method, c.Key)
		if o := outcomes[n]; o.Err != nil {
			released = append(released, mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: id}, {Key: "attempt", Value: c.attempt}}))
		} else {
			done = append(done, record{ID: outcomeID(id, c.attempt), Done: true, Response: o.Response, Subject: o.Subject, CreateTime: now})
		}
	}
	err := mongox.InsertNew(ctx, s.responses, done, "store the responses of request_ids")
	if len(released) > 0 {
		err = errors.Join(err, mongox.BulkWrite(ctx, s.coll, released, "release request_ids"))
	}
	return err
}

func keyID(method, key string) string { return method + ":" + key }

// outcomeID is the id of the response of a claim's attempt.
func outcomeID(claim, attempt string) string { return claim + "/" + attempt }

// claimOf is the id of the claim of a response (the attempt is base32
// text, without a slash).
func claimOf(outcome string) string { return outcome[:max(strings.LastIndex(outcome, "/"), 0)] }

// ForgetSubject removes every stored response about subject (erasure),
// with the keys' claims (their request hashes): those stored beside the
// claims, and those earlier versions kept in the claims.
func (s *Store) ForgetSubject(ctx context.Context, subject string) error {
	about := bson.D{{Key: "subject", Value: subject}}
	ids, err := mongox.IDs(ctx, s.responses, about, 0)
	if err != nil {
		return err
	}
	if _, err := s.responses.DeleteMany(ctx, about); err != nil {
		return mongox.Wrap("forget stored responses", err)
	}
	claims := make([]string, len(ids))
	for i, id := range ids {
		claims[i] = claimOf(id)
	}
	filter := about
	if len(claims) > 0 {
		filter = bson.D{{Key: "$or", Value: bson.A{about, mongox.IDIn(claims)}}}
	}
	_, err = s.coll.DeleteMany(ctx, filter)
	return mongox.Wrap("forget request_ids", err)
}
