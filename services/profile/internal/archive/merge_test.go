package archive_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/profile/internal/archive"
	"github.com/opencrm/crm/services/profile/internal/customer"
	"github.com/opencrm/crm/services/profile/internal/store"
)

// faultyHistory fails the named write of the merge history once.
type faultyHistory struct {
	archive.Repository
	failOnce map[string]bool
}

var errInjected = errors.New("injected fault")

func (f *faultyHistory) fail(op string) error {
	if f.failOnce[op] {
		delete(f.failOnce, op)
		return errInjected
	}
	return nil
}

func (f *faultyHistory) BeginMerge(ctx context.Context, m customer.Merge) (customer.Merge, error) {
	if err := f.fail("begin"); err != nil {
		return customer.Merge{}, err
	}
	return f.Repository.BeginMerge(ctx, m)
}

func (f *faultyHistory) CompleteMerge(ctx context.Context, id string) error {
	if err := f.fail("complete"); err != nil {
		return err
	}
	return f.Repository.CompleteMerge(ctx, id)
}

// A merge's history record cannot be lost: whichever of its writes fails,
// retrying the merge ends with the customers merged and the record listed
// once for both.
func TestMergeHistorySurvivesAFailedWrite(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"begin", "complete"} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			db := dbtest.Database(t)
			ctx := context.Background()
			if err := mongox.EnsureIndexes(ctx, db, store.Indexes()); err != nil {
				t.Fatal(err)
			}
			st := store.New(db, feed.NewProducer(db), dbtest.Mode())
			a := archive.New(&faultyHistory{Repository: st, failOnce: map[string]bool{op: true}}, idempotency.New(db), archive.Options{Retention: time.Hour})
			create := func(name, email string) string {
				c, err := a.Create(ctx, customer.Customer{Kind: customer.KindPerson, DisplayName: name, Emails: []customer.Email{{Address: email}}}, "")
				if err != nil {
					t.Fatal(err)
				}
				return c.ID
			}
			survivor, loser := create("Ada", "ada@example.com"), create("Ada L.", "ada.l@example.com")

			if _, _, err := a.Merge(ctx, survivor, loser, "ann"); !errors.Is(err, errInjected) {
				t.Fatalf("merge with the %s write failing: %v", op, err)
			}
			// Nothing is listed while the merge is incomplete.
			if ms, err := a.Merges(ctx, survivor); err != nil || len(ms) != 0 {
				t.Fatalf("merges listed before the retry: %v %v", ms, err)
			}
			merged, m, err := a.Merge(ctx, survivor, loser, "ann")
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if m.ID == "" || m.Survivor != survivor || m.Loser != loser || m.Pending || merged.ID != survivor {
				t.Fatalf("retry returned %+v %v", m, merged)
			}
			for _, id := range []string{survivor, loser} {
				ms, err := a.Merges(ctx, id)
				if err != nil || len(ms) != 1 || ms[0].ID != m.ID || ms[0].Actor != "ann" || ms[0].Pending {
					t.Fatalf("merges of %s: %+v %v", id, ms, err)
				}
			}
			l, err := st.Get(ctx, loser)
			if err != nil || l.State != customer.StateMerged || l.MergedInto != survivor {
				t.Fatalf("loser after the retry: %+v %v", l, err)
			}
			s, err := st.Get(ctx, survivor)
			if err != nil || len(s.Emails) != 2 {
				t.Fatalf("survivor after the retry: %+v %v", s, err)
			}
			// The merge done, another attempt is refused as before.
			if _, _, err := a.Merge(ctx, survivor, loser, "ann"); err == nil {
				t.Fatal("a completed merge was merged again")
			}
		})
	}
}
