// Package dbtest gives each test a fresh database on the embedded default.
// One embedded server is started per test binary, on first use; every test
// gets a database of its own, dropped when the test ends, so tests can run
// in parallel.
//
// With CRM_TEST_BACKEND=postgresql the embedded server keeps its data in a
// private PostgreSQL cluster (FerretDB's postgresql backend) instead of
// SQLite files.
//
// With CRM_TEST_MONGODB_URI set (for example
// mongodb://127.0.0.1:27017/?replicaSet=rs0), every test runs against that
// MongoDB instead, in mongodb mode (majority writes, retryable writes, a
// pool of MongoDBPoolSize connections), still with a database of its own
// that is dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/opencrm/crm/pkg/embedded"
	"github.com/opencrm/crm/pkg/mongox"
)

// MongoDBURIEnv names the variable that points the tests at a real MongoDB.
const MongoDBURIEnv = "CRM_TEST_MONGODB_URI"

// BackendEnv names the variable that chooses the embedded server's backend:
// sqlite (the default) or postgresql.
const BackendEnv = "CRM_TEST_BACKEND"

// MongoDBPoolSize is the connection pool of each test client on a real
// MongoDB: the services' default.
const MongoDBPoolSize = 100

var (
	once   sync.Once
	server *embedded.Server
	pg     *embedded.Cluster
	dir    string
	err    error
)

// URI returns the connection string of the MongoDB named by
// CRM_TEST_MONGODB_URI or else of the shared embedded server, starting it on
// first use.
func URI(t testing.TB) string {
	t.Helper()
	if uri := os.Getenv(MongoDBURIEnv); uri != "" {
		return uri
	}
	once.Do(func() {
		dir, err = os.MkdirTemp("", "crm-dbtest-") //nolint:usetesting // shared by every test of the process, so it outlives t
		if err != nil {
			return
		}
		var o embedded.Options
		switch b := os.Getenv(BackendEnv); b {
		case "", "sqlite":
		case "postgresql":
			if pg, err = embedded.StartPostgreSQL(context.Background(), filepath.Join(dir, "pg")); err != nil {
				return
			}
			o.PostgreSQLURL = pg.URL()
		default:
			err = fmt.Errorf("%s=%q: want sqlite or postgresql", BackendEnv, b)
			return
		}
		server, err = embedded.Start(context.Background(), filepath.Join(dir, "db"), o)
	})
	if err != nil {
		t.Fatalf("start embedded database: %v", err)
	}
	return server.URI()
}

// Mode is the mode of the databases Config gives: mongodb with
// CRM_TEST_MONGODB_URI set, else embedded.
func Mode() mongox.Mode {
	if os.Getenv(MongoDBURIEnv) != "" {
		return mongox.ModeMongoDB
	}
	return mongox.ModeEmbedded
}

// Config returns a database configuration for a fresh, uniquely named
// database, in embedded mode or, with CRM_TEST_MONGODB_URI set, in mongodb
// mode; the database is dropped when the test ends.
func Config(t testing.TB) mongox.Config {
	t.Helper()
	c := mongox.Config{URI: URI(t), Database: "t_" + strings.ToLower(rand.Text()[:16]), Mode: Mode(), MaxPoolSize: 1, ConnectTimeout: 10 * time.Second}
	if c.Mode == mongox.ModeMongoDB {
		c.MaxPoolSize = MongoDBPoolSize
	}
	t.Cleanup(func() {
		cl, err := mongox.Connect(context.Background(), c, nil)
		if err != nil {
			t.Errorf("drop test database: %v", err)
			return
		}
		defer func() { _ = cl.Disconnect(context.Background()) }()
		if err := cl.Database(c.Database).Drop(context.Background()); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return c
}

// Database returns a connected handle on a fresh database; the client is
// disconnected and the database dropped when the test ends.
func Database(t testing.TB) *mongo.Database {
	t.Helper()
	return Open(t, Config(t))
}

// Open returns a connected handle on c's database, for a test to look at
// or change what a service under test stored; the client is disconnected
// when the test ends.
func Open(t testing.TB, c mongox.Config) *mongo.Database {
	t.Helper()
	cl, err := mongox.Connect(context.Background(), c, nil)
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	t.Cleanup(func() { _ = cl.Disconnect(context.Background()) })
	return cl.Database(c.Database)
}

// Main runs a package's tests and then stops the shared server and removes
// its folder. Call it from TestMain: os.Exit(dbtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if server != nil {
		server.Stop()
	}
	if pg != nil {
		pg.Stop()
	}
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	return code
}
