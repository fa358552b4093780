//nolint:goconst // bson keys and operators are spelled out as in the MongoDB documents and queries they build
package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/loyalty/internal/points"
)

// Members is what loyalty keeps of customer-profile's customers for
// earning rules, from its feed.
const Members = "members"

// Member returns a customer's facts; unknown customers have none.
func (s *Store) Member(ctx context.Context, id string) (points.Member, error) {
	var m points.Member
	err := s.db().Collection(Members).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&m)
	if mongox.IsNotFound(err) {
		return points.Member{ID: id}, nil
	}
	return m, mongox.Wrap("read member facts", err)
}

// ForgetMember removes a customer's facts (erasure).
func (s *Store) ForgetMember(ctx context.Context, id string) error {
	_, err := s.db().Collection(Members).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return mongox.Wrap("forget member facts", err)
}
