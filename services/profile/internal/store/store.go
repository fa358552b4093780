// Package store keeps the customer archive in MongoDB: customers (each
// change written together with its events in the document's outbox),
// contact claims that make e-mails and phones unique across customers, and
// the merge history, and the search index (search.go). Every query here is
// backed by an index from Indexes or reads documents by _id.
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
	"github.com/opencrm/crm/services/profile/internal/customer"
	"github.com/opencrm/crm/services/profile/internal/errs"
)

// Collection names.
const (
	Customers = "customers"
	Claims    = "contact_claims"
	Merges    = "merges"
	Search    = "search_words"
)

// Indexes returns every index the store's queries use.
func Indexes() []mongox.Index {
	ix := mongox.Ascending
	return append([]mongox.Index{
		ix(Customers, "state", "create_time", "_id"),
		ix(Customers, "state", "update_time", "_id"),
		ix(Customers, "state", "name_key", "_id"),
		ix(Customers, "dedup_keys"),
		ix(Customers, "tags"),
		ix(Customers, "owner"),
		ix(Customers, "demographics.country_code"),
		ix(Customers, "lifecycle_stage"),
		ix(Customers, "purge_time"),
		ix(Customers, "merged_into"),
		ix(Claims, "customer_id"),
		ix(Merges, "survivor", "time"),
		ix(Merges, "loser", "time"),
	}, feed.Indexes(Customers)...)
}

// Store is the archive's storage.
type Store struct {
	customers *mongo.Collection
	claims    *mongo.Collection
	merges    *mongo.Collection
	search    *mongo.Collection
	feed      *feed.Producer
	mode      mongox.Mode
	// sized chooses how GetMany reads on the embedded database: a check
	// may name most of a small archive, or a few of a large one.
	sized *mongox.SizedLookups
	// ClaimGrace is how long a fresh claim protects a contact whose
	// customer is not stored yet (a create in progress).
	ClaimGrace time.Duration
}

// New returns the store in db, publishing events through p; mode is the
// database's (reads of many customers by id depend on it, see
// mongox.ByIDs).
func New(db *mongo.Database, p *feed.Producer, mode mongox.Mode) *Store {
	return &Store{customers: db.Collection(Customers), claims: db.Collection(Claims), merges: db.Collection(Merges), search: db.Collection(Search), feed: p, mode: mode,
		sized: &mongox.SizedLookups{Coll: db.Collection(Customers), Every: time.Minute}, ClaimGrace: time.Minute}
}

// Customers returns the customers collection, for the outbox relay.
func (s *Store) Customers() *mongo.Collection { return s.customers }

type document struct {
	customer.Customer `bson:",inline"`
	Outbox            []feed.Pending `bson:"outbox"`
	// ConsentHistory lives in the customer's document so that a change and
	// its history entry are one write, and an erasure's tombstone drops it.
	ConsentHistory []customer.ConsentChange `bson:"consent_history,omitempty"`
}

// historyField is the stored consent history, read only when listed.
const historyField = "consent_history"

// erased is the error for customer id, which was erased.
func erased(id string) error {
	return errs.CustomerErased.New("the customer was erased").With("resource", customer.Name(id))
}

// Insert stores a new customer with its events, its consent history and
// its search entries. Inserting the same id again returns the stored record
// with existed=true (a retried create).
func (s *Store) Insert(ctx context.Context, c *customer.Customer, events []feed.Pending, history ...customer.ConsentChange) (existed bool, err error) {
	c.Version, c.SearchVersion = 1, 1
	if err := s.index(ctx, c); err != nil {
		return false, err
	}
	_, err = s.customers.InsertOne(ctx, document{Customer: *c, Outbox: events, ConsentHistory: history})
	if mongox.IsDuplicateKey(err) {
		got, gerr := s.Get(ctx, c.ID)
		if gerr != nil {
			return false, gerr
		}
		*c = *got
		return true, nil
	}
	if err != nil {
		s.flush(ctx, c.ID) // it may have been stored
		return false, mongox.Wrap("insert customer", err)
	}
	s.flush(ctx, c.ID)
	return false, nil
}

// flush publishes the document's outbox. A failure is not the caller's:
// the change is stored and the relay publishes it later.
func (s *Store) flush(ctx context.Context, id string) {
	_ = s.feed.Flush(context.WithoutCancel(ctx), s.customers, id)
}

// Get returns a customer, also soft-deleted or merged; an erased one is
// errs.CustomerErased.
func (s *Store) Get(ctx context.Context, id string) (*customer.Customer, error) {
	c, err := mongox.FindOne[customer.Customer](ctx, s.customers, bson.D{{Key: "_id", Value: id}}, apperr.NotFound(customer.Name(id)), "get customer",
		options.FindOne().SetProjection(bson.D{{Key: feed.OutboxField, Value: 0}, {Key: historyField, Value: 0}}))
	if err != nil {
		return nil, err
	}
	if c.State == customer.StateErased {
		return nil, erased(id)
	}
	return c, nil
}

// GetMany returns the customers with the given ids, in that order.
func (s *Store) GetMany(ctx context.Context, ids []string) ([]*customer.Customer, error) {
	lookups := mongox.AllLookups
	if s.mode == mongox.ModeEmbedded {
		var err error
		if lookups, err = s.sized.Lookups(ctx); err != nil {
			return nil, err
		}
	}
	all, err := mongox.ByIDs[*customer.Customer](ctx, s.customers, ids, s.mode, lookups,
		bson.D{{Key: feed.OutboxField, Value: 0}, {Key: historyField, Value: 0}}, "get customers")
	if err != nil {
		return nil, err
	}
	byID := map[string]*customer.Customer{}
	for _, c := range all {
		byID[c.ID] = c
	}
	out := make([]*customer.Customer, len(ids))
	for i, id := range ids {
		c, ok := byID[id]
		if !ok {
			return nil, apperr.NotFound(customer.Name(id))
		}
		if c.State == customer.StateErased {
			return nil, erased(id)
		}
		out[i] = c
	}
	return out, nil
}

// Update writes c, the new state of prev, if the stored version is still
// prev's, with its events and the consent history entries, bumps the
// version and keeps the search index current. A changed version is
// etag.ErrStale. The history is appended in the same single-document
// write, so a lost race or a retry never doubles it.
func (s *Store) Update(ctx context.Context, prev, c *customer.Customer, events []feed.Pending, history ...customer.ConsentChange) error {
	expectVersion := prev.Version
	c.Version = expectVersion + 1
	reindex := searchChanged(prev, c)
	if reindex {
		c.SearchVersion = c.Version
		if err := s.index(ctx, c); err != nil {
			return err
		}
	} else {
		c.SearchVersion = prev.SearchVersion
	}
	set, err := mongox.SetFields(c)
	if err != nil {
		return fmt.Errorf("update customer: %w", err)
	}
	upd := bson.D{{Key: "$set", Value: set}}
	var push bson.D
	if len(events) > 0 {
		push = append(push, bson.E{Key: feed.OutboxField, Value: bson.D{{Key: "$each", Value: events}}})
	}
	if len(history) > 0 {
		push = append(push, bson.E{Key: historyField, Value: bson.D{{Key: "$each", Value: history}}})
	}
	if len(push) > 0 {
		upd = append(upd, bson.E{Key: "$push", Value: push})
	}
	res, err := s.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: c.ID}, {Key: "version", Value: expectVersion}}, upd)
	if err != nil {
		s.flush(ctx, c.ID) // it may have been stored
		return mongox.Wrap("update customer", err)
	}
	if res.MatchedCount == 0 {
		return etag.ErrStale
	}
	if reindex {
		if err := s.unindex(ctx, prev); err != nil {
			return err
		}
	}
	s.flush(ctx, c.ID)
	return nil
}

// Erase replaces the customer by a tombstone that keeps only the id and
// the erasure time, with the erased event in its outbox; removes the
// customer's contact claims and search entries; and redacts the payloads
// of its earlier events.
func (s *Store) Erase(ctx context.Context, id string, at time.Time, ev feed.Pending) error {
	// The search entries hold the name: removed before the tombstone, while
	// an interrupted erasure can still be retried, and after it for a
	// change that landed in between.
	cur, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := s.unindex(ctx, cur); err != nil {
		return err
	}
	tomb := bson.D{{Key: "_id", Value: id}, {Key: "state", Value: customer.StateErased}, {Key: "erase_time", Value: at},
		{Key: "version", Value: int64(0)}, {Key: feed.OutboxField, Value: bson.A{ev}}}
	var before customer.Customer
	err = s.customers.FindOneAndReplace(ctx, bson.D{{Key: "_id", Value: id}, {Key: "state", Value: bson.D{{Key: "$ne", Value: customer.StateErased}}}}, tomb).Decode(&before)
	if mongox.IsNotFound(err) {
		return erased(id)
	}
	if err != nil {
		return mongox.Wrap("erase customer", err)
	}
	if before.SearchVersion != cur.SearchVersion {
		if err := s.unindex(ctx, &before); err != nil {
			return err
		}
	}
	if _, err := s.claims.DeleteMany(ctx, bson.D{{Key: "customer_id", Value: id}}); err != nil {
		return mongox.Wrap("release erased customer's contacts", err)
	}
	// Redact before publishing the erased event, whose payload has no
	// personal data and must stay readable.
	if err := s.feed.Redact(ctx, customer.Name(id)); err != nil {
		return err
	}
	s.flush(ctx, id)
	return nil
}

// query is the MongoDB filter of f.
func query(f customer.Filter) bson.D {
	q := bson.D{}
	if len(f.States) > 0 {
		q = append(q, bson.E{Key: "state", Value: bson.D{{Key: "$in", Value: f.States}}})
	}
	add := func(k string, v any) { q = append(q, bson.E{Key: k, Value: v}) }
	if f.Stage != 0 {
		add("lifecycle_stage", f.Stage)
	}
	if f.Tag != "" {
		add("tags", f.Tag)
	}
	if f.CountryCode != "" {
		add("demographics.country_code", f.CountryCode)
	}
	if f.Owner != "" {
		add("owner", f.Owner)
	}
	rng := func(k string, from, to *time.Time) {
		r := bson.D{}
		if from != nil {
			r = append(r, bson.E{Key: "$gte", Value: *from})
		}
		if to != nil {
			r = append(r, bson.E{Key: "$lt", Value: *to})
		}
		if len(r) > 0 {
			add(k, r)
		}
	}
	rng("create_time", f.CreateFrom, f.CreateTo)
	rng("update_time", f.UpdateFrom, f.UpdateTo)
	for k, v := range f.Attributes {
		switch {
		case v.String != nil:
			add("attributes."+k+".s", *v.String)
		case v.Number != nil:
			add("attributes."+k+".n", *v.Number)
		case v.Bool != nil:
			add("attributes."+k+".b", *v.Bool)
		case v.Time != nil:
			add("attributes."+k+".t", *v.Time)
		}
	}
	if f.ExcludeID != "" {
		add("_id", bson.D{{Key: "$ne", Value: f.ExcludeID}})
	}
	if len(f.DedupKeysAnyOf) > 0 {
		add("dedup_keys", bson.D{{Key: "$in", Value: f.DedupKeysAnyOf}})
	}
	return q
}

// List returns up to limit customers matching f in order o after the
// position a (nil for the first page).
func (s *Store) List(ctx context.Context, f customer.Filter, o customer.Order, a *customer.After, limit int) ([]*customer.Customer, error) {
	q := query(f)
	dir, cmp := 1, "$gt"
	if o.Desc {
		dir, cmp = -1, "$lt"
	}
	if a != nil {
		var v any = a.ID
		switch {
		case a.Time != nil:
			v = *a.Time
		case a.Text != nil:
			v = *a.Text
		}
		after := bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: o.Field, Value: bson.D{{Key: cmp, Value: v}}}},
			bson.D{{Key: o.Field, Value: v}, {Key: "_id", Value: bson.D{{Key: cmp, Value: a.ID}}}},
		}}}
		q = bson.D{{Key: "$and", Value: bson.A{q, after}}}
	}
	return mongox.FindAll[*customer.Customer](ctx, s.customers, q, "list customers", options.Find().SetSort(bson.D{{Key: o.Field, Value: dir}, {Key: "_id", Value: dir}}).
		SetLimit(int64(limit)).SetProjection(bson.D{{Key: feed.OutboxField, Value: 0}, {Key: historyField, Value: 0}}))
}

// SharedDedupKeys returns up to limit dedup keys that more than one active
// customer has.
func (s *Store) SharedDedupKeys(ctx context.Context, limit int) ([]string, error) {
	pipe := mongo.Pipeline{
		{{Key: "$match", Value: bson.D{{Key: "state", Value: customer.StateActive}}}},
		{{Key: "$unwind", Value: "$dedup_keys"}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$dedup_keys"}, {Key: "count", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
		{{Key: "$match", Value: bson.D{{Key: "count", Value: bson.D{{Key: "$gt", Value: 1}}}}}},
		{{Key: "$sort", Value: bson.D{{Key: "_id", Value: 1}}}},
		{{Key: "$limit", Value: limit}},
	}
	cur, err := s.customers.Aggregate(ctx, pipe)
	if err != nil {
		return nil, mongox.Wrap("find shared keys", err)
	}
	var shared []struct {
		Key string `bson:"_id"`
	}
	if err := cur.All(ctx, &shared); err != nil {
		return nil, mongox.Wrap("find shared keys", err)
	}
	out := make([]string, len(shared))
	for i, k := range shared {
		out[i] = k.Key
	}
	return out, nil
}

// ConsentHistory returns up to limit entries of a customer's consent
// history after sequence after, oldest first; an erased customer is
// errs.CustomerErased.
func (s *Store) ConsentHistory(ctx context.Context, id string, after int64, limit int) ([]customer.ConsentChange, error) {
	d, err := mongox.FindOne[struct {
		State   customer.State           `bson:"state"`
		History []customer.ConsentChange `bson:"consent_history"`
	}](ctx, s.customers, bson.D{{Key: "_id", Value: id}}, apperr.NotFound(customer.Name(id)), "get consent history",
		options.FindOne().SetProjection(bson.D{{Key: "state", Value: 1}, {Key: historyField, Value: 1}}))
	if err != nil {
		return nil, err
	}
	if d.State == customer.StateErased {
		return nil, erased(id)
	}
	out := make([]customer.ConsentChange, 0, min(limit, len(d.History)))
	for _, c := range d.History {
		if c.Sequence > after && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

// MergedInto returns the ids of the customers merged into id.
func (s *Store) MergedInto(ctx context.Context, id string) ([]string, error) {
	return mongox.IDs(ctx, s.customers, bson.D{{Key: "merged_into", Value: id}, {Key: "state", Value: customer.StateMerged}}, 0)
}

// DueForPurge returns ids of soft-deleted customers whose purge time passed.
func (s *Store) DueForPurge(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return mongox.IDs(ctx, s.customers, bson.D{{Key: "purge_time", Value: bson.D{{Key: "$lte", Value: now}}}, {Key: "state", Value: customer.StateDeleted}}, int64(limit))
}
