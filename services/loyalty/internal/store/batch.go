//nolint:goconst // bson keys and operators are spelled out as in the MongoDB documents and queries they build
package store

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/loyalty/internal/points"
)

// Reads and writes of many documents at once, for a batch of feed events:
// their number of round trips does not grow with the batch, apart from
// one conditional write per changed account.

// AccountsByID returns the accounts with those ids that exist, by id.
func (s *Store) AccountsByID(ctx context.Context, ids []string) (map[string]*points.Account, error) {
	out := make(map[string]*points.Account, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	docs, err := mongox.ByIDs[*points.Account](ctx, s.accounts, ids, s.mode, mongox.AllLookups, nil, "read accounts")
	if err != nil {
		return nil, err
	}
	for _, a := range docs {
		out[a.ID] = a
	}
	return out, nil
}

// KnownEntries returns which of the entry ids are in the ledger.
func (s *Store) KnownEntries(ctx context.Context, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	found, err := mongox.ByIDs[struct {
		ID string `bson:"_id"`
	}](ctx, s.ledger, ids, s.mode, mongox.AllLookups, bson.D{{Key: "_id", Value: 1}}, "read ledger entries")
	if err != nil {
		return nil, err
	}
	for _, e := range found {
		out[e.ID] = true
	}
	return out, nil
}

// MembersByID returns the facts of those customers; unknown ones have
// none.
func (s *Store) MembersByID(ctx context.Context, ids []string) (map[string]points.Member, error) {
	out := make(map[string]points.Member, len(ids))
	for _, id := range ids {
		out[id] = points.Member{ID: id}
	}
	if len(ids) == 0 {
		return out, nil
	}
	docs, err := mongox.ByIDs[points.Member](ctx, s.db().Collection(Members), ids, s.mode, mongox.AllLookups, nil, "read members")
	if err != nil {
		return nil, err
	}
	for _, m := range docs {
		out[m.ID] = m
	}
	return out, nil
}

// SaveMembers stores customers' facts, each once, in one call.
func (s *Store) SaveMembers(ctx context.Context, ms []points.Member) error {
	if len(ms) == 0 {
		return nil
	}
	models := make([]mongo.WriteModel, len(ms))
	for i, m := range ms {
		models[i] = mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: m.ID}}).SetReplacement(m).SetUpsert(true)
	}
	return mongox.BulkWrite(ctx, s.db().Collection(Members), models, "save members")
}

// InsertAccounts stores new accounts with their entries and events; it
// returns the ids of those that exist already (another change created
// them meanwhile), which are not written.
func (s *Store) InsertAccounts(ctx context.Context, as []*points.Account) (existed map[string]bool, err error) {
	existed = map[string]bool{}
	if len(as) == 0 {
		return existed, nil
	}
	docs := make([]any, len(as))
	for i, a := range as {
		a.Version = 1
		a.Dirty = len(a.Entries) > 0
		docs[i] = a
	}
	_, err = s.accounts.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	bulk, isBulk := errors.AsType[mongo.BulkWriteException](err)
	if err != nil && !isBulk {
		// Which went in is unknown: FlushDirty looks at them all.
		s.unsettled.Add(ids(as)...)
		s.due.unknown(ids(as)...)
		return nil, mongox.Wrap("insert accounts", err)
	}
	for _, we := range bulk.WriteErrors {
		if !mongox.IsDuplicateKey(we) {
			s.unsettled.Add(ids(as)...)
			s.due.unknown(ids(as)...)
			return nil, mongox.Wrap("insert accounts", err)
		}
		existed[as[we.Index].ID] = true
	}
	for _, a := range as {
		if existed[a.ID] {
			continue
		}
		s.due.written(a)
		if a.Dirty {
			s.unsettled.Add(a.ID)
		}
	}
	return existed, nil
}

func ids(as []*points.Account) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

// ReplaceAccount replaces the account if it is still at version prev
// (ErrConflict otherwise), leaving its entries and events in it for
// SettleAccounts to copy out.
func (s *Store) ReplaceAccount(ctx context.Context, a *points.Account, prev int64) error {
	a.Version = prev + 1
	a.Dirty = len(a.Entries) > 0
	res, err := s.accounts.ReplaceOne(ctx, bson.D{{Key: "_id", Value: a.ID}, {Key: "version", Value: prev}}, a)
	if err != nil {
		a.Version = prev
		s.unknownWrite(ctx, a)
		return mongox.Wrap("replace account", err)
	}
	if res.MatchedCount == 0 {
		a.Version = prev
		return points.ErrConflict
	}
	s.due.written(a)
	if a.Dirty {
		s.unsettled.Add(a.ID)
	}
	return nil
}

// SettleAccounts copies the entries and events of accounts just written (by
// InsertAccounts or ReplaceAccount) to the ledger and the feed in three
// calls for any number of accounts, then clears them from each document.
// The clears are one update per account rather than one bulk write:
// FerretDB's SQLite backend takes seconds per statement of a bulk update
// of such documents. A failure leaves the copy to the relays (FlushDirty
// and the feed's Relay), as SaveAccount does; so does a failure between
// the accounts' writes and this call, as they are noted for FlushDirty
// when written.
func (s *Store) SettleAccounts(ctx context.Context, as []*points.Account) error {
	var entries []any
	var evs []feed.Pending
	var models []*mongo.UpdateOneModel
	for _, a := range as {
		for _, e := range a.Entries {
			entries = append(entries, e)
		}
		evs = append(evs, a.Outbox...)
		pull := bson.D{}
		if len(a.Entries) > 0 {
			vals := make(bson.A, len(a.Entries))
			for i, e := range a.Entries {
				vals[i] = e
			}
			pull = append(pull, bson.E{Key: "entries", Value: vals})
		}
		if len(a.Outbox) > 0 {
			vals := make(bson.A, len(a.Outbox))
			for i, ev := range a.Outbox {
				vals[i] = ev
			}
			pull = append(pull, bson.E{Key: feed.OutboxField, Value: vals})
		}
		if len(pull) > 0 {
			// Filtered by _id alone, which every backend looks up by key
			// (a version in the filter makes FerretDB's SQLite backend read
			// the whole collection for each account). Pulling exactly the
			// entries and events copied is right whatever changed since.
			// Clearing dirty is not, were a concurrent change's entries in
			// the document by now and its own copy to fail: those then stay
			// in the document (still counted, by Entry, as applied) until
			// the account's next change copies them.
			models = append(models, mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: a.ID}}).
				SetUpdate(bson.D{{Key: "$pullAll", Value: pull}, {Key: "$set", Value: bson.D{{Key: "dirty", Value: false}}}}))
		}
	}
	if err := s.settle(ctx, entries, evs, models); err != nil {
		s.unsettled.Add(ids(as)...)
		return err
	}
	s.unsettled.Remove(ids(as)...)
	for _, a := range as {
		a.Entries, a.Outbox, a.Dirty = nil, nil, false
	}
	return nil
}

func (s *Store) settle(ctx context.Context, entries []any, evs []feed.Pending, clears []*mongo.UpdateOneModel) error {
	if err := mongox.InsertNew(ctx, s.ledger, entries, "write ledger entries"); err != nil {
		return err
	}
	if err := s.feed.Append(ctx, evs...); err != nil {
		return err
	}
	for _, m := range clears {
		if _, err := s.accounts.UpdateOne(ctx, m.Filter, m.Update); err != nil {
			return mongox.Wrap("clear copied entries and events", err)
		}
	}
	return nil
}
