// Package idempotency keeps request ids (idempotency keys) durably: the same
// key with the same request returns the first response; with a different
// request it is INVALID_ARGUMENT (reason IDEMPOTENCY_KEY_REUSED); while the
// first call is still running it is ABORTED. A failed call releases its key so
// the client can retry. Keys are kept until the subject they name is erased.
package idempotency

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/proto"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/mongox"
)

// Collection is the collection each service keeps its keys in.
const Collection = "idempotency_keys"

// Indexes returns the indexes the store needs.
func Indexes() []mongox.Index {
	return []mongox.Index{{Collection: Collection, Model: mongo.IndexModel{Keys: bson.D{{Key: "subject", Value: 1}}}}}
}

// Errors returned to callers.
var (
	ErrKeyReused = &apperr.Error{Kind: apperr.KindInvalidArgument, Reason: "IDEMPOTENCY_KEY_REUSED", Field: "request_id",
		Message: "this request_id was used for a different request: use a new request_id"}
	ErrInFlight = apperr.New(apperr.KindAborted, "REQUEST_IN_FLIGHT", "a call with this request_id is still running: retry later")
)

// Store keeps the keys of one service.
type Store struct {
	coll *mongo.Collection
	// Lease is how long a started call holds its key. A call whose process
	// died releases it when the lease ends; it must exceed any call's
	// deadline.
	Lease time.Duration
	Now   func() time.Time
}

// New returns the store in db.
func New(db *mongo.Database) *Store {
	return &Store{coll: db.Collection(Collection), Lease: 2 * time.Minute, Now: time.Now}
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
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	if err != nil {
		return zero, fmt.Errorf("hash request: %w", err)
	}
	sum := sha256.Sum256(append([]byte(method+"\x00"), b...))
	id := method + ":" + key
	attempt := rand.Text()

	prior, err := s.claim(ctx, id, sum[:], attempt)
	if err != nil {
		return zero, err
	}
	if prior != nil {
		resp := zero.ProtoReflect().New().Interface().(T)
		if err := proto.Unmarshal(prior, resp); err != nil {
			return zero, fmt.Errorf("decode stored response: %w", err)
		}
		return resp, nil
	}

	resp, subject, err := fn(ctx)
	if err != nil {
		// Release the key so a retry runs again; a detached context, since
		// the caller's may be the reason fn failed.
		_, derr := s.coll.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: id}, {Key: "attempt", Value: attempt}})
		if derr != nil {
			return zero, fmt.Errorf("%w (and releasing request_id failed: %v)", err, derr)
		}
		return zero, err
	}
	out, err := proto.Marshal(resp)
	if err != nil {
		return zero, fmt.Errorf("encode response: %w", err)
	}
	_, err = s.coll.UpdateOne(context.WithoutCancel(ctx),
		bson.D{{Key: "_id", Value: id}, {Key: "attempt", Value: attempt}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "done", Value: true}, {Key: "response", Value: out}, {Key: "subject", Value: subject}}}})
	if err != nil {
		return zero, mongox.Wrap("store idempotent response", err)
	}
	return resp, nil
}

// claim takes the key for this attempt. It returns the stored response when
// the key already completed.
func (s *Store) claim(ctx context.Context, id string, hash []byte, attempt string) ([]byte, error) {
	now := s.Now()
	rec := record{ID: id, Hash: hash, Attempt: attempt, LeaseUntil: now.Add(s.Lease), CreateTime: now}
	_, err := s.coll.InsertOne(ctx, rec)
	if err == nil {
		return nil, nil
	}
	if !mongox.IsDuplicateKey(err) {
		return nil, mongox.Wrap("claim request_id", err)
	}
	var cur record
	if err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&cur); err != nil {
		if mongox.IsNotFound(err) {
			return nil, ErrInFlight // released between our insert and read
		}
		return nil, mongox.Wrap("read request_id", err)
	}
	switch {
	case string(cur.Hash) != string(hash):
		return nil, ErrKeyReused
	case cur.Done:
		return cur.Response, nil
	case cur.LeaseUntil.After(now):
		return nil, ErrInFlight
	}
	// The earlier attempt's lease ran out (its process died): take over.
	res, err := s.coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "attempt", Value: cur.Attempt}, {Key: "done", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "attempt", Value: attempt}, {Key: "lease_until", Value: now.Add(s.Lease)}}}})
	if err != nil {
		return nil, mongox.Wrap("take over request_id", err)
	}
	if res.MatchedCount == 0 {
		return nil, ErrInFlight
	}
	return nil, nil
}

// ForgetSubject removes every stored response about subject (erasure).
func (s *Store) ForgetSubject(ctx context.Context, subject string) error {
	_, err := s.coll.DeleteMany(ctx, bson.D{{Key: "subject", Value: subject}}, options.DeleteMany())
	return mongox.Wrap("forget stored responses", err)
}
