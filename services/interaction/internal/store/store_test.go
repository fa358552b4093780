package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/interaction/internal/record"
	"github.com/opencrm/crm/services/interaction/internal/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func open(t *testing.T) (*mongo.Database, *dbtest.Commands) {
	t.Helper()
	db, cmds := dbtest.Counted(t)
	if err := mongox.EnsureIndexes(context.Background(), db, mongox.ForMode(dbtest.Mode(), store.Indexes())); err != nil {
		t.Fatal(err)
	}
	return db, cmds
}

func purchase(id, external, order string) *record.Interaction {
	return &record.Interaction{ID: id, CustomerID: "c1", Channel: 1, Direction: 1, Kind: record.KindPurchase,
		OccurTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), RecordTime: time.Now().UTC().Truncate(time.Millisecond),
		Purchase: &record.Purchase{OrderID: order, Amount: record.Amount{Minor: 1000, Currency: "EUR"}}, Tags: []string{},
		SourceSystem: "shop", ExternalID: external, DedupKey: "ext:4:shop:" + external, OrderKey: "order:c1:4:shop:" + order, Version: 1}
}

func insert(t *testing.T, s *store.Store, items ...*record.Interaction) []error {
	t.Helper()
	enc := make([]record.Encoded, len(items))
	for n, i := range items {
		var err error
		if enc[n], err = s.Encode(i); err != nil {
			t.Fatal(err)
		}
	}
	errs, err := s.InsertMany(context.Background(), enc)
	if err != nil {
		t.Fatal(err)
	}
	return errs
}

// A resent batch (a retried call or stream) is answered with the records
// stored the first time, each found by one lookup by _id: the embedded
// database serves no other filter from an index, and a filter on another
// key read the whole table once per resent record. Only a record that
// comes again under another id is looked up by its source record, and a
// second purchase of an order is refused naming the first.
func TestResentRecordsAreFoundByID(t *testing.T) {
	t.Parallel()
	db, cmds := open(t)
	s := store.New(db, feed.NewProducer(db), dbtest.Mode())
	first := []*record.Interaction{purchase("a", "1", "o1"), purchase("b", "2", "o2"), purchase("c", "3", "o3")}
	for _, err := range insert(t, s, first...) {
		if err != nil {
			t.Fatal(err)
		}
	}
	cmds.Reset()

	again := []*record.Interaction{purchase("a", "1", "o1"), purchase("b", "2", "o2"), purchase("c", "3", "o3")}
	for n, i := range again {
		i.RecordTime = i.RecordTime.Add(time.Hour)
		again[n] = i
	}
	for n, err := range insert(t, s, again...) {
		if err != nil || !again[n].RecordTime.Equal(first[n].RecordTime) {
			t.Fatalf("resent %s: %v, record time %v, want the stored %v", again[n].ID, err, again[n].RecordTime, first[n].RecordTime)
		}
	}
	finds := cmds.Docs(store.Interactions + ".find")
	if len(finds) != 3 {
		t.Fatalf("%d finds for 3 resent records, want 3: %v", len(finds), finds)
	}
	for _, cmd := range finds {
		flt := cmd.Lookup("filter").Document()
		if elems, _ := flt.Elements(); len(elems) != 1 || elems[0].Key() != "_id" || elems[0].Value().Type != bson.TypeString {
			t.Fatalf("a resent record was looked up by %v, want an _id alone", flt)
		}
	}

	moved := purchase("other-id", "2", "o2")
	if errs := insert(t, s, moved); errs[0] != nil || moved.ID != "b" {
		t.Fatalf("the same source record under another id: %v, resolved to %s, want b", errs[0], moved.ID)
	}
	second := purchase("d", "4", "o1")
	errs := insert(t, s, second)
	if ae, ok := apperr.As(errs[0]); !ok || ae.Reason != "DUPLICATE_ORDER" {
		t.Fatalf("a second purchase of order o1: %v", errs[0])
	}
}
