package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/profile/internal/archive"
	"github.com/opencrm/crm/services/profile/internal/customer"
	"github.com/opencrm/crm/services/profile/internal/errs"
)

// A claim says which customer holds a contact key ("email:...",
// "phone:..."). Its _id is the key, so the unique _id index makes contacts
// unique across customers on MongoDB and the embedded database alike
// (a unique index on the customers' contact array would not: see
// docs/storage.md on unique indexes and missing fields).
type claim struct {
	Key        string    `bson:"_id"`
	CustomerID string    `bson:"customer_id"`
	Time       time.Time `bson:"time"`
}

// Claim reserves keys for customer id. A key held by another live customer
// fails with errs.ContactAlreadyExists naming it (field names the request field of the
// contact). A claim left by a customer that no longer holds the key (an
// interrupted create, a removed contact, a merge) is taken over.
func (s *Store) Claim(ctx context.Context, id string, keys []string, field func(key string) string) (claimed []string, err error) {
	defer func() {
		if err != nil {
			_ = s.Release(context.WithoutCancel(ctx), id, claimed)
			claimed = nil
		}
	}()
	for _, k := range keys {
		ok, err := s.claimOne(ctx, id, k)
		if err != nil {
			if e, isApp := apperr.As(err); isApp && errors.Is(e, errs.ContactAlreadyExists) {
				e := e.With("field", field(k))
				e.Field = field(k)
				return claimed, e
			}
			return claimed, err
		}
		if ok {
			claimed = append(claimed, k)
		}
	}
	return claimed, nil
}

// claimOne reports whether it newly claimed k (false: id held it already).
func (s *Store) claimOne(ctx context.Context, id, k string) (bool, error) {
	for range 3 {
		now := time.Now().UTC()
		_, err := s.claims.InsertOne(ctx, claim{Key: k, CustomerID: id, Time: now})
		if err == nil {
			return true, nil
		}
		if !mongox.IsDuplicateKey(err) {
			return false, mongox.Wrap("claim contact", err)
		}
		var cur claim
		if err := s.claims.FindOne(ctx, bson.D{{Key: "_id", Value: k}}).Decode(&cur); err != nil {
			if mongox.IsNotFound(err) {
				continue // released meanwhile: try again
			}
			return false, mongox.Wrap("read contact claim", err)
		}
		if cur.CustomerID == id {
			return false, nil
		}
		live, err := s.holds(ctx, cur, now)
		if err != nil {
			return false, err
		}
		if live {
			return false, errs.ContactAlreadyExists.New("the e-mail address or phone number belongs to another customer").With("existing_customer", customer.Name(cur.CustomerID))
		}
		res, err := s.claims.UpdateOne(ctx, bson.D{{Key: "_id", Value: k}, {Key: "customer_id", Value: cur.CustomerID}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "customer_id", Value: id}, {Key: "time", Value: now}}}})
		if err != nil {
			return false, mongox.Wrap("take over contact claim", err)
		}
		if res.MatchedCount == 1 {
			return true, nil
		}
	}
	return false, errs.ContactContended.New("the contact is being claimed concurrently: retry")
}

// holds reports whether the claim's customer still holds its key.
func (s *Store) holds(ctx context.Context, c claim, now time.Time) (bool, error) {
	var holder customer.Customer
	err := s.customers.FindOne(ctx, bson.D{{Key: "_id", Value: c.CustomerID}}).Decode(&holder)
	if mongox.IsNotFound(err) {
		// The holder may be a create still in progress.
		return now.Sub(c.Time) < s.ClaimGrace, nil
	}
	if err != nil {
		return false, mongox.Wrap("read contact holder", err)
	}
	live := holder.State == customer.StateActive || holder.State == customer.StateDeleted
	return live && slices.Contains(holder.ContactKeys, c.Key), nil
}

// Release gives up keys held by customer id.
func (s *Store) Release(ctx context.Context, id string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := s.claims.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}, {Key: "customer_id", Value: id}})
	return mongox.Wrap("release contacts", err)
}

// MoveClaims hands every claim of from to (a merge).
func (s *Store) MoveClaims(ctx context.Context, from, to string) error {
	_, err := s.claims.UpdateMany(ctx, bson.D{{Key: "customer_id", Value: from}}, bson.D{{Key: "$set", Value: bson.D{{Key: "customer_id", Value: to}}}})
	return mongox.Wrap("move contacts", err)
}

// BeginMerge stores m, pending, before the merge changes anything, and
// returns the record of the merge: m, or the one an earlier attempt stored
// (its fields and time win, since they describe the customers before the
// merge's first change).
func (s *Store) BeginMerge(ctx context.Context, m customer.Merge) (customer.Merge, error) {
	m.Pending = true
	_, err := s.merges.InsertOne(ctx, m)
	if err == nil {
		return m, nil
	}
	if !mongox.IsDuplicateKey(err) {
		return customer.Merge{}, mongox.Wrap("record merge", err)
	}
	var first customer.Merge
	if err := s.merges.FindOne(ctx, bson.D{{Key: "_id", Value: m.ID}}).Decode(&first); err != nil {
		return customer.Merge{}, mongox.Wrap("read merge", err)
	}
	return first, nil
}

// FindMerge returns a merge record; archive.ErrNoMergeRecord when there is
// none.
func (s *Store) FindMerge(ctx context.Context, id string) (*customer.Merge, error) {
	return mongox.FindOne[customer.Merge](ctx, s.merges, bson.D{{Key: "_id", Value: id}}, archive.ErrNoMergeRecord, "read merge")
}

// CompleteMerge marks a merge record done, once its merge is.
func (s *Store) CompleteMerge(ctx context.Context, id string) error {
	_, err := s.merges.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "pending", Value: false}}}})
	return mongox.Wrap("complete merge record", err)
}

// MergesOf returns the merges a customer took part in, newest first (not
// those still pending).
func (s *Store) MergesOf(ctx context.Context, id string) ([]customer.Merge, error) {
	var out []customer.Merge
	for _, field := range []string{"survivor", "loser"} {
		ms, err := mongox.FindAll[customer.Merge](ctx, s.merges, bson.D{{Key: field, Value: id}, {Key: "pending", Value: bson.D{{Key: "$ne", Value: true}}}}, "list merges")
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	slices.SortFunc(out, func(a, b customer.Merge) int { return b.Time.Compare(a.Time) })
	return out, nil
}
