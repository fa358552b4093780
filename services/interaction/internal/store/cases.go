package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/interaction/internal/casework"
)

// Cases is the collection of complaint cases.
const Cases = "cases"

// CaseIndexes returns the indexes of the case queries.
func CaseIndexes() []mongox.Index {
	ix := func(keys ...string) mongox.Index { return mongox.Ascending(Cases, keys...) }
	return append([]mongox.Index{
		ix("due_time", "_id"),
		ix("status", "due_time", "_id"),
		ix("assignee", "due_time", "_id"),
		ix("customer_id", "due_time", "_id"),
		ix("open_time", "_id"),
		{Collection: Interactions, Model: mongo.IndexModel{Keys: bson.D{{Key: "case_pending", Value: 1}, {Key: "record_time", Value: 1}}}},
	}, feed.Indexes(Cases)...)
}

// CasesCollection returns the cases collection, for the outbox relay.
func (s *Store) CasesCollection() *mongo.Collection { return s.coll.Database().Collection(Cases) }

type caseDocument struct {
	casework.Case `bson:",inline"`
	Outbox        []feed.Pending `bson:"outbox"`
}

// InsertCase stores a new case; one stored already under its id is kept,
// and its outbox published (its first insert may have failed after
// storing it).
func (s *Store) InsertCase(ctx context.Context, c *casework.Case, events []feed.Pending) error {
	c.Version = 1
	_, err := s.CasesCollection().InsertOne(ctx, caseDocument{Case: *c, Outbox: events})
	if err != nil && !mongox.IsDuplicateKey(err) {
		return mongox.Wrap("insert case", err)
	}
	_ = s.feed.Flush(context.WithoutCancel(ctx), s.CasesCollection(), c.ID)
	return nil
}

// CaseOpened clears the pending mark of the complaint that opened a case.
func (s *Store) CaseOpened(ctx context.Context, interactionID string) error {
	_, err := s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: interactionID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "case_pending", Value: false}}}})
	if err != nil {
		return mongox.Wrap("mark the case opened", err)
	}
	s.pendingCases.Remove(interactionID)
	return nil
}

// pendingPage bounds the complaints one PendingCases call reads.
const pendingPage = 500

// PendingCases returns ids of complaints recorded before cutoff whose case
// is not stored yet. Which complaints it reads: see repair.Tracker; those
// it finds stay noted until CaseOpened, the younger ones for a later call.
func (s *Store) PendingCases(ctx context.Context, cutoff time.Time) ([]string, error) {
	type pending struct {
		ID         string    `bson:"_id"`
		Pending    bool      `bson:"case_pending"`
		RecordTime time.Time `bson:"record_time"`
	}
	fields := bson.D{{Key: "case_pending", Value: 1}, {Key: "record_time", Value: 1}}
	scan, ids := s.pendingCases.Round()
	var docs []pending
	var err error
	if scan {
		docs, err = mongox.FindAll[pending](ctx, s.coll, bson.D{{Key: "case_pending", Value: true}}, "find pending cases",
			options.Find().SetProjection(fields).SetLimit(pendingPage))
	} else {
		docs, err = mongox.ByIDs[pending](ctx, s.coll, ids, s.mode, mongox.AllLookups, fields, "read pending cases")
	}
	if err != nil {
		s.pendingCases.Add(ids...)
		return nil, err
	}
	var due []string
	for _, d := range docs {
		if !d.Pending {
			continue
		}
		s.pendingCases.Add(d.ID)
		if d.RecordTime.Before(cutoff) {
			due = append(due, d.ID)
		}
	}
	if scan && len(docs) < pendingPage {
		s.pendingCases.Scanned()
	}
	return due, nil
}

// GetCase returns one case.
func (s *Store) GetCase(ctx context.Context, id string) (*casework.Case, error) {
	return mongox.FindOne[casework.Case](ctx, s.CasesCollection(), bson.D{{Key: "_id", Value: id}}, apperr.NotFound(casework.Name(id)), "get case")
}

// SaveCase writes c if its stored version is still expectVersion.
func (s *Store) SaveCase(ctx context.Context, c *casework.Case, expectVersion int64, events []feed.Pending) error {
	c.Version = expectVersion + 1
	set, err := mongox.SetFields(c)
	if err != nil {
		return fmt.Errorf("save case: %w", err)
	}
	res, err := s.CasesCollection().UpdateOne(ctx, bson.D{{Key: "_id", Value: c.ID}, {Key: "version", Value: expectVersion}}, bson.D{
		{Key: "$set", Value: set},
		{Key: "$push", Value: bson.D{{Key: feed.OutboxField, Value: bson.D{{Key: "$each", Value: events}}}}},
	})
	if err != nil {
		_ = s.feed.Flush(context.WithoutCancel(ctx), s.CasesCollection(), c.ID) // it may have been stored
		return mongox.Wrap("save case", err)
	}
	if res.MatchedCount == 0 {
		return etag.ErrStale
	}
	_ = s.feed.Flush(context.WithoutCancel(ctx), s.CasesCollection(), c.ID)
	return nil
}

// ListCases returns up to limit cases after a, earliest due first.
func (s *Store) ListCases(ctx context.Context, f casework.Filter, a *casework.After, limit int) ([]*casework.Case, error) {
	q := bson.D{}
	if f.Status != 0 {
		q = append(q, bson.E{Key: "status", Value: f.Status})
	}
	if f.Assignee != "" {
		q = append(q, bson.E{Key: "assignee", Value: f.Assignee})
	}
	if f.CustomerID != "" {
		q = append(q, bson.E{Key: "customer_id", Value: f.CustomerID})
	}
	if f.OverdueAt != nil {
		q = append(q, bson.E{Key: "due_time", Value: bson.D{{Key: "$lt", Value: *f.OverdueAt}}},
			bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{casework.Open, casework.InProgress}}}})
	}
	if f.Escalated != nil {
		// Cases stored before escalation existed have no field: not
		// escalated.
		if *f.Escalated {
			q = append(q, bson.E{Key: "escalated", Value: true})
		} else {
			q = append(q, bson.E{Key: "escalated", Value: bson.D{{Key: "$ne", Value: true}}})
		}
	}
	if a != nil {
		q = bson.D{{Key: "$and", Value: bson.A{q, bson.D{mongox.PageAfter("due_time", a.DueTime, a.ID)}}}}
	}
	return mongox.FindAll[*casework.Case](ctx, s.CasesCollection(), q, "list cases", options.Find().SetSort(bson.D{{Key: "due_time", Value: 1}, {Key: "_id", Value: 1}}).
		SetLimit(int64(limit)).SetProjection(bson.D{{Key: feed.OutboxField, Value: 0}}))
}

// CasesOpened returns the cases opened in [from, to), without their
// history and follow-ups.
func (s *Store) CasesOpened(ctx context.Context, from, to time.Time) ([]casework.Case, error) {
	return mongox.FindAll[casework.Case](ctx, s.CasesCollection(), bson.D{{Key: "open_time", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lt", Value: to}}}}, "read cases",
		options.Find().SetProjection(bson.D{{Key: feed.OutboxField, Value: 0}, {Key: "history", Value: 0}, {Key: "follow_ups", Value: 0}}))
}

// assigneeBatch bounds the ids of one CaseAssignees query.
const assigneeBatch = 500

// CaseAssignees returns the assignee of each stored case of ids, reading
// assigneeBatch cases per query.
func (s *Store) CaseAssignees(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for start := 0; start < len(ids); start += assigneeBatch {
		batch := ids[start:min(start+assigneeBatch, len(ids))]
		rows, err := mongox.FindAll[struct {
			ID       string `bson:"_id"`
			Assignee string `bson:"assignee"`
		}](ctx, s.CasesCollection(), bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: batch}}}}, "read case assignees",
			options.Find().SetProjection(bson.D{{Key: "assignee", Value: 1}}))
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.ID] = r.Assignee
		}
	}
	return out, nil
}
