package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/points"
	"github.com/opencrm/crm/services/loyalty/internal/store"
)

// The expiry sweep's DueAccounts finds the accounts with a lot expiring by
// the window's end or a period over, as stored. On the embedded database
// only its first call reads the accounts table (neither backend pushes its
// filters down); later calls answer from what this process wrote, and read
// by _id only an account whose write failed in an unknown way. On MongoDB
// every call queries, from an index.
func TestDueAccountsFollowTheWrites(t *testing.T) {
	t.Parallel()
	for _, mode := range []mongox.Mode{mongox.ModeEmbedded, mongox.ModeMongoDB} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, cmds := dbtest.Counted(t)
			s := store.New(db, feed.NewProducer(db), mode)
			now := time.Now().UTC().Truncate(time.Millisecond)
			until := now.Add(24 * time.Hour)
			account := func(id string, periodEnd time.Time, expiries ...time.Time) *points.Account {
				a := &points.Account{Account: ledger.Account{ID: id, Program: "shop", Customer: "customers/" + id, PeriodEnd: periodEnd}}
				for n, e := range expiries {
					a.Lots = append(a.Lots, ledger.Lot{ID: id + "-lot-" + string(rune('a'+n)), Points: 5, Remaining: 5, ExpireTime: e})
				}
				return a
			}
			due := func(want ...string) {
				t.Helper()
				got, err := s.DueAccounts(ctx, now, until)
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Fatalf("due %v, want %v", got, want)
				}
			}
			later := now.Add(30 * 24 * time.Hour)
			if _, err := s.InsertAccounts(ctx, []*points.Account{
				account("expiring", later, later, now.Add(time.Hour)),
				account("later", later, now.Add(100*24*time.Hour)),
				account("period", now.Add(-time.Hour)),
				account("quiet", later),
			}); err != nil {
				t.Fatal(err)
			}
			due("expiring", "period")

			replace := func(ctx context.Context, a *points.Account) error {
				got, err := s.Account(context.Background(), a.ID)
				if err != nil {
					t.Fatal(err)
				}
				return s.ReplaceAccount(ctx, a, got.Version)
			}
			if err := replace(ctx, account("later", later, now.Add(2*time.Hour))); err != nil {
				t.Fatal(err)
			}
			if err := replace(ctx, account("expiring", later)); err != nil { // its lots used up
				t.Fatal(err)
			}
			if _, err := s.InsertAccounts(ctx, []*points.Account{account("fresh", now.Add(-time.Minute))}); err != nil {
				t.Fatal(err)
			}
			// A write that fails without saying whether it was stored.
			gone, cancel := context.WithCancel(ctx)
			cancel()
			if err := replace(gone, account("quiet", now.Add(-time.Minute))); err == nil {
				t.Fatal("a replace with a cancelled context succeeded")
			}
			cmds.Reset()
			due("fresh", "later", "period")
			queries, lookup := cmds.Lookups("accounts.find")
			if mode == mongox.ModeEmbedded && (queries != 1 || lookup != nil) {
				t.Errorf("embedded: %d reads of accounts, first not by _id: %v; want the unsure account's lookup alone", queries, lookup)
			}
			if mode == mongox.ModeMongoDB && queries != 1 {
				t.Errorf("mongodb: %d reads of accounts, want one query", queries)
			}
		})
	}
}
