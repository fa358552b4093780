package store_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/points"
	"github.com/opencrm/crm/services/loyalty/internal/store"
)

// An account written with ledger entries whose copy did not follow (a
// failure between the two writes) has them copied by FlushDirty. On the
// embedded database only its first round looks for dirty accounts with a
// query, which reads the whole accounts table there; later rounds look up
// by _id only the accounts this process left unsettled. On MongoDB every
// round queries (another replica may have left them), from an index.
func TestFlushDirtyCopiesWhatAFailureLeft(t *testing.T) {
	t.Parallel()
	for _, mode := range []mongox.Mode{mongox.ModeEmbedded, mongox.ModeMongoDB} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, cmds := dbtest.Counted(t)
			s := store.New(db, feed.NewProducer(db), mode)
			now := time.Now().UTC().Truncate(time.Millisecond)
			account := func(id string, entries ...string) *points.Account {
				a := &points.Account{Account: ledger.Account{ID: id, Program: "shop", Customer: "customers/" + id}}
				for _, e := range entries {
					a.Entries = append(a.Entries, ledger.Entry{ID: e, Account: id, Type: ledger.Earn, Points: 5, Time: now})
				}
				return a
			}
			// The start: one account an earlier process left dirty.
			if _, err := s.InsertAccounts(ctx, []*points.Account{account("left", "e0"), account("a1"), account("a2")}); err != nil {
				t.Fatal(err)
			}
			if n, err := s.FlushDirty(ctx); err != nil || n != 1 {
				t.Fatalf("first round: %d flushed (%v), want the one left dirty", n, err)
			}
			// a1 and a2 change, with entries; only a2's are copied (a1's
			// write is as a failure after the replace leaves it).
			for _, id := range []string{"a1", "a2"} {
				a, err := s.Account(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				prev := a.Version
				a.Entries = []ledger.Entry{{ID: "e-" + id, Account: id, Type: ledger.Earn, Points: 7, Time: now}}
				write := s.ReplaceAccount
				if id == "a2" {
					write = s.SaveAccount
				}
				if err := write(ctx, a, prev); err != nil {
					t.Fatal(err)
				}
			}
			cmds.Reset()
			if n, err := s.FlushDirty(ctx); err != nil || n != 1 {
				t.Fatalf("second round: %d flushed (%v), want a1", n, err)
			}
			lookups, other := cmds.Lookups(store.Accounts + ".find")
			switch {
			case mode == mongox.ModeEmbedded && (lookups != 1 || other != nil):
				t.Errorf("embedded, second round: %d reads of accounts (one by %v), want one lookup of a1 by _id", lookups, other)
			case mode == mongox.ModeMongoDB && (lookups != 1 || other == nil):
				t.Errorf("mongodb, second round: %d reads of accounts, want one query for dirty ones", lookups)
			}
			for _, id := range []string{"e0", "e-a1", "e-a2"} {
				if _, found, err := s.LedgerEntry(ctx, id); err != nil || !found {
					t.Errorf("ledger entry %s: found %v (%v)", id, found, err)
				}
			}
			for _, id := range []string{"left", "a1", "a2"} {
				var doc struct {
					Dirty   bool           `bson:"dirty"`
					Entries []ledger.Entry `bson:"entries"`
				}
				if err := db.Collection(store.Accounts).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc); err != nil || doc.Dirty || len(doc.Entries) != 0 {
					t.Errorf("account %s after the rounds: dirty %v, %d entries left (%v)", id, doc.Dirty, len(doc.Entries), err)
				}
			}
			cmds.Reset()
			if n, err := s.FlushDirty(ctx); err != nil || n != 0 {
				t.Fatalf("third round: %d flushed (%v)", n, err)
			}
			if lookups, _ := cmds.Lookups(store.Accounts + ".find"); mode == mongox.ModeEmbedded && lookups != 0 {
				t.Errorf("embedded, nothing left: %d reads of accounts, want none", lookups)
			}
		})
	}
}
