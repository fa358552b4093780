package exports_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/profile/internal/archive"
	"github.com/opencrm/crm/services/profile/internal/customer"
	"github.com/opencrm/crm/services/profile/internal/errs"
	"github.com/opencrm/crm/services/profile/internal/exports"
	"github.com/opencrm/crm/services/profile/internal/exportsrc"
	"github.com/opencrm/crm/services/profile/internal/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// flaky is another service's source that fails its first calls.
type flaky struct {
	fails *int
	asked *[][]string
}

func (f flaky) Service() string { return "other" }

func (f flaky) Collect(_ context.Context, ids []string) ([]byte, error) {
	*f.asked = append(*f.asked, ids)
	if *f.fails > 0 {
		*f.fails--
		return nil, errors.New("unavailable")
	}
	return json.Marshal(map[string]any{"customers": ids})
}

type fixture struct {
	ctx              context.Context
	arc              *archive.Archive
	repo             *store.ExportStore
	now              time.Time
	fails            int
	asked            [][]string
	survivor, loser  string
	first, secondRep *exports.Exports
}

func setup(t *testing.T) *fixture {
	t.Helper()
	db := dbtest.Database(t)
	f := &fixture{ctx: context.Background(), now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	if err := mongox.EnsureIndexes(f.ctx, db, append(store.Indexes(), store.ExportIndexes()...)); err != nil {
		t.Fatal(err)
	}
	f.arc = archive.New(store.New(db, feed.NewProducer(db), dbtest.Mode()), idempotency.New(db), archive.Options{Retention: time.Hour, Now: func() time.Time { return f.now }})
	f.repo = store.NewExportStore(db)
	create := func(name, email string) string {
		c, err := f.arc.Create(f.ctx, customer.Customer{Kind: customer.KindPerson, DisplayName: name, Emails: []customer.Email{{Address: email}}}, "")
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	f.survivor, f.loser = create("Ada", "ada@example.com"), create("Ada L.", "ada.l@example.com")
	create("Ben", "ben@example.com")
	if _, _, err := f.arc.Merge(f.ctx, f.survivor, f.loser, "ann"); err != nil {
		t.Fatal(err)
	}
	replica := func() *exports.Exports {
		return exports.New(f.repo, f.arc, []exports.Source{exportsrc.Profile{Archive: f.arc, Name: "customer-profile"}, flaky{fails: &f.fails, asked: &f.asked}},
			exports.Options{Lease: time.Minute, Attempts: 3, Retry: 10 * time.Second, Retention: 24 * time.Hour, MaxDocument: 1 << 20, Now: func() time.Time { return f.now }},
			slog.New(slog.DiscardHandler))
	}
	f.first, f.secondRep = replica(), replica()
	return f
}

// An export covers the customer and the one merged into it, is collected
// once although two replicas work, survives a failing service by retrying
// it soon after, on any replica, and downloads as one JSON object with a document per
// service.
func TestExportIsCollectedOnceAndRetried(t *testing.T) {
	t.Parallel()
	f := setup(t)
	x, err := f.first.Start(f.ctx, f.survivor, "DSAR-1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x.Customers, []string{f.survivor, f.loser}) || len(x.Parts) != 2 {
		t.Fatalf("started: %+v", x)
	}
	if _, err := f.first.Start(f.ctx, f.loser, "DSAR-1"); !errors.Is(err, errs.CustomerMerged) {
		t.Fatal("an export of a merged-away customer started")
	}

	// The other service fails once: the first replica collects the
	// profile's part and holds the export until the retry time; the second
	// finds nothing to do.
	f.fails = 1
	if n, err := f.first.Work(f.ctx); err != nil || n != 0 {
		t.Fatalf("first pass: %d finished, %v", n, err)
	}
	if n, err := f.secondRep.Work(f.ctx); err != nil || n != 0 {
		t.Fatalf("second replica during the lease: %d finished, %v", n, err)
	}
	got, err := f.first.Get(f.ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != exports.Running || got.Parts[0].State != exports.Succeeded || got.Parts[1].State != exports.Running ||
		got.Parts[1].Attempts != 1 || got.Parts[1].Error == "" || len(f.asked) != 1 {
		t.Fatalf("after a failed part: %+v, asked %v", got, f.asked)
	}
	if err := f.first.Download(f.ctx, x.ID, func([]byte) error { return nil }); err == nil {
		t.Fatal("a running export downloaded")
	}

	// The failed part waits its retry time, not a whole lease; then the
	// second replica takes over and finishes.
	f.now = f.now.Add(9 * time.Second)
	if n, err := f.secondRep.Work(f.ctx); err != nil || n != 0 || len(f.asked) != 1 {
		t.Fatalf("second replica before the retry time: %d finished, %v, asked %v", n, err, f.asked)
	}
	f.now = f.now.Add(time.Second)
	if n, err := f.secondRep.Work(f.ctx); err != nil || n != 1 {
		t.Fatalf("second replica at the retry time: %d finished, %v", n, err)
	}
	got, _ = f.first.Get(f.ctx, x.ID)
	if got.State != exports.Succeeded || got.Parts[1].State != exports.Succeeded || got.Parts[1].Error != "" || len(f.asked) != 2 {
		t.Fatalf("after the retry: %+v, asked %v", got, f.asked)
	}
	if !slices.Equal(f.asked[1], []string{f.survivor, f.loser}) {
		t.Errorf("the service was asked about %v", f.asked[1])
	}

	var raw []byte
	if err := f.first.Download(f.ctx, x.ID, func(b []byte) error { raw = append(raw, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	var b struct {
		Name      string `json:"name"`
		Documents struct {
			Profile struct {
				Customers []struct {
					Customer struct {
						Name string `json:"name"`
					} `json:"customer"`
				} `json:"customers"`
				Merges []json.RawMessage `json:"merges"`
			} `json:"customer-profile"`
			Other struct {
				Customers []string `json:"customers"`
			} `json:"other"`
		} `json:"documents"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatalf("bundle %s: %v", raw, err)
	}
	p := b.Documents.Profile
	if b.Name != "exports/"+x.ID || len(p.Customers) != 2 || p.Customers[0].Customer.Name != "customers/"+f.survivor ||
		p.Customers[1].Customer.Name != "customers/"+f.loser || len(p.Merges) != 1 || len(b.Documents.Other.Customers) != 2 {
		t.Errorf("bundle: %s", raw)
	}
}

// A service that keeps failing fails its part, and the export, after the
// allowed attempts; exports past retention are deleted.
func TestExportFailsAfterItsAttemptsAndExpires(t *testing.T) {
	t.Parallel()
	f := setup(t)
	x, err := f.first.Start(f.ctx, f.survivor, "DSAR-2")
	if err != nil {
		t.Fatal(err)
	}
	// Each failure doubles the wait: 10 s, then 20 s; nothing is asked
	// before its time.
	f.fails = 100
	for n, wait := range []time.Duration{10 * time.Second, 20 * time.Second, 0} {
		if _, err := f.first.Work(f.ctx); err != nil || len(f.asked) != n+1 {
			t.Fatalf("attempt %d: the service was asked %d times (%v)", n+1, len(f.asked), err)
		}
		if wait == 0 {
			break
		}
		f.now = f.now.Add(wait - time.Second)
		if _, err := f.first.Work(f.ctx); err != nil || len(f.asked) != n+1 {
			t.Fatalf("a second before retry %d: the service was asked %d times (%v)", n+1, len(f.asked), err)
		}
		f.now = f.now.Add(time.Second)
	}
	got, _ := f.first.Get(f.ctx, x.ID)
	if got.State != exports.Failed || got.Parts[1].State != exports.Failed || got.Parts[1].Attempts != 3 || got.EndTime.IsZero() {
		t.Fatalf("after three failures: %+v", got)
	}
	f.now = f.now.Add(25 * time.Hour)
	if n, err := f.first.Purge(f.ctx); err != nil || n != 1 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	if _, err := f.first.Get(f.ctx, x.ID); err == nil {
		t.Error("an export past retention is still there")
	}
}

// Exports are off until the other services are configured, and a replica
// so configured leaves exports started by others to them: it cannot
// collect their parts.
func TestDisabledExportsRefuseToStart(t *testing.T) {
	t.Parallel()
	f := setup(t)
	x := exports.New(f.repo, f.arc, []exports.Source{exportsrc.Profile{Archive: f.arc, Name: "customer-profile"}},
		exports.Options{Disabled: "not configured", Lease: time.Minute, Attempts: 3, Now: func() time.Time { return f.now }}, slog.New(slog.DiscardHandler))
	if _, err := x.Start(f.ctx, f.survivor, "DSAR-3"); !errors.Is(err, errs.ExportNotConfigured) {
		t.Fatal("a disabled export started")
	}
	started, err := f.first.Start(f.ctx, f.survivor, "DSAR-3")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := x.Work(f.ctx); err != nil || n != 0 {
		t.Fatalf("the disabled replica worked: %d finished, %v", n, err)
	}
	if n, err := f.secondRep.Work(f.ctx); err != nil || n != 1 {
		t.Fatalf("a configured replica, at once: %d finished, %v", n, err)
	}
	if got, _ := f.first.Get(f.ctx, started.ID); got.State != exports.Succeeded {
		t.Fatalf("export: %+v", got)
	}
}
