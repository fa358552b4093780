// Package store keeps loyalty's data in MongoDB: programs, accounts and
// the ledger. An account document carries, besides its figures and lots,
// the ledger entries and feed events of its last changes (written by the
// same version-checked replace as the change itself); they are copied to
// the ledger and the feed idempotently, so a crash between the two writes
// never loses or doubles an entry. A change made alone clears them after
// the copy (a repair worker and the feed's relay copy what a failure
// left); a feed batch leaves them in the account's Batch until its next
// batch write, and its replay copies them again (points.BatchOut).
//
//nolint:goconst // bson keys and operators are spelled out as in the MongoDB documents and queries they build
package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/repair"
	"github.com/opencrm/crm/services/loyalty/internal/errs"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/names"
	"github.com/opencrm/crm/services/loyalty/internal/points"
	"github.com/opencrm/crm/services/loyalty/internal/program"
)

// Collections.
const (
	Programs = "programs"
	Accounts = "accounts"
	Ledger   = "ledger"
)

// StatementSort is a statement's order: newest first, id tie-break.
var StatementSort = bson.D{{Key: "time", Value: -1}, {Key: "_id", Value: -1}}

// StatementIndex serves an account's statement: equality on the account,
// then exactly the sort.
var StatementIndex = append(bson.D{{Key: "account", Value: 1}}, StatementSort...)

// Indexes returns every index the store's queries use.
func Indexes() []mongox.Index {
	return append([]mongox.Index{
		{Collection: Programs, Model: mongo.IndexModel{Keys: bson.D{{Key: "currency", Value: 1}}}},
		{Collection: Accounts, Model: mongo.IndexModel{Keys: bson.D{{Key: "customer", Value: 1}}}},
		{Collection: Accounts, Model: mongo.IndexModel{Keys: bson.D{{Key: "program", Value: 1}, {Key: "_id", Value: 1}}}},
		{Collection: Accounts, Model: mongo.IndexModel{Keys: bson.D{{Key: "dirty", Value: 1}}}},
		{Collection: Accounts, Model: mongo.IndexModel{Keys: bson.D{{Key: "lots.expire_time", Value: 1}}}},
		{Collection: Accounts, Model: mongo.IndexModel{Keys: bson.D{{Key: "period_end", Value: 1}}}},
		{Collection: Ledger, Model: mongo.IndexModel{Keys: StatementIndex}},
	}, feed.Indexes(Accounts)...)
}

// Store is loyalty's storage.
type Store struct {
	database                   *mongo.Database
	programs, accounts, ledger *mongo.Collection
	feed                       *feed.Producer
	// mode decides how a feed batch's documents are read (mongox.ByIDs).
	mode mongox.Mode
	// unsettled are the accounts written with entries not yet copied to
	// the ledger, for FlushDirty.
	unsettled *repair.Tracker
	// due answers DueAccounts on the embedded database.
	due dueIndex
}

// New returns the store in db, publishing through p; mode is the
// database's.
func New(db *mongo.Database, p *feed.Producer, mode mongox.Mode) *Store {
	return &Store{database: db, programs: db.Collection(Programs), accounts: db.Collection(Accounts), ledger: db.Collection(Ledger), feed: p, mode: mode,
		unsettled: &repair.Tracker{ScanOnlyAtStart: mode == mongox.ModeEmbedded}}
}

func (s *Store) db() *mongo.Database { return s.database }

// unknownWrite handles an account whose write failed without saying
// whether it was stored: FlushDirty looks at it (its entries may be in
// it), its outbox is flushed (the producer retries a failed flush) and the
// expiry sweep reads its times again.
func (s *Store) unknownWrite(ctx context.Context, a *points.Account) {
	if a.Dirty {
		s.unsettled.Add(a.ID)
	}
	_ = s.feed.Flush(context.WithoutCancel(ctx), s.accounts, a.ID)
	s.due.unknown(a.ID)
}

// AccountsCollection is the collection whose documents carry outboxes.
func (s *Store) AccountsCollection() *mongo.Collection { return s.accounts }

// Repairs returns the trackers of the store's repair workers (FlushDirty),
// for server.Service.Repairs.
func (s *Store) Repairs() []*repair.Tracker { return []*repair.Tracker{s.unsettled} }

// CreateProgram stores a new program; an existing id is ALREADY_EXISTS.
func (s *Store) CreateProgram(ctx context.Context, p *program.Program) error {
	p.Version = 1
	_, err := s.programs.InsertOne(ctx, p)
	if mongox.IsDuplicateKey(err) {
		return errs.ProgramExists.New("%s exists already", p.Name()).With("resource", p.Name())
	}
	return mongox.Wrap("insert program", err)
}

// Program returns one program.
func (s *Store) Program(ctx context.Context, id string) (*program.Program, error) {
	return mongox.FindOne[program.Program](ctx, s.programs, bson.D{{Key: "_id", Value: id}}, apperr.NotFound(names.Programs.Format(id)), "read program")
}

// Programs returns up to limit programs after id after, by id; with a
// currency, only that currency's.
func (s *Store) Programs(ctx context.Context, currency, after string, limit int64) ([]*program.Program, error) {
	f := bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}
	if currency != "" {
		f = append(f, bson.E{Key: "currency", Value: currency})
	}
	return mongox.FindAll[*program.Program](ctx, s.programs, f, "list programs", mongox.ByID(limit))
}

// ReplaceProgram writes p if it is still at version prev.
func (s *Store) ReplaceProgram(ctx context.Context, p *program.Program, prev int64) error {
	p.Version = prev + 1
	res, err := s.programs.ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.ID}, {Key: "version", Value: prev}}, p)
	if err != nil {
		return mongox.Wrap("replace program", err)
	}
	if res.MatchedCount == 0 {
		return etag.ErrStale
	}
	return nil
}

// InsertAccount stores a new account with its events. If it exists
// already, it returns the stored one and existed=true.
func (s *Store) InsertAccount(ctx context.Context, a *points.Account) (existed bool, err error) {
	a.Version = 1
	a.Dirty = len(a.Entries) > 0
	_, err = s.accounts.InsertOne(ctx, a)
	if mongox.IsDuplicateKey(err) {
		got, err := s.Account(ctx, a.ID)
		if err != nil {
			return false, err
		}
		*a = *got
		return true, nil
	}
	if err != nil {
		s.unknownWrite(ctx, a)
		return false, mongox.Wrap("insert account", err)
	}
	s.due.written(a)
	if a.Dirty {
		s.unsettled.Add(a.ID)
	}
	if err := s.feed.FlushWritten(ctx, s.accounts, bson.D{{Key: "_id", Value: a.ID}, {Key: "version", Value: a.Version}}, a.Outbox, nil); err != nil {
		return false, err
	}
	a.Outbox = nil
	return false, nil
}

// Account returns one account document; a missing one is NOT_FOUND.
func (s *Store) Account(ctx context.Context, id string) (*points.Account, error) {
	return mongox.FindOne[points.Account](ctx, s.accounts, bson.D{{Key: "_id", Value: id}}, apperr.NotFound(names.Accounts.Format(id)), "read account")
}

// SaveAccount replaces the account if it is still at version prev
// (ErrConflict otherwise), then copies its entries to the ledger and its
// events to the feed, and clears both from the document in one update. A
// failure after the replace leaves the copy to the relays (FlushDirty and
// the feed's Relay); the change itself is stored.
func (s *Store) SaveAccount(ctx context.Context, a *points.Account, prev int64) error {
	a.Version = prev + 1
	a.Dirty = len(a.Entries) > 0
	res, err := s.accounts.ReplaceOne(ctx, bson.D{{Key: "_id", Value: a.ID}, {Key: "version", Value: prev}}, a)
	if err != nil {
		s.unknownWrite(ctx, a)
		return mongox.Wrap("replace account", err)
	}
	if res.MatchedCount == 0 {
		return points.ErrConflict
	}
	s.due.written(a)
	var clearCopied bson.D
	if a.Dirty {
		s.unsettled.Add(a.ID)
		if err := s.insertEntries(ctx, a.Entries); err != nil {
			s.unsettled.Add(a.ID)
			return err
		}
		clearCopied = bson.D{{Key: "$set", Value: bson.D{{Key: "entries", Value: bson.A{}}, {Key: "dirty", Value: false}}}}
	}
	if err := s.feed.FlushWritten(ctx, s.accounts, bson.D{{Key: "_id", Value: a.ID}, {Key: "version", Value: a.Version}}, a.Outbox, clearCopied); err != nil {
		if a.Dirty {
			s.unsettled.Add(a.ID)
		}
		return err
	}
	if a.Dirty {
		s.unsettled.Remove(a.ID)
	}
	a.Entries, a.Outbox, a.Dirty = nil, nil, false
	return nil
}

// insertEntries writes entries to the ledger; one there already is
// skipped.
func (s *Store) insertEntries(ctx context.Context, entries []ledger.Entry) error {
	return mongox.InsertNew(ctx, s.ledger, entries, "write ledger entries")
}

// FlushDirty copies the entries that a crash or a failure left in account
// documents (the feed's Relay does the same for their events); it returns
// how many accounts it flushed. Which accounts it reads: see
// repair.Tracker.
func (s *Store) FlushDirty(ctx context.Context) (int, error) {
	scan, ids := s.unsettled.Round()
	var docs []*points.Account
	var err error
	if scan {
		docs, err = mongox.FindAll[*points.Account](ctx, s.accounts, bson.D{{Key: "dirty", Value: true}}, "find dirty accounts", options.Find().SetLimit(dirtyPage))
	} else {
		docs, err = mongox.ByIDs[*points.Account](ctx, s.accounts, ids, s.mode, mongox.AllLookups, nil, "read unsettled accounts")
	}
	if err != nil {
		s.unsettled.Add(ids...)
		return 0, err
	}
	n := 0
	for i, a := range docs {
		if !a.Dirty {
			continue
		}
		cleared, err := s.flush(ctx, a)
		if err != nil {
			for _, left := range docs[i:] {
				s.unsettled.Add(left.ID)
			}
			return n, err
		}
		if cleared {
			// Settled as written; a later write (no match) adds it again
			// if its own copy fails.
			s.unsettled.Remove(a.ID)
		}
		n++
	}
	if scan && len(docs) < dirtyPage {
		s.unsettled.Scanned()
	}
	return n, nil
}

// dirtyPage bounds the accounts one scan for dirty ones reads.
const dirtyPage = 1000

// flush copies a dirty account's entries and clears them if it is still
// at the version read; cleared says whether it was.
func (s *Store) flush(ctx context.Context, a *points.Account) (cleared bool, err error) {
	if err := s.insertEntries(ctx, a.Entries); err != nil {
		return false, err
	}
	res, err := s.accounts.UpdateOne(ctx, bson.D{{Key: "_id", Value: a.ID}, {Key: "version", Value: a.Version}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "entries", Value: bson.A{}}, {Key: "dirty", Value: false}}}})
	if err != nil {
		return false, mongox.Wrap("clear copied entries", err)
	}
	return res.MatchedCount == 1, nil
}

// LedgerEntry returns the entry with that id from the ledger.
func (s *Store) LedgerEntry(ctx context.Context, id string) (ledger.Entry, bool, error) {
	e, err := mongox.FindOne[ledger.Entry](ctx, s.ledger, bson.D{{Key: "_id", Value: id}}, nil, "read ledger entry")
	if errors.Is(err, mongox.ErrNotFound) {
		return ledger.Entry{}, false, nil
	}
	if err != nil {
		return ledger.Entry{}, false, err
	}
	return *e, true, nil
}

// Entries returns a page of an account's ledger, newest first.
func (s *Store) Entries(ctx context.Context, f points.EntryFilter, after *points.EntryCursor, limit int64) ([]ledger.Entry, error) {
	q := bson.D{{Key: "account", Value: f.Account}}
	if f.Type != 0 {
		q = append(q, bson.E{Key: "type", Value: f.Type})
	}
	if tr := mongox.Span(f.From, f.To); len(tr) > 0 {
		q = append(q, bson.E{Key: "time", Value: tr})
	}
	if after != nil {
		q = append(q, mongox.PageBefore("time", after.Time, after.ID))
	}
	o := options.Find().SetSort(StatementSort)
	if limit > 0 {
		o.SetLimit(limit)
	}
	return mongox.FindAll[ledger.Entry](ctx, s.ledger, q, "list ledger entries", o)
}

// AccountsOf returns the ids of a customer's accounts.
func (s *Store) AccountsOf(ctx context.Context, customer string) ([]string, error) {
	return mongox.IDs(ctx, s.accounts, bson.D{{Key: "customer", Value: customer}}, 0)
}

// ProgramAccounts returns the ids of a program's accounts after id after,
// by id, up to limit.
func (s *Store) ProgramAccounts(ctx context.Context, programID, after string, limit int64) ([]string, error) {
	return mongox.IDsAfter(ctx, s.accounts, bson.D{{Key: "program", Value: programID}}, after, limit)
}

// DueAccounts returns the ids of accounts with a lot expiring by until or
// a qualifying period ended by now: the expiry sweep's work.
func (s *Store) DueAccounts(ctx context.Context, now, until time.Time) ([]string, error) {
	if s.mode == mongox.ModeEmbedded {
		return s.due.accounts(ctx, s.accounts, s.mode, now, until)
	}
	return mongox.IDs(ctx, s.accounts, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "lots.expire_time", Value: bson.D{{Key: "$lte", Value: until}}}},
		bson.D{{Key: "period_end", Value: bson.D{{Key: "$lte", Value: now}}}},
	}}}, 0)
}

// Redact removes the payloads of every feed event about subject.
func (s *Store) Redact(ctx context.Context, subject string) error {
	return s.feed.Redact(ctx, subject)
}
