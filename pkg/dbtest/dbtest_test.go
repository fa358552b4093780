package dbtest_test

import (
	"context"
	"os"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/mongox"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// With CRM_TEST_MONGODB_URI set, tests get that server in mongodb mode with
// a normal pool, a database of their own each; here the variable names the
// embedded server, which answers the same protocol.
func TestMongoDBURISelectsMongoDBMode(t *testing.T) {
	if os.Getenv(dbtest.MongoDBURIEnv) != "" {
		t.Skip("already running against a real MongoDB")
	}
	uri := dbtest.URI(t)
	t.Setenv(dbtest.MongoDBURIEnv, uri)
	a, b := dbtest.Config(t), dbtest.Config(t)
	if a.URI != uri || a.Mode != mongox.ModeMongoDB || a.MaxPoolSize != dbtest.MongoDBPoolSize {
		t.Fatalf("config %+v, want %s in mongodb mode with a pool of %d", a, uri, dbtest.MongoDBPoolSize)
	}
	if a.Database == b.Database {
		t.Fatalf("two tests share database %s", a.Database)
	}
	db := dbtest.Open(t, a)
	if _, err := db.Collection("c").InsertOne(context.Background(), bson.D{{Key: "_id", Value: "x"}}); err != nil {
		t.Fatal(err)
	}
}

func TestEmbeddedByDefault(t *testing.T) {
	if os.Getenv(dbtest.MongoDBURIEnv) != "" {
		t.Skip("running against a real MongoDB")
	}
	c := dbtest.Config(t)
	if c.Mode != mongox.ModeEmbedded || c.MaxPoolSize != 1 {
		t.Fatalf("config %+v, want embedded mode with one connection", c)
	}
}
