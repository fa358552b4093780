package embedded_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/embedded"
)

// filesHolding returns the files under dir that contain value.
func filesHolding(t *testing.T, dir string, value []byte) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, value) {
			out = append(out, e.Name())
		}
	}
	return out
}

// A deleted document is in the write-ahead log until a checkpoint, and in
// no file after one.
func TestCheckpointLeavesNoDeletedValueInTheFiles(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	// No checkpoint but the one the test asks for.
	s, err := embedded.Start(ctx, dir, embedded.Options{CheckpointEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	cl, err := mongo.Connect(options.Client().ApplyURI(s.URI()).SetMaxPoolSize(1))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cl.Disconnect(ctx) }()
	coll := cl.Database("private").Collection("people")
	secret := "correct-horse-battery-staple-7781"
	for i := range 50 { // enough rows that the deleted one's page is not simply rewritten
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: i}, {Key: "filler", Value: bytes.Repeat([]byte("x"), 500)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "p"}, {Key: "secret", Value: secret}}); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: "p"}}); err != nil {
		t.Fatal(err)
	}
	if got := filesHolding(t, dir, []byte(secret)); len(got) == 0 {
		t.Fatal("the value is in no file before the checkpoint: the test sees nothing")
	}
	if err := s.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if got := filesHolding(t, dir, []byte(secret)); len(got) != 0 {
		t.Fatalf("after the checkpoint %v still hold the deleted value", got)
	}
	if fi, err := os.Stat(filepath.Join(dir, "private.sqlite-wal")); err == nil && fi.Size() != 0 {
		t.Errorf("the write-ahead log has %d bytes after the checkpoint, want 0", fi.Size())
	}
}
