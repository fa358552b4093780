package embedded_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/embedded"
)

// A lookup by _id on the SQLite backend uses an index: collections written
// after the start get one within a few seconds.
func TestSQLiteLookupsByIDUseAnIndex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := embedded.Start(ctx, dir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Stop()
	c, err := mongo.Connect(options.Client().ApplyURI(db.URI()).SetMaxPoolSize(1))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Disconnect(ctx) }()
	coll := c.Database("idx").Collection("docs")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}}); err != nil {
		t.Fatal(err)
	}
	// A connection opened before the index exists, as FerretDB's are.
	file, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "idx.sqlite")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var table string
	if err := file.QueryRowContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'docs%'`).Scan(&table); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		// A statement that runs sees a changed schema (an EXPLAIN alone may
		// plan with the one the connection read before).
		var n int
		if err := file.QueryRowContext(ctx, `SELECT count(*) FROM "`+table+`" WHERE _ferretdb_sjson->'$._id' = ?`, `"a"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		plan := queryPlan(ctx, t, file, `SELECT _ferretdb_sjson FROM "`+table+`" WHERE _ferretdb_sjson->'$._id' = ?`, `"a"`)
		if strings.Contains(plan, "USING INDEX") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a lookup by _id still reads the table: %s", plan)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var got bson.M
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Decode(&got); err != nil {
		t.Fatalf("find by _id with the index: %v", err)
	}
}

// queryPlan is SQLite's plan of query, its steps' details joined.
func queryPlan(ctx context.Context, t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "; ")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan.String()
}
