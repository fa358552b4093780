//nolint:goconst // bson keys and operators are spelled out as in the MongoDB documents and queries they build
package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/loyalty/internal/catalogue"
	"github.com/opencrm/crm/services/loyalty/internal/errs"
	"github.com/opencrm/crm/services/loyalty/internal/names"
	"github.com/opencrm/crm/services/loyalty/internal/points"
)

// Collections of the catalogue.
const (
	Rewards     = "rewards"
	Redemptions = "redemptions"
)

// RedemptionSort is a customer's redemptions' order: newest first.
var RedemptionSort = bson.D{{Key: "create_time", Value: -1}, {Key: "_id", Value: -1}}

// RewardIndexes returns the indexes the catalogue's queries use.
func RewardIndexes() []mongox.Index {
	return []mongox.Index{
		{Collection: Rewards, Model: mongo.IndexModel{Keys: bson.D{{Key: "program", Value: 1}, {Key: "_id", Value: 1}}}},
		{Collection: Redemptions, Model: mongo.IndexModel{Keys: append(bson.D{{Key: "program", Value: 1}, {Key: "customer", Value: 1}}, RedemptionSort...)}},
		{Collection: Redemptions, Model: mongo.IndexModel{Keys: bson.D{{Key: "state", Value: 1}, {Key: "create_time", Value: 1}}}},
		// Codes are random: the index makes them unique for certain.
		{Collection: Redemptions, Model: mongo.IndexModel{Keys: bson.D{{Key: "code", Value: 1}}, Options: options.Index().SetUnique(true)}},
	}
}

// CreateReward stores a new reward; an existing id is ALREADY_EXISTS.
func (s *Store) CreateReward(ctx context.Context, r *catalogue.Reward) error {
	r.Version = 1
	r.Reservations = []string{}
	_, err := s.db().Collection(Rewards).InsertOne(ctx, r)
	if mongox.IsDuplicateKey(err) {
		return errs.RewardExists.New("%s exists already", r.Name()).With("resource", r.Name())
	}
	return mongox.Wrap("insert reward", err)
}

// Reward returns one reward by its stored id.
func (s *Store) Reward(ctx context.Context, key string) (*catalogue.Reward, error) {
	return mongox.FindOne[catalogue.Reward](ctx, s.db().Collection(Rewards), bson.D{{Key: "_id", Value: key}},
		apperr.NotFound(names.Rewards.Format(strings.SplitN(key, "/", 2)...)), "read reward")
}

// Rewards returns up to limit of a program's rewards after stored id
// after, by id; availableOnly keeps the active ones in stock.
func (s *Store) Rewards(ctx context.Context, program, after string, availableOnly bool, limit int64) ([]*catalogue.Reward, error) {
	f := mongox.After(bson.D{{Key: "program", Value: program}}, after)
	if availableOnly {
		f = append(f, bson.E{Key: "active", Value: true},
			bson.E{Key: "$or", Value: bson.A{bson.D{{Key: "limited", Value: false}}, bson.D{{Key: "stock", Value: bson.D{{Key: "$gt", Value: 0}}}}}})
	}
	return mongox.FindAll[*catalogue.Reward](ctx, s.db().Collection(Rewards), f, "list rewards", mongox.ByID(limit))
}

// UpdateReward sets the reward's editable fields if it is still at
// version prev (a redemption taking stock meanwhile makes it stale).
func (s *Store) UpdateReward(ctx context.Context, r *catalogue.Reward, prev int64) error {
	res, err := s.db().Collection(Rewards).UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}, {Key: "version", Value: prev}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "display_name", Value: r.DisplayName}, {Key: "description", Value: r.Description},
			{Key: "price", Value: r.Price}, {Key: "limited", Value: r.Limited}, {Key: "stock", Value: r.Stock},
			{Key: "cancel_window_days", Value: r.CancelWindowDays}, {Key: "active", Value: r.Active}}},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}})
	if err != nil {
		return mongox.Wrap("update reward", err)
	}
	if res.MatchedCount == 0 {
		return etag.ErrStale
	}
	r.Version = prev + 1
	return nil
}

// Reserve takes one item of stock for a redemption, once: a retry finds
// its reservation. It reports false when no stock is left.
func (s *Store) Reserve(ctx context.Context, key, redemption string) (bool, error) {
	res, err := s.db().Collection(Rewards).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: key}, {Key: "stock", Value: bson.D{{Key: "$gte", Value: int64(1)}}}, {Key: "reservations", Value: bson.D{{Key: "$ne", Value: redemption}}}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "stock", Value: int64(-1)}, {Key: "version", Value: int64(1)}}},
			{Key: "$push", Value: bson.D{{Key: "reservations", Value: bson.D{{Key: "$each", Value: bson.A{redemption}}}}}}})
	if err != nil {
		return false, mongox.Wrap("reserve stock", err)
	}
	if res.MatchedCount == 1 {
		return true, nil
	}
	r, err := s.Reward(ctx, key)
	if err != nil {
		return false, err
	}
	return slices.Contains(r.Reservations, redemption), nil
}

// Release gives a reservation's item back to stock (the redemption
// failed).
func (s *Store) Release(ctx context.Context, key, redemption string) error {
	_, err := s.db().Collection(Rewards).UpdateOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "reservations", Value: redemption}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "stock", Value: int64(1)}, {Key: "version", Value: int64(1)}}},
			{Key: "$pullAll", Value: bson.D{{Key: "reservations", Value: bson.A{redemption}}}}})
	return mongox.Wrap("release stock", err)
}

// Settle ends a reservation whose redemption was issued: the item is
// gone.
func (s *Store) Settle(ctx context.Context, key, redemption string) error {
	_, err := s.db().Collection(Rewards).UpdateOne(ctx, bson.D{{Key: "_id", Value: key}},
		bson.D{{Key: "$pullAll", Value: bson.D{{Key: "reservations", Value: bson.A{redemption}}}}})
	return mongox.Wrap("settle stock", err)
}

// Restock puts a cancelled redemption's item back, once.
func (s *Store) Restock(ctx context.Context, key, redemption string) error {
	_, err := s.db().Collection(Rewards).UpdateOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "returns", Value: bson.D{{Key: "$ne", Value: redemption}}}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "stock", Value: int64(1)}, {Key: "version", Value: int64(1)}}},
			{Key: "$push", Value: bson.D{{Key: "returns", Value: bson.D{{Key: "$each", Value: bson.A{redemption}}}}}}})
	return mongox.Wrap("restock", err)
}

// InsertRedemption stores a new redemption; if it exists it returns the
// stored one and existed=true.
func (s *Store) InsertRedemption(ctx context.Context, d *catalogue.Redemption) (bool, error) {
	for range 3 {
		_, err := s.db().Collection(Redemptions).InsertOne(ctx, d)
		if !mongox.IsDuplicateKey(err) {
			return false, mongox.Wrap("insert redemption", err)
		}
		got, err := s.Redemption(ctx, d.ID)
		if err == nil {
			*d = *got
			return true, nil
		}
		if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.KindNotFound {
			return false, err
		}
		// Not this redemption: its code was taken.
		d.Code = catalogue.NewCode()
	}
	return false, errors.New("insert redemption: no free reward code after 3 draws")
}

// Redemption returns one redemption.
func (s *Store) Redemption(ctx context.Context, id string) (*catalogue.Redemption, error) {
	return mongox.FindOne[catalogue.Redemption](ctx, s.db().Collection(Redemptions), bson.D{{Key: "_id", Value: id}}, apperr.NotFound(names.Redemptions.Format(id)), "read redemption")
}

// MoveRedemption sets d's state (and its cancel time, once decided) if
// the stored redemption is still in state from, and reports whether it
// did. It sets only those fields: a whole-document write of a copy read
// earlier would bring back a customer id that an erasure cleared meanwhile.
func (s *Store) MoveRedemption(ctx context.Context, d *catalogue.Redemption, from int32) (bool, error) {
	set := bson.D{{Key: "state", Value: d.State}}
	if !d.CancelTime.IsZero() {
		set = append(set, bson.E{Key: "cancel_time", Value: d.CancelTime})
	}
	res, err := s.db().Collection(Redemptions).UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "state", Value: from}}, bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return false, mongox.Wrap("update redemption", err)
	}
	return res.MatchedCount == 1, nil
}

// DeleteRedemption removes a redemption that failed before spending.
func (s *Store) DeleteRedemption(ctx context.Context, id string) error {
	_, err := s.db().Collection(Redemptions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "state", Value: catalogue.Pending}})
	return mongox.Wrap("delete redemption", err)
}

// CustomerRedemptions returns a page of a customer's redemptions in a
// program, newest first.
func (s *Store) CustomerRedemptions(ctx context.Context, program, customer string, after *points.RedemptionCursor, limit int64) ([]*catalogue.Redemption, error) {
	f := bson.D{{Key: "program", Value: program}, {Key: "customer", Value: customer}}
	if after != nil {
		f = append(f, mongox.PageBefore("create_time", after.Time, after.ID))
	}
	return mongox.FindAll[*catalogue.Redemption](ctx, s.db().Collection(Redemptions), f, "list redemptions", options.Find().SetSort(RedemptionSort).SetLimit(limit))
}

// CancellingRedemptions returns redemptions whose cancel was decided
// earlier than before and is not finished yet.
func (s *Store) CancellingRedemptions(ctx context.Context, before time.Time) ([]*catalogue.Redemption, error) {
	return mongox.FindAll[*catalogue.Redemption](ctx, s.db().Collection(Redemptions),
		bson.D{{Key: "state", Value: catalogue.Cancelling}, {Key: "cancel_time", Value: bson.D{{Key: "$lt", Value: before}}}},
		"find cancelling redemptions", options.Find().SetLimit(1000))
}

// PendingRedemptions returns redemptions still pending since before.
func (s *Store) PendingRedemptions(ctx context.Context, before time.Time) ([]*catalogue.Redemption, error) {
	return mongox.FindAll[*catalogue.Redemption](ctx, s.db().Collection(Redemptions),
		bson.D{{Key: "state", Value: catalogue.Pending}, {Key: "create_time", Value: bson.D{{Key: "$lt", Value: before}}}},
		"find pending redemptions", options.Find().SetLimit(1000))
}

// PseudonymiseRedemptions clears the customer of a customer's redemptions.
func (s *Store) PseudonymiseRedemptions(ctx context.Context, customer string) (int64, error) {
	res, err := s.db().Collection(Redemptions).UpdateMany(ctx, bson.D{{Key: "customer", Value: customer}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "customer", Value: ""}}}})
	if err != nil {
		return 0, mongox.Wrap("pseudonymise redemptions", err)
	}
	return res.ModifiedCount, nil
}
