package archive_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/profile/internal/archive"
	"github.com/opencrm/crm/services/profile/internal/customer"
	"github.com/opencrm/crm/services/profile/internal/errs"
	"github.com/opencrm/crm/services/profile/internal/store"
)

// failingErase fails the tombstone write of one customer once.
type failingErase struct {
	archive.Repository
	id string
}

func (f *failingErase) Erase(ctx context.Context, id string, at time.Time, ev feed.Pending) error {
	if id == f.id {
		f.id = ""
		return errInjected
	}
	return f.Repository.Erase(ctx, id, at, ev)
}

func erasureArchive(t *testing.T, now *time.Time) (*archive.Archive, *failingErase) {
	t.Helper()
	db := dbtest.Database(t)
	ctx := context.Background()
	if err := mongox.EnsureIndexes(ctx, db, append(store.Indexes(), store.ErasureIndexes()...)); err != nil {
		t.Fatal(err)
	}
	repo := &failingErase{Repository: store.New(db, feed.NewProducer(db), dbtest.Mode())}
	return archive.New(repo, idempotency.New(db), archive.Options{Retention: time.Hour, Now: func() time.Time { return *now }}), repo
}

// An erasure's receipt names the customer and the one merged into it,
// holds customer-profile's own confirmation, and completes once the three
// other services confirmed both customers; a confirmation applied again
// counts once, and an interrupted erasure is completed by a retry.
func TestErasureReceipt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a, repo := erasureArchive(t, &now)
	create := func(name, email string) string {
		c, err := a.Create(ctx, customer.Customer{Kind: customer.KindPerson, DisplayName: name, Emails: []customer.Email{{Address: email}}}, "")
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	ann, dup := create("Ann", "ann@example.com"), create("Ann D.", "ann.d@example.com")
	if _, _, err := a.Merge(ctx, ann, dup, "ops"); err != nil {
		t.Fatal(err)
	}

	repo.id = dup // the second tombstone fails: the first attempt stops half-way
	if _, err := a.Erase(ctx, ann, "request 42"); !errors.Is(err, errInjected) {
		t.Fatalf("erase with a failing write: %v", err)
	}
	e, err := a.Erase(ctx, ann, "request 42")
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if e.ID != customer.ErasureID(ann) || len(e.Customers) != 2 || e.Customers[1] != dup || e.Complete {
		t.Fatalf("receipt %+v", e)
	}
	p := e.Confirmations[customer.ServiceProfile]
	if !p.Confirmed || len(p.Customers) != 2 || p.Totals()[0].Deleted != 2 {
		t.Fatalf("customer-profile's confirmation %+v", p)
	}
	if _, err := a.Erase(ctx, ann, "again"); !errors.Is(err, errs.CustomerErased) {
		t.Fatalf("erasing again: %v", err)
	}

	// The other services confirm, at the same time, each customer twice.
	var wg sync.WaitGroup
	for _, s := range customer.ErasureServices[1:] {
		for _, id := range []string{ann, dup, ann, dup} {
			wg.Go(func() {
				if err := a.ConfirmErasure(ctx, e.ID, s, customer.Part{Customer: id, Counts: []customer.Count{{Kind: "records", Deleted: 3}}}); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	got, err := a.GetErasure(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Complete || got.CompleteTime == nil {
		t.Fatalf("not complete after every confirmation: %+v", got)
	}
	for _, s := range customer.ErasureServices[1:] {
		c := got.Confirmations[s]
		if !c.Confirmed || c.ConfirmTime == nil || len(c.Customers) != 2 || c.Totals()[0].Deleted != 6 {
			t.Errorf("%s: %+v", s, c)
		}
	}
	if n, err := a.MarkOverdue(ctx, 0); err != nil || n != 0 {
		t.Fatalf("a complete erasure marked overdue: %d, %v", n, err)
	}
}

// An erasure not confirmed in time is marked overdue once, and an unknown
// service's confirmation changes nothing.
func TestErasureOverdue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a, _ := erasureArchive(t, &now)
	c, err := a.Create(ctx, customer.Customer{Kind: customer.KindPerson, DisplayName: "Bo"}, "")
	if err != nil {
		t.Fatal(err)
	}
	e, err := a.Erase(ctx, c.ID, "request 7")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ConfirmErasure(ctx, e.ID, "unknown", customer.Part{Customer: c.ID}); err != nil {
		t.Fatal(err)
	}
	if n, err := a.MarkOverdue(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("marked %d before the deadline: %v", n, err)
	}
	now = now.Add(time.Hour + time.Second)
	if n, err := a.MarkOverdue(ctx, time.Hour); err != nil || n != 1 {
		t.Fatalf("marked %d after the deadline: %v", n, err)
	}
	if n, err := a.MarkOverdue(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("marked %d again: %v", n, err)
	}
	list, err := a.ListErasures(ctx, true, nil, 10)
	if err != nil || len(list) != 1 || !list[0].Overdue || list[0].Complete || len(list[0].Confirmations) != 4 {
		t.Fatalf("incomplete erasures: %+v, %v", list, err)
	}
}
