package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/profile/internal/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// Interaction-log's check of a call's customers (GetMany) reads a few
// customers of a large archive by a lookup each on the embedded database,
// where a scan decodes the whole table (seconds at ten thousand customers),
// and more than a quarter of a small archive in one scan.
func TestGetManyReadsByLookupsOrOneScanByTheArchiveSize(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, cmds := dbtest.Counted(t)
	ids := make([]string, 100)
	docs := make([]any, len(ids))
	for i := range ids {
		ids[i] = fmt.Sprintf("c%03d", i)
		docs[i] = bson.D{{Key: "_id", Value: ids[i]}, {Key: "display_name", Value: fmt.Sprint("Customer ", i)}}
	}
	if _, err := db.Collection(store.Customers).InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	s := store.New(db, nil, mongox.ModeEmbedded)
	for _, c := range []struct {
		ids     []string
		lookups bool
	}{{ids[3:6], true}, {ids[10:35], true}, {ids[:26], false}, {ids, false}} {
		cmds.Reset()
		got, err := s.GetMany(ctx, c.ids)
		if err != nil || len(got) != len(c.ids) || got[0].ID != c.ids[0] {
			t.Fatalf("%d of 100: %d customers (%v)", len(c.ids), len(got), err)
		}
		n, other := cmds.Lookups(store.Customers + ".find")
		if c.lookups && (n != len(c.ids) || other != nil) {
			t.Errorf("%d of 100: %d finds (one by %v), want a lookup by _id each", len(c.ids), n, other)
		}
		if !c.lookups && (n != 1 || other == nil) {
			t.Errorf("%d of 100: %d finds, want one scan", len(c.ids), n)
		}
	}
}
