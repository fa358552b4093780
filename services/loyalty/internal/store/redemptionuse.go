package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/loyalty/internal/catalogue"
)

// RedemptionByCode returns the redemption holding a reward code (codes
// are unique: an index says so). A pseudonymised redemption (its customer
// erased) names nobody and is NOT_FOUND, as its customer's list is.
func (s *Store) RedemptionByCode(ctx context.Context, code string) (*catalogue.Redemption, error) {
	return mongox.FindOne[catalogue.Redemption](ctx, s.db().Collection(Redemptions),
		bson.D{{Key: "code", Value: code}, {Key: "customer", Value: bson.D{{Key: "$ne", Value: ""}}}},
		apperr.NotFound("redemption code "+code), "read redemption by code")
}

// UseRedemption marks a redemption used at useTime if it is still
// issued, in one conditional write, so that of two uses racing (on any
// replicas) exactly one changes it. It reports whether this one did.
func (s *Store) UseRedemption(ctx context.Context, id string, useTime time.Time) (bool, error) {
	res, err := s.db().Collection(Redemptions).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "state", Value: catalogue.Issued}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: catalogue.Used}, {Key: "use_time", Value: useTime}}}})
	if err != nil {
		return false, mongox.Wrap("use redemption", err)
	}
	return res.ModifiedCount == 1, nil
}
