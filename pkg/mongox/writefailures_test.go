package mongox_test

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/mongox"
)

// A client counts its write commands that failed, which may have been
// stored; a write refused with a write error (a duplicate key, a bad
// update) was not, and a read that fails is no write.
func TestWriteFailuresCountFailedWriteCommandsOnly(t *testing.T) {
	t.Parallel()
	cfg := dbtest.Config(t)
	var failures mongox.WriteFailures
	cl, err := mongox.ConnectLazy(cfg, nil, &failures)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cl.Disconnect(t.Context()) }()
	c := cl.Database(cfg.Database).Collection("c")
	ctx := t.Context()
	bogus := bson.D{{Key: "$bogus", Value: 1}}
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}}); !mongox.IsDuplicateKey(err) {
		t.Fatalf("second insert: %v, want a duplicate key", err)
	}
	if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, bogus); err == nil {
		t.Fatal("an update with an unknown operator succeeded")
	}
	if err := c.FindOne(ctx, bogus).Err(); err == nil {
		t.Fatal("a find with an unknown operator succeeded")
	}
	if n := failures.Count(); n != 0 {
		t.Fatalf("%d failures counted before any write command failed", n)
	}
	if _, err := c.UpdateOne(ctx, bogus, bson.D{{Key: "$set", Value: bson.D{{Key: "a", Value: 1}}}}); err == nil {
		t.Fatal("an update filtered by an unknown operator succeeded")
	}
	if n := failures.Count(); n != 1 {
		t.Fatalf("%d failures counted, want the failed update", n)
	}
}
