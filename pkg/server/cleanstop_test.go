package server_test

import (
	"context"
	"io"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/repair"
	"github.com/opencrm/crm/pkg/server"
)

// On the embedded database a process that stops with nothing half done
// spares the next its start scans; a stop that leaves work, or a crash,
// makes the next start scan.
func TestAStartScansUnlessThePreviousStopWasClean(t *testing.T) {
	t.Parallel()
	if dbtest.Mode() != mongox.ModeEmbedded {
		t.Skip("the note of a clean stop is kept on the embedded database only (one replica)")
	}
	db := dbtest.Config(t)
	var (
		tracker  *repair.Tracker
		producer *feed.Producer
		own      *mongo.Database // the server's own client's
	)
	setup := func(d *server.Deps) (*server.Service, error) {
		tracker = &repair.Tracker{ScanOnlyAtStart: true}
		producer = d.Producer()
		own = d.DB
		// One round at start, the next an hour later: what fails after the
		// start stays failed until the stop.
		relay := func(ctx context.Context) { producer.Relay(ctx, time.Hour, func(error) {}, d.DB.Collection("docs")) }
		return &server.Service{Producer: producer, Repairs: []*repair.Tracker{tracker}, Workers: []func(context.Context){relay}}, nil
	}
	start := func() *server.Running {
		t.Helper()
		r, err := server.Start(context.Background(), baseConfig(db), setup, server.Options{LogOutput: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-r.Ready():
		case <-time.After(20 * time.Second):
			t.Fatal("never ready")
		}
		deadline := time.Now().Add(20 * time.Second)
		for !producer.Settled() { // the relay's start round
			if time.Now().After(deadline) {
				t.Fatal("the relay's start round never completed")
			}
			time.Sleep(10 * time.Millisecond)
		}
		return r
	}
	stop := func(r *server.Running) {
		t.Helper()
		if err := r.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	firstRoundScans := func() bool { scan, _ := tracker.Round(); return scan }

	r := start()
	if !firstRoundScans() {
		t.Fatal("the first start did not scan")
	}
	stop(r) // before the repair worker's scan completed

	r = start()
	if !firstRoundScans() {
		t.Fatal("the start after a stop that came before the start scan completed did not scan")
	}
	tracker.Scanned()
	stop(r)

	r = start()
	if firstRoundScans() {
		t.Fatal("the start after a clean stop scanned")
	}
	// While it runs there is no note: a crash now would make the next
	// start scan.
	cl, err := mongox.Connect(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cl.Disconnect(context.Background()) }()
	notes := cl.Database(db.Database).Collection(repair.StopsCollection)
	if n, err := notes.CountDocuments(t.Context(), bson.D{}); err != nil || n != 0 {
		t.Fatalf("notes of a clean stop while running: %d, %v", n, err)
	}
	tracker.Add("complaint-1") // a write whose second step failed
	stop(r)

	r = start()
	if !firstRoundScans() {
		t.Fatal("the start after a stop that left a repair to do did not scan")
	}
	tracker.Scanned()
	stop(r)

	// An outbox whose publishing failed, also left for the next start.
	r = start()
	if firstRoundScans() {
		t.Fatal("the start after a clean stop scanned")
	}
	docs := cl.Database(db.Database).Collection("docs")
	ev, err := feed.NewPending(t.Context(), "docs/d", wrapperspb.String("d"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := docs.InsertOne(t.Context(), bson.D{{Key: "_id", Value: "d"}, {Key: feed.OutboxField, Value: bson.A{ev}}}); err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(t.Context())
	cancel()
	if err := producer.Flush(gone, docs, "d"); err == nil {
		t.Fatal("a flush with a cancelled context succeeded")
	}
	stop(r)
	r = start()
	if !firstRoundScans() {
		t.Fatal("the start after a stop that left an outbox did not scan")
	}
	tracker.Scanned()
	stop(r)

	// A write that failed may have been stored without what follows it.
	r = start()
	if firstRoundScans() {
		t.Fatal("the start after a clean stop scanned")
	}
	if _, err := own.Collection("docs").UpdateOne(t.Context(), bson.D{{Key: "$bogus", Value: 1}}, bson.D{{Key: "$set", Value: bson.D{{Key: "a", Value: 1}}}}); err == nil {
		t.Fatal("an update filtered by an unknown operator succeeded")
	}
	stop(r)
	r = start()
	if !firstRoundScans() {
		t.Fatal("the start after a stop that saw a write fail did not scan")
	}
	tracker.Scanned()
	stop(r)

	// A client lent to replicas: their work is not this process's to vouch
	// for.
	r = start()
	if firstRoundScans() {
		t.Fatal("the start after a clean stop scanned")
	}
	_ = r.Client()
	stop(r)
	r = start()
	if !firstRoundScans() {
		t.Fatal("the start after a stop of a process whose client replicas shared did not scan")
	}
	stop(r)
}
