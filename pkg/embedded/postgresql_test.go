package embedded_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/embedded"
)

// A private cluster keeps the data of the embedded database between runs,
// and every collection's table gets the index that answers lookups by _id.
func TestPostgreSQLClusterKeepsDataBetweenRuns(t *testing.T) {
	if _, err := os.Stat(filepath.Join(embedded.PostgreSQLBin, "postgres")); err != nil {
		t.Skip("PostgreSQL is not installed (Debian package postgresql; tools/setup.sh installs it)")
	}
	ctx := context.Background()
	dir := t.TempDir()
	for run := range 2 {
		pg, err := embedded.StartPostgreSQL(ctx, filepath.Join(dir, "pg"))
		if err != nil {
			t.Fatal(err)
		}
		db, err := embedded.Start(ctx, filepath.Join(dir, "db"), embedded.Options{PostgreSQLURL: pg.URL()})
		if err != nil {
			pg.Stop()
			t.Fatal(err)
		}
		c, err := mongo.Connect(options.Client().ApplyURI(db.URI()).SetMaxPoolSize(1))
		if err != nil {
			t.Fatal(err)
		}
		coll := c.Database("keep").Collection("docs")
		if run == 0 {
			_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "kept"}, {Key: "n", Value: 7}})
		} else {
			var got struct{ N int }
			err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: "kept"}}).Decode(&got)
			if err == nil && got.N != 7 {
				t.Errorf("after a restart: n = %d, want 7", got.N)
			}
		}
		// The collection's table has the index that answers FerretDB's
		// lookups by _id.
		var idx []byte
		if err == nil {
			idx, err = exec.Command(filepath.Join(embedded.PostgreSQLBin, "psql"), "-X", "-At", "-h", filepath.Join(dir, "pg", "run"), "-U", "postgres", "-d", "postgres",
				"-c", "SELECT count(*) FROM pg_indexes WHERE schemaname = 'keep' AND tablename LIKE 'docs%' AND indexdef LIKE '%USING gin%_id%'").CombinedOutput()
			if err == nil && strings.TrimSpace(string(idx)) != "1" {
				t.Errorf("run %d: %s GIN indexes on _id in the collection's schema, want 1", run, strings.TrimSpace(string(idx)))
			}
		}
		_ = c.Disconnect(ctx)
		db.Stop()
		pg.Stop()
		if err != nil {
			t.Fatalf("run %d: %v %s", run, err, idx)
		}
	}
}
