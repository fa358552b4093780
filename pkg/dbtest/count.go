package dbtest

import (
	"context"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Commands counts the commands a client sends: the store round trips a
// test can hold a use case to.
type Commands struct {
	mu    sync.Mutex
	names []string
	docs  []bson.Raw
}

// Reset forgets the commands counted so far.
func (c *Commands) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.names, c.docs = nil, nil
}

// Names returns the commands sent since the last Reset, as
// "collection.command" (the database's name for commands without one).
func (c *Commands) Names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.names...)
}

// Docs returns the command documents sent since the last Reset whose name
// (as Names gives it, "collection.command") is name, for a test that holds
// a store to what it asks (a filter, a number of statements).
func (c *Commands) Docs(name string) []bson.Raw {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []bson.Raw
	for i, n := range c.names {
		if n == name {
			out = append(out, c.docs[i])
		}
	}
	return out
}

// Lookups returns how many commands named name (a "collection.find") were
// sent since the last Reset, and the first whose filter is not _id alone
// with a string value, if any: the one filter both embedded backends serve
// from an index.
func (c *Commands) Lookups(name string) (int, bson.Raw) {
	docs := c.Docs(name)
	for _, cmd := range docs {
		f, ok := cmd.Lookup("filter").DocumentOK()
		if !ok {
			return len(docs), cmd
		}
		if elems, _ := f.Elements(); len(elems) != 1 || elems[0].Key() != "_id" || elems[0].Value().Type != bson.TypeString {
			return len(docs), f
		}
	}
	return len(docs), nil
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
		c.docs = append(c.docs, append(bson.Raw(nil), e.Command...))
		c.mu.Unlock()
	}}
	cl, err := mongo.Connect(options.Client().ApplyURI(cfg.URI).SetMaxPoolSize(1).SetMonitor(mon))
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	t.Cleanup(func() { _ = cl.Disconnect(context.Background()) })
	return cl.Database(cfg.Database), c
}
