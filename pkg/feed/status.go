package feed

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/opencrm/crm/pkg/mongox"
)

// LastSequence returns the last sequence number the producer's feed gave
// out (0 before the first event): the head a consumer's cursor is measured
// against. Events up to it may still be committing.
func (p *Producer) LastSequence(ctx context.Context) (int64, error) {
	var c struct {
		N int64 `bson:"n"`
	}
	err := p.counters.FindOne(ctx, bson.D{{Key: "_id", Value: "sequence"}}).Decode(&c)
	if mongox.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, mongox.Wrap("read feed head", err)
	}
	return c.N, nil
}
