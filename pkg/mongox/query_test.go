package mongox_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/mongox"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// ByIDs finds the same documents in both modes; on the embedded database
// it asks for ids by _id alone, the filter both its backends serve from an
// index (an $in reads the whole table there), up to the number of lookups
// asked for, and for more, as on MongoDB, it asks once.
func TestByIDsReadsByIDAloneOnTheEmbeddedDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, cmds := dbtest.Counted(t)
	coll := db.Collection("things")
	if _, err := coll.InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "a"}, {Key: "n", Value: 1}, {Key: "secret", Value: "x"}},
		bson.D{{Key: "_id", Value: "b"}, {Key: "n", Value: 2}},
		bson.D{{Key: "_id", Value: "c"}, {Key: "n", Value: 3}},
	}); err != nil {
		t.Fatal(err)
	}
	type thing struct {
		ID     string `bson:"_id"`
		N      int    `bson:"n"`
		Secret string `bson:"secret"`
	}
	const few = mongox.Lookups(16)
	many := []string{"c", "a"}
	for i := range int(few) {
		many = append(many, fmt.Sprint("missing-", i))
	}
	cmds.Reset()
	got, err := mongox.ByIDs[*thing](ctx, coll, many, mongox.ModeEmbedded, few, nil, "read things")
	finds := len(cmds.Docs("things.find"))
	if err != nil || len(got) != 2 || finds != 1 {
		t.Fatalf("embedded, %d ids, few lookups: %d found (%v), %d finds; want 2 found by one $in", len(many), len(got), err, finds)
	}
	cmds.Reset()
	got, err = mongox.ByIDs[*thing](ctx, coll, many, mongox.ModeEmbedded, mongox.AllLookups, nil, "read things")
	finds = len(cmds.Docs("things.find"))
	if err != nil || len(got) != 2 || finds != len(many) {
		t.Fatalf("embedded, %d ids, all lookups: %d found (%v), %d finds; want 2 found by a lookup each", len(many), len(got), err, finds)
	}
	for _, mode := range []mongox.Mode{mongox.ModeEmbedded, mongox.ModeMongoDB} {
		cmds.Reset()
		got, err := mongox.ByIDs[*thing](ctx, coll, []string{"c", "missing", "a", "c"}, mode, few, bson.D{{Key: "secret", Value: 0}}, "read things")
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(x, y *thing) int { return x.N - y.N })
		if len(got) != 2 || *got[0] != (thing{ID: "a", N: 1}) || *got[1] != (thing{ID: "c", N: 3}) {
			t.Fatalf("%s: got %v, want a and c without their secret", mode, got)
		}
		n, other := cmds.Lookups("things.find")
		if mode == mongox.ModeMongoDB {
			if n != 1 {
				t.Fatalf("mongodb: %d finds, want one $in", n)
			}
			continue
		}
		if n != 3 || other != nil {
			t.Fatalf("embedded: %d finds for 3 ids, one twice (one by %v), want 3 by _id alone", n, other)
		}
	}
}

// SizedLookups reads by lookups up to a quarter of the table, and reads
// the table's size again only when the one it has is Every old.
func TestSizedLookupsFollowTheTableSize(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Database(t)
	coll := db.Collection("things")
	add := func(n int) {
		t.Helper()
		docs := make([]any, n)
		for i := range docs {
			docs[i] = bson.D{{Key: "n", Value: i}}
		}
		if _, err := coll.InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	add(40)
	sized := &mongox.SizedLookups{Coll: coll, Every: time.Hour}
	lookups := func() mongox.Lookups {
		t.Helper()
		n, err := sized.Lookups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := lookups(); got != 10 {
		t.Fatalf("40 documents: %d lookups, want 10", got)
	}
	add(40)
	if got := lookups(); got != 10 {
		t.Fatalf("80 documents, size read within the hour: %d lookups, want the 10 of the size read", got)
	}
	sized.Every = 0
	if got := lookups(); got != 20 {
		t.Fatalf("80 documents, size read again: %d lookups, want 20", got)
	}
}

// BulkWrite sends at most MaxStatements statements per command: the
// embedded database's PostgreSQL backend holds a pool connection per
// matched statement until its command ends, and a command of 50 took the
// whole pool and stopped every request. Every document is still written.
func TestBulkWriteSplitsItsCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, cmds := dbtest.Counted(t)
	coll := db.Collection("things")
	models := make([]mongo.WriteModel, 70)
	for i := range models {
		id := fmt.Sprint("t", i)
		models[i] = mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).SetReplacement(bson.D{{Key: "_id", Value: id}, {Key: "n", Value: i}}).SetUpsert(true)
	}
	for range 2 { // inserted, then every statement matches
		if err := mongox.BulkWrite(ctx, coll, models, "write things"); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := coll.CountDocuments(ctx, bson.D{}); err != nil || n != 70 {
		t.Fatalf("%d documents (%v), want 70", n, err)
	}
	var sizes []int
	for _, cmd := range cmds.Docs("things.update") {
		vals, _ := cmd.Lookup("updates").Array().Values()
		sizes = append(sizes, len(vals))
	}
	if len(sizes) != 6 || slices.Max(sizes) > mongox.MaxStatements {
		t.Fatalf("update commands of %v statements, want 32, 32, 6 twice", sizes)
	}
}
