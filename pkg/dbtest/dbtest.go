// Package dbtest gives each test a fresh database on the embedded default.
// One embedded server is started per test binary, on first use; every test
// gets a database of its own, dropped when the test ends, so tests can run
// in parallel.
package dbtest

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/opencrm/crm/pkg/embedded"
	"github.com/opencrm/crm/pkg/mongox"
)

var (
	once   sync.Once
	server *embedded.Server
	dir    string
	err    error
)

// URI returns the connection string of the shared embedded server, starting
// it on first use.
func URI(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		dir, err = os.MkdirTemp("", "crm-dbtest-")
		if err == nil {
			server, err = embedded.Start(context.Background(), dir, embedded.Options{})
		}
	})
	if err != nil {
		t.Fatalf("start embedded database: %v", err)
	}
	return server.URI()
}

// Config returns a database configuration for a fresh, uniquely named
// database in embedded mode; the database is dropped when the test ends.
func Config(t testing.TB) mongox.Config {
	t.Helper()
	c := mongox.Config{URI: URI(t), Database: "t_" + strings.ToLower(rand.Text()[:16]), Mode: mongox.ModeEmbedded, MaxPoolSize: 1, ConnectTimeout: 10 * time.Second}
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
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	return code
}
