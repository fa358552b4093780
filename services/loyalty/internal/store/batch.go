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
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
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
// (ErrConflict otherwise); what its Batch holds is copied out by CopyOut
// after.
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

// CopyOut copies entries to the ledger and publishes events, in two calls
// for any number; an entry in the ledger already is skipped and an event
// published already keeps its first place, so calling it again (a replayed
// feed batch) adds nothing.
func (s *Store) CopyOut(ctx context.Context, entries []ledger.Entry, evs []feed.Pending) error {
	if err := s.insertEntries(ctx, entries); err != nil {
		return err
	}
	return s.feed.Append(ctx, evs...)
}
