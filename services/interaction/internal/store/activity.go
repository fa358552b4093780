package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/interaction/internal/casework"
	"github.com/opencrm/crm/services/interaction/internal/record"
)

// EachInteraction streams interactions, one customer's (customerID set) or
// everyone's grouped by customer, in timeline order, to fn; fn's error
// stops the stream.
func (s *Store) EachInteraction(ctx context.Context, customerID string, fn func(*record.Interaction) error) error {
	q := bson.D{}
	if customerID != "" {
		q = bson.D{{Key: "customer_id", Value: customerID}}
	}
	return mongox.Each(ctx, s.coll, q, "read interactions", fn, options.Find().SetSort(TimelineIndex).SetBatchSize(500).
		SetProjection(bson.D{{Key: feed.OutboxField, Value: 0}, {Key: "purchase.items", Value: 0}, {Key: "summary", Value: 0}}))
}

// EachSatisfaction streams the interactions that occurred in [from, to)
// and recorded satisfaction, with only the fields a satisfaction tally
// reads, in no particular order (a tally needs none).
func (s *Store) EachSatisfaction(ctx context.Context, from, to time.Time, fn func(*record.Interaction) error) error {
	q := bson.D{{Key: "occur_time", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lt", Value: to}}},
		{Key: "satisfaction", Value: bson.D{{Key: "$exists", Value: true}}}}
	return mongox.Each(ctx, s.coll, q, "read satisfaction", fn, options.Find().SetBatchSize(500).
		SetProjection(bson.D{{Key: "occur_time", Value: 1}, {Key: "channel", Value: 1}, {Key: "agent", Value: 1}, {Key: "case_id", Value: 1}, {Key: "satisfaction", Value: 1}}))
}

// OpenCases counts the open or in-progress cases per customer (of one
// customer when customerID is set), computed by the database.
func (s *Store) OpenCases(ctx context.Context, customerID string) (map[string]int64, error) {
	match := bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{casework.Open, casework.InProgress}}}}}
	if customerID != "" {
		match = append(match, bson.E{Key: "customer_id", Value: customerID})
	}
	return mongox.CountBy(ctx, s.CasesCollection(), mongo.Pipeline{{{Key: "$match", Value: match}}}, "customer_id", "count open cases")
}
