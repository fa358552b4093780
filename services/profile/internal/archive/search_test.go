package archive_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/profile/internal/archive"
	"github.com/opencrm/crm/services/profile/internal/customer"
	"github.com/opencrm/crm/services/profile/internal/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// replica is one instance of the archive; replicas of a test share its
// database (and, on the embedded database, its one connection, which keeps
// every command atomic as MongoDB does).
func replica(db *mongo.Database) *archive.Archive {
	return archive.New(store.New(db, feed.NewProducer(db), dbtest.Mode()), idempotency.New(db), archive.Options{Retention: time.Hour})
}

func setup(t *testing.T) *mongo.Database {
	t.Helper()
	db := dbtest.Database(t)
	if err := mongox.EnsureIndexes(context.Background(), db, append(store.Indexes(), idempotency.Indexes()...)); err != nil {
		t.Fatal(err)
	}
	return db
}

func names(t *testing.T, a *archive.Archive, q string) []string {
	t.Helper()
	hits, err := a.Search(context.Background(), customer.Query{Words: customer.SearchWords(q)}, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hits {
		out = append(out, h.Customer.DisplayName)
	}
	return out
}

// Two replicas rename one customer concurrently, most updates failing on
// the version: whatever the interleaving, search finds the customer by its
// final name and by no other, although failed writes leave entries behind.
func TestSearchStaysExactUnderConcurrentRenamesOnTwoReplicas(t *testing.T) {
	t.Parallel()
	db := setup(t)
	replicas := []*archive.Archive{replica(db), replica(db)}
	ctx := context.Background()
	c, err := replicas[0].Create(ctx, customer.Customer{Kind: customer.KindPerson, DisplayName: "Start Name"}, "")
	if err != nil {
		t.Fatal(err)
	}
	words := []string{"Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel"}
	var wg sync.WaitGroup
	for i, w := range words {
		wg.Go(func() {
			for range 3 {
				_, _ = replicas[i%2].Update(ctx, c.ID, customer.Customer{DisplayName: "Ada " + w}, []string{"display_name"}, "")
			}
		})
	}
	wg.Wait()
	final, err := replicas[0].Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range append(words, "Start") {
		got := names(t, replicas[1], w)
		want := final.DisplayName == "Ada "+w
		if (len(got) == 1) != want || len(got) > 1 {
			t.Errorf("search %q: %v (final name %q)", w, got, final.DisplayName)
		}
	}
	if got := names(t, replicas[1], "ada"); len(got) != 1 || got[0] != final.DisplayName {
		t.Errorf("search ada: %v, want [%s]", got, final.DisplayName)
	}
}

// Customers stored before the index existed are found once the backfill
// ran; running it again, or on another replica, changes nothing.
func TestBackfillIndexesCustomersStoredBefore(t *testing.T) {
	t.Parallel()
	db := setup(t)
	a := replica(db)
	ctx := context.Background()
	for _, n := range []string{"Ada Lovelace", "Ben Müller"} {
		if _, err := a.Create(ctx, customer.Customer{Kind: customer.KindPerson, DisplayName: n}, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Collection(store.Search).DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	if got := names(t, a, "muller"); got != nil {
		t.Fatalf("found without an index: %v", got)
	}
	for range 2 {
		if err := store.New(db, feed.NewProducer(db), dbtest.Mode()).BackfillSearch(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := names(t, a, "muller"); len(got) != 1 || got[0] != "Ben Müller" {
		t.Fatalf("after the backfill: %v", got)
	}
	if got := names(t, a, "lov"); len(got) != 1 || got[0] != "Ada Lovelace" {
		t.Fatalf("prefix after the backfill: %v", got)
	}
}

// A writer that stopped after creating a word's document, before adding the
// word to its prefix documents, leaves the word unmarked: the next customer
// with that word adds it, so the word is found by its beginning.
func TestWordLeftHalfIndexedIsRepairedByTheNextWriter(t *testing.T) {
	t.Parallel()
	db := setup(t)
	a := replica(db)
	ctx := context.Background()
	if _, err := db.Collection(store.Search).InsertOne(ctx, bson.D{{Key: "_id", Value: "w:zebedee"},
		{Key: "entries", Value: bson.A{"zebedee|gone|1"}}, {Key: "words", Value: bson.A{}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Create(ctx, customer.Customer{Kind: customer.KindPerson, DisplayName: "Zebedee"}, ""); err != nil {
		t.Fatal(err)
	}
	if got := names(t, a, "zeb"); len(got) != 1 || got[0] != "Zebedee" {
		t.Fatalf("search zeb: %v, want [Zebedee]", got)
	}
}
