//nolint:goconst // bson keys and operators are spelled out as in the MongoDB documents and queries they build
package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/records"
)

// Reads and writes of many documents at once, for a batch of feed events:
// on MongoDB their number of round trips does not grow with the batch,
// apart from one conditional write per changed customer; on the embedded
// database the reads are a lookup by _id per document (mongox.ByIDs).

// CustomersByID reads the metrics of those customers that have any, by id.
func (s *Store) CustomersByID(ctx context.Context, ids []string) (map[string]*metrics.Customer, error) {
	out := make(map[string]*metrics.Customer, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	docs, err := mongox.ByIDs[*metrics.Customer](ctx, s.customers, ids, s.mode, mongox.AllLookups, nil, "read metrics")
	if err != nil {
		return nil, err
	}
	for _, c := range docs {
		out[c.ID] = c
	}
	return out, nil
}

// ScoresByCustomer reads those customers' scores in a run, by customer;
// a customer without one is absent.
func (s *Store) ScoresByCustomer(ctx context.Context, run string, customers []string) (map[string]records.Score, error) {
	out := make(map[string]records.Score, len(customers))
	if len(customers) == 0 {
		return out, nil
	}
	ids := make([]string, len(customers))
	for i, c := range customers {
		ids[i] = records.ScoreID(run, c)
	}
	docs, err := mongox.ByIDs[records.Score](ctx, s.scores, ids, s.mode, mongox.AllLookups, nil, "read scores")
	if err != nil {
		return nil, err
	}
	for _, sc := range docs {
		out[sc.Customer] = sc
	}
	return out, nil
}

// ReplaceScores writes customers' rescored grades in one call.
func (s *Store) ReplaceScores(ctx context.Context, scs []records.Score) error {
	if len(scs) == 0 {
		return nil
	}
	models := make([]mongo.WriteModel, len(scs))
	for i, sc := range scs {
		models[i] = mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: sc.ID}}).SetReplacement(sc).SetUpsert(true)
	}
	return mongox.BulkWrite(ctx, s.scores, models, "write scores")
}
