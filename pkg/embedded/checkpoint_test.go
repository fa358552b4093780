package embedded_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
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
	// What is left of the log is its header and one frame of SQLite's
	// default 4 KiB page.
	if fi, err := os.Stat(filepath.Join(dir, "private.sqlite-wal")); err == nil && fi.Size() > 32+24+4096 {
		t.Errorf("the write-ahead log has %d bytes after the checkpoint, want at most one frame", fi.Size())
	}
}

// Checkpoints do not make writers wait out their lock timeout: clients
// writing through several connections while the log is checkpointed as
// often as it can be all succeed, none taking seconds.
func TestCheckpointsLetWritersWrite(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	s, err := embedded.Start(ctx, dir, embedded.Options{CheckpointEvery: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	cl, err := mongo.Connect(options.Client().ApplyURI(s.URI()).SetMaxPoolSize(4))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cl.Disconnect(context.Background()) }()
	coll := cl.Database("busy").Collection("rows")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Go(func() {
			for i := range 150 {
				start := time.Now()
				id := fmt.Sprintf("%d-%d", w, i)
				if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "n", Value: i}}); err != nil {
					errs <- fmt.Errorf("insert %s: %w", id, err)
					return
				}
				if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}); err != nil {
					errs <- fmt.Errorf("update %s: %w", id, err)
					return
				}
				if d := time.Since(start); d > 5*time.Second {
					errs <- fmt.Errorf("writing %s took %v", id, d)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
