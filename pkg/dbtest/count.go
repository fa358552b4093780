package dbtest

import (
	"context"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Commands counts the commands a client sends: the store round trips a
// test can hold a use case to.
type Commands struct {
	mu    sync.Mutex
	names []string
}

// Reset forgets the commands counted so far.
func (c *Commands) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.names = nil
}

// Names returns the commands sent since the last Reset, as
// "collection.command" (the database's name for commands without one).
func (c *Commands) Names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.names...)
}

// Counted returns a connected handle on a fresh database whose client
// counts every command it sends.
func Counted(t testing.TB) (*mongo.Database, *Commands) {
	t.Helper()
	cfg := Config(t)
	c := &Commands{}
	mon := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		coll := e.DatabaseName
		if v, err := e.Command.LookupErr(e.CommandName); err == nil {
			if s, ok := v.StringValueOK(); ok {
				coll = s
			}
		}
		c.mu.Lock()
		c.names = append(c.names, coll+"."+e.CommandName)
		c.mu.Unlock()
	}}
	cl, err := mongo.Connect(options.Client().ApplyURI(cfg.URI).SetMaxPoolSize(1).SetMonitor(mon))
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	t.Cleanup(func() { _ = cl.Disconnect(context.Background()) })
	return cl.Database(cfg.Database), c
}
