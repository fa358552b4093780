package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/profile/internal/customer"
)

// Erasures is the collection of erasure receipts.
const Erasures = "erasures"

// ErasureIndexes returns the indexes of the receipts' queries.
func ErasureIndexes() []mongox.Index {
	return []mongox.Index{
		{Collection: Erasures, Model: mongo.IndexModel{Keys: bson.D{{Key: "erase_time", Value: -1}, {Key: "_id", Value: -1}}}},
		{Collection: Erasures, Model: mongo.IndexModel{Keys: bson.D{{Key: "complete", Value: 1}, {Key: "erase_time", Value: -1}, {Key: "_id", Value: -1}}}},
	}
}

func (s *Store) erasures() *mongo.Collection { return s.customers.Database().Collection(Erasures) }

// CreateErasure stores a receipt; a stored one with the same id (a retry)
// is returned instead.
func (s *Store) CreateErasure(ctx context.Context, e *customer.Erasure) (*customer.Erasure, error) {
	_, err := s.erasures().InsertOne(ctx, e)
	if mongox.IsDuplicateKey(err) {
		return s.GetErasure(ctx, e.ID)
	}
	if err != nil {
		return nil, mongox.Wrap("insert erasure", err)
	}
	return e, nil
}

// GetErasure returns a receipt.
func (s *Store) GetErasure(ctx context.Context, id string) (*customer.Erasure, error) {
	return mongox.FindOne[customer.Erasure](ctx, s.erasures(), bson.D{{Key: "_id", Value: id}}, apperr.NotFound(customer.Erasures.Format(id)), "get erasure")
}

// ListErasures returns receipts newest first.
func (s *Store) ListErasures(ctx context.Context, incomplete bool, after *customer.ErasurePos, limit int) ([]*customer.Erasure, error) {
	q := bson.D{}
	if incomplete {
		q = append(q, bson.E{Key: "complete", Value: false})
	}
	if after != nil {
		q = append(q, mongox.PageBefore("erase_time", after.Time, after.ID))
	}
	return mongox.FindAll[*customer.Erasure](ctx, s.erasures(), q, "list erasures",
		options.Find().SetSort(bson.D{{Key: "erase_time", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)))
}

// AddPart appends a service's part for one customer, in one write
// conditional on the customer not being confirmed by the service yet.
func (s *Store) AddPart(ctx context.Context, id, service string, p customer.Part) error {
	field := "confirmations." + service
	res, err := s.erasures().UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: field + ".customers", Value: bson.D{{Key: "$ne", Value: p.Customer}}}},
		bson.D{{Key: "$push", Value: bson.D{
			{Key: field + ".customers", Value: bson.D{{Key: "$each", Value: bson.A{p.Customer}}}},
			{Key: field + ".parts", Value: bson.D{{Key: "$each", Value: bson.A{p}}}},
		}}})
	if err != nil {
		return mongox.Wrap("add erasure confirmation", err)
	}
	if res.MatchedCount == 0 {
		_, err := s.GetErasure(ctx, id) // NOT_FOUND, or confirmed before
		return err
	}
	return nil
}

// SetConfirmed marks a service's confirmation, once.
func (s *Store) SetConfirmed(ctx context.Context, id, service string, t time.Time) error {
	field := "confirmations." + service
	_, err := s.erasures().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: field + ".confirmed", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: field + ".confirmed", Value: true}, {Key: field + ".confirm_time", Value: t}}}})
	return mongox.Wrap("confirm erasure", err)
}

// SetComplete marks an erasure complete, once.
func (s *Store) SetComplete(ctx context.Context, id string, t time.Time) error {
	_, err := s.erasures().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "complete", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "complete", Value: true}, {Key: "complete_time", Value: t}}}})
	return mongox.Wrap("complete erasure", err)
}

// DueOverdue returns incomplete erasures, not marked overdue, made before
// cutoff.
func (s *Store) DueOverdue(ctx context.Context, cutoff time.Time, limit int) ([]string, error) {
	return mongox.IDs(ctx, s.erasures(), bson.D{{Key: "complete", Value: false}, {Key: "erase_time", Value: bson.D{{Key: "$lt", Value: cutoff}}},
		{Key: "overdue", Value: false}}, int64(limit))
}

// SetOverdue marks an incomplete erasure overdue, once.
func (s *Store) SetOverdue(ctx context.Context, id string) (bool, error) {
	res, err := s.erasures().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "complete", Value: false}, {Key: "overdue", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "overdue", Value: true}}}})
	if err != nil {
		return false, mongox.Wrap("mark erasure overdue", err)
	}
	return res.ModifiedCount == 1, nil
}
