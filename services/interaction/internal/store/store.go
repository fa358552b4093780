// Package store keeps interactions in MongoDB. A new record is its own
// InteractionLogged event (the feed lists it once it is stored); a change to
// it carries its event in its outbox; the unique dedup_key makes a source
// system's record land once, and the unique order_key an order once per
// customer and source system; refunds are counted on their purchase with a
// conditional update, so concurrent refunds can never exceed it.
package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/repair"
	"github.com/opencrm/crm/services/interaction/internal/casework"
	"github.com/opencrm/crm/services/interaction/internal/errs"
	"github.com/opencrm/crm/services/interaction/internal/record"
)

// Interactions is the collection of interactions.
const Interactions = "interactions"

// TimelineSort is the timeline's order: newest first, id tie-break.
var TimelineSort = bson.D{{Key: "occur_time", Value: -1}, {Key: "_id", Value: -1}}

// TimelineIndex serves a customer's timeline: equality on the customer,
// then exactly the sort, so a page reads only its own entries.
var TimelineIndex = append(bson.D{{Key: "customer_id", Value: 1}}, TimelineSort...)

// Indexes returns every index the store's queries use.
func Indexes() []mongox.Index {
	return append([]mongox.Index{
		{Collection: Interactions, Model: mongo.IndexModel{Keys: TimelineIndex}},
		// Satisfaction statistics read a time range across customers.
		{Collection: Interactions, Model: mongo.IndexModel{Keys: bson.D{{Key: "occur_time", Value: 1}, {Key: "_id", Value: 1}}}},
		{Collection: Interactions, Model: mongo.IndexModel{Keys: bson.D{{Key: "dedup_key", Value: 1}}, Options: options.Index().SetUnique(true)}},
		{Collection: Interactions, Model: mongo.IndexModel{Keys: bson.D{{Key: "order_key", Value: 1}}, Options: options.Index().SetUnique(true)}},
	}, feed.Indexes(Interactions)...)
}

// Store is interaction-log's storage.
type Store struct {
	coll *mongo.Collection
	feed *feed.Producer
	mode mongox.Mode
	// pendingCases are the complaints stored without their case yet, for
	// PendingCases.
	pendingCases *repair.Tracker
}

// New returns the store in db, publishing through p; mode is the
// database's (it decides how PendingCases finds complaints, see
// repair.Tracker).
func New(db *mongo.Database, p *feed.Producer, mode mongox.Mode) *Store {
	return &Store{coll: db.Collection(Interactions), feed: p, mode: mode, pendingCases: &repair.Tracker{ScanOnlyAtStart: mode == mongox.ModeEmbedded}}
}

// Collection returns the interactions collection, for the outbox relay.
func (s *Store) Collection() *mongo.Collection { return s.coll }

// Repairs returns the trackers of the store's repair workers (the
// pending-case sweep), for server.Service.Repairs.
func (s *Store) Repairs() []*repair.Tracker { return []*repair.Tracker{s.pendingCases} }

// Records returns the interactions as a feed source: each stored record is
// its InteractionLogged event, built by event.
func (s *Store) Records(event func(*record.Interaction) feed.RecordEvent) feed.Records {
	return feed.Records{Collection: s.coll, Event: func(raw bson.Raw) (feed.RecordEvent, error) {
		var i record.Interaction
		if err := bson.Unmarshal(raw, &i); err != nil {
			return feed.RecordEvent{}, fmt.Errorf("decode interaction: %w", err)
		}
		return event(&i), nil
	}}
}

// Encode prepares a new record (its times and version set) for
// InsertMany.
func (s *Store) Encode(i *record.Interaction) (record.Encoded, error) {
	doc, err := bson.Marshal(i)
	if err != nil {
		return record.Encoded{}, fmt.Errorf("encode interaction: %w", err)
	}
	return record.Encoded{Interaction: i, Doc: doc}, nil
}

// Insert stores i (see InsertMany).
func (s *Store) Insert(ctx context.Context, i *record.Interaction) error {
	e, err := s.Encode(i)
	if err != nil {
		return err
	}
	errs, err := s.InsertMany(ctx, []record.Encoded{e})
	if err != nil {
		return err
	}
	return errs[0]
}

// InsertMany stores new interactions in one insertMany and then gives
// those stored their places in the feed, which publishes them. It returns, per item, nil
// or the error of that item alone; an item stored already (same id or
// source record) is replaced by the stored one and succeeds; a purchase of
// an order stored already as another interaction is errs.DuplicateOrder
// naming it.
func (s *Store) InsertMany(ctx context.Context, items []record.Encoded) ([]error, error) {
	errs := make([]error, len(items))
	docs := make([]bson.Raw, len(items))
	for n, e := range items {
		docs[n] = e.Doc
	}
	err := s.feed.InsertRecords(ctx, s.coll, docs)
	var bulk mongo.BulkWriteException
	switch {
	case errors.As(err, &bulk):
		for _, we := range bulk.WriteErrors {
			if !mongox.IsDuplicateKey(we) {
				errs[we.Index] = mongox.Wrap("insert interaction", we)
				continue
			}
			errs[we.Index] = s.stored(ctx, items[we.Index].Interaction)
		}
	case err != nil:
		// Which went in is unknown: PendingCases looks at every complaint.
		for _, e := range items {
			if e.Interaction.CasePending {
				s.pendingCases.Add(e.Interaction.ID)
			}
		}
		return nil, mongox.Wrap("insert interactions", err)
	}
	for n, e := range items {
		if errs[n] == nil && e.Interaction.CasePending {
			s.pendingCases.Add(e.Interaction.ID)
		}
	}
	return errs, nil
}

// stored resolves a new record that hit a unique key: the same record
// stored before (its id or source record) replaces i; another record of the
// same order is errs.DuplicateOrder naming it. A resent record (a retried
// call or stream) has the id it had the first time, derived from its
// request id or source record, and is found by _id alone, the one lookup
// every backend of the embedded database serves from an index; the other
// keys are looked up only when that misses.
func (s *Store) stored(ctx context.Context, i *record.Interaction) error {
	for _, key := range []bson.D{{{Key: "_id", Value: i.ID}}, {{Key: "dedup_key", Value: i.DedupKey}}} {
		var first record.Interaction
		err := s.coll.FindOne(ctx, key).Decode(&first)
		if err == nil {
			*i = first
			return nil
		}
		if !mongox.IsNotFound(err) {
			return mongox.Wrap("read the stored interaction", err)
		}
	}
	var order struct {
		ID string `bson:"_id"`
	}
	err := s.coll.FindOne(ctx, bson.D{{Key: "order_key", Value: i.OrderKey}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Decode(&order)
	if err != nil {
		return mongox.Wrap("read the interaction of the order", err)
	}
	e := errs.DuplicateOrder.New("this order was already logged for the customer from the same source system").With("interaction", record.Name(order.ID))
	e.Message = fmt.Sprintf("order %q from source system %q was already logged for this customer as %s", i.Purchase.OrderID, i.SourceSystem, record.Name(order.ID))
	return e
}

// Get returns one interaction.
func (s *Store) Get(ctx context.Context, id string) (*record.Interaction, error) {
	return mongox.FindOne[record.Interaction](ctx, s.coll, bson.D{{Key: "_id", Value: id}}, apperr.NotFound(record.Name(id)), "get interaction")
}

// Timeline returns up to limit of a customer's interactions after a,
// newest first.
func (s *Store) Timeline(ctx context.Context, f record.Filter, a *record.After, limit int) ([]*record.Interaction, error) {
	q := bson.D{{Key: "customer_id", Value: f.CustomerID}}
	if f.Channel != 0 {
		q = append(q, bson.E{Key: "channel", Value: f.Channel})
	}
	if f.Kind != 0 {
		q = append(q, bson.E{Key: "kind", Value: f.Kind})
	}
	if f.Tag != "" {
		q = append(q, bson.E{Key: "tags", Value: f.Tag})
	}
	rng := bson.D{}
	if f.From != nil {
		rng = append(rng, bson.E{Key: "$gte", Value: *f.From})
	}
	if f.To != nil {
		rng = append(rng, bson.E{Key: "$lt", Value: *f.To})
	}
	if len(rng) > 0 {
		q = append(q, bson.E{Key: "occur_time", Value: rng})
	}
	if a != nil {
		q = bson.D{{Key: "$and", Value: bson.A{q, bson.D{mongox.PageBefore("occur_time", a.OccurTime, a.ID)}}}}
	}
	return mongox.FindAll[*record.Interaction](ctx, s.coll, q, "read timeline", options.Find().SetSort(TimelineSort).SetLimit(int64(limit)).
		SetProjection(bson.D{{Key: feed.OutboxField, Value: 0}}))
}

// Update writes i's mutable fields if its version is still expectVersion.
func (s *Store) Update(ctx context.Context, i *record.Interaction, expectVersion int64, events []feed.Pending) error {
	i.Version = expectVersion + 1
	res, err := s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: i.ID}, {Key: "version", Value: expectVersion}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "summary", Value: i.Summary}, {Key: "outcome", Value: i.Outcome}, {Key: "tags", Value: i.Tags},
			{Key: "update_time", Value: i.UpdateTime}, {Key: "version", Value: i.Version}}},
		{Key: "$push", Value: bson.D{{Key: feed.OutboxField, Value: bson.D{{Key: "$each", Value: events}}}}},
	})
	if err != nil {
		_ = s.feed.Flush(context.WithoutCancel(ctx), s.coll, i.ID) // it may have been stored
		return mongox.Wrap("update interaction", err)
	}
	if res.MatchedCount == 0 {
		return etag.ErrStale
	}
	_ = s.feed.Flush(context.WithoutCancel(ctx), s.coll, i.ID)
	return nil
}

// EraseCustomer removes every interaction and case of a customer and
// redacts their events: a deleted record is a redacted event in its place
// in the feed, and the events of their changes are redacted here before
// the records go, so that a retry after a crash finishes the job.
func (s *Store) EraseCustomer(ctx context.Context, customerID string) (interactions, cases int64, err error) {
	q := bson.D{{Key: "customer_id", Value: customerID}}
	var deleted [2]int64
	for k, c := range []struct {
		coll *mongo.Collection
		name func(string) string
	}{{s.coll, record.Name}, {s.CasesCollection(), casework.Name}} {
		ids, err := mongox.IDs(ctx, c.coll, q, 0)
		if err != nil {
			return 0, 0, err
		}
		for _, id := range ids {
			if err := s.feed.Redact(ctx, c.name(id)); err != nil {
				return 0, 0, err
			}
		}
		res, err := c.coll.DeleteMany(ctx, q)
		if err != nil {
			return 0, 0, mongox.Wrap("delete the customer's records", err)
		}
		deleted[k] = res.DeletedCount
	}
	return deleted[0], deleted[1], nil
}

// Rekey moves every interaction of one customer to another (a merge).
func (s *Store) Rekey(ctx context.Context, from, to string) (int64, error) {
	q, set := bson.D{{Key: "customer_id", Value: from}}, bson.D{{Key: "$set", Value: bson.D{{Key: "customer_id", Value: to}}}}
	res, err := s.coll.UpdateMany(ctx, q, set)
	if err != nil {
		return 0, mongox.Wrap("move the merged customer's interactions", err)
	}
	if _, err := s.CasesCollection().UpdateMany(ctx, q, set); err != nil {
		return 0, mongox.Wrap("move the merged customer's cases", err)
	}
	return res.ModifiedCount, nil
}

// ReserveRefund counts refundID's amount against its purchase, if what
// remains of the purchase covers it. Counting the same refund again is a
// no-op, so a retried refund is counted once.
func (s *Store) ReserveRefund(ctx context.Context, purchase *record.Interaction, refundID string, amount int64) error {
	limit := purchase.Purchase.Amount.Minor - amount
	res, err := s.coll.UpdateOne(ctx, bson.D{
		{Key: "_id", Value: purchase.ID},
		{Key: "purchase.refund_ids", Value: bson.D{{Key: "$ne", Value: refundID}}},
		{Key: "purchase.refunded_minor", Value: bson.D{{Key: "$lte", Value: limit}}},
	}, bson.D{
		{Key: "$inc", Value: bson.D{{Key: "purchase.refunded_minor", Value: amount}}},
		{Key: "$push", Value: bson.D{{Key: "purchase.refund_ids", Value: bson.D{{Key: "$each", Value: bson.A{refundID}}}}}},
	})
	if err != nil {
		return mongox.Wrap("count refund", err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	cur, err := s.Get(ctx, purchase.ID)
	if err != nil {
		return err
	}
	if slices.Contains(cur.Purchase.RefundIDs, refundID) {
		return nil
	}
	return errs.RefundExceedsPurchase.New("the refund is more than what remains of %s (%d of %d minor units refunded)", record.Name(purchase.ID), cur.Purchase.Refunded, cur.Purchase.Amount.Minor)
}
