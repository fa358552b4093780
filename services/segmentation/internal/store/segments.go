//nolint:goconst // bson keys and operators are spelled out as in the MongoDB documents and queries they build
package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/segmentation/internal/records"
)

// InsertSegment creates a segment; ErrConflict when the id is taken.
func (s *Store) InsertSegment(ctx context.Context, sg *records.Segment) error {
	sg.Version = 1
	_, err := s.segments.InsertOne(ctx, sg)
	if mongox.IsDuplicateKey(err) {
		return records.ErrConflict
	}
	return mongox.Wrap("insert segment", err)
}

// SaveSegment rewrites a segment if its version is still prev.
func (s *Store) SaveSegment(ctx context.Context, sg *records.Segment, prev int64) error {
	sg.Version = prev + 1
	res, err := s.segments.ReplaceOne(ctx, bson.D{{Key: "_id", Value: sg.ID}, {Key: "version", Value: prev}}, sg)
	if err != nil {
		return mongox.Wrap("save segment", err)
	}
	if res.MatchedCount == 0 {
		return records.ErrConflict
	}
	return nil
}

// DeleteSegment deletes a segment (at version prev, or any when prev is
// 0); false when there was none to delete.
func (s *Store) DeleteSegment(ctx context.Context, id string, prev int64) (bool, error) {
	filter := bson.D{{Key: "_id", Value: id}}
	if prev > 0 {
		filter = append(filter, bson.E{Key: "version", Value: prev})
	}
	res, err := s.segments.DeleteOne(ctx, filter)
	if err != nil {
		return false, mongox.Wrap("delete segment", err)
	}
	return res.DeletedCount == 1, nil
}

// Segment reads a segment; nil when there is none.
func (s *Store) Segment(ctx context.Context, id string) (*records.Segment, error) {
	return mongox.Optional(mongox.FindOne[records.Segment](ctx, s.segments, bson.D{{Key: "_id", Value: id}}, nil, "read segment"))
}

// Segments lists up to limit segments after the id after, by id (limit 0:
// all).
func (s *Store) Segments(ctx context.Context, after string, limit int64) ([]records.Segment, error) {
	return mongox.FindAll[records.Segment](ctx, s.segments, mongox.After(bson.D{}, after), "list segments", mongox.ByID(limit))
}

// RecordSizes keeps the segment sizes of a completed run.
func (s *Store) RecordSizes(ctx context.Context, run string, at time.Time, sizes map[string]int64) error {
	for seg, n := range sizes {
		_, err := s.sizes.ReplaceOne(ctx, bson.D{{Key: "_id", Value: seg + "/" + run}},
			records.Size{ID: seg + "/" + run, Segment: seg, Run: run, Time: at, Count: n}, options.Replace().SetUpsert(true))
		if err != nil {
			return mongox.Wrap("record segment size", err)
		}
	}
	return nil
}

// Sizes lists a segment's sizes after pos (nil: from the newest), newest
// first.
func (s *Store) Sizes(ctx context.Context, segment string, after *records.SizePos, limit int64) ([]records.Size, error) {
	filter := bson.D{{Key: "seg", Value: segment}}
	if after != nil {
		filter = append(filter, mongox.PageBefore("time", after.Time, after.ID))
	}
	return mongox.FindAll[records.Size](ctx, s.sizes, filter, "list segment sizes", options.Find().SetSort(bson.D{{Key: "time", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(limit))
}
