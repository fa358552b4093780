package logbook_test

import (
	"context"
	"os"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/interaction/internal/casework"
	"github.com/opencrm/crm/services/interaction/internal/logbook"
	"github.com/opencrm/crm/services/interaction/internal/record"
	"github.com/opencrm/crm/services/interaction/internal/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// everyoneExists stands in for customer-profile: this test is about the
// case sweep, and the component tests cover the real check.
type everyoneExists struct{}

func (everyoneExists) Check(context.Context, []string) (map[string]error, error) { return nil, nil }

func TestSweepOpensTheCaseACrashLeftPending(t *testing.T) {
	t.Parallel()
	db := dbtest.Database(t)
	ctx := context.Background()
	if err := mongox.EnsureIndexes(ctx, db, append(store.Indexes(), store.CaseIndexes()...)); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	book := &logbook.Logbook{Store: store.New(db, feed.NewProducer(db)), Customers: everyoneExists{}, SLA: casework.DefaultSLA,
		Now: func() time.Time { return now }}
	res, err := book.Log(ctx, []logbook.Item{{Interaction: record.Interaction{CustomerID: "c1", Channel: 1, Direction: 1,
		Kind: record.KindComplaint, OccurTime: now.Add(-time.Hour)}}}, func(int) string { return "interaction" })
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	id := res[0].Interaction.ID
	// The crash: the complaint is stored, its case is not.
	if _, err := db.Collection(store.Cases).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection(store.Interactions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "case_pending", Value: true}}}}); err != nil {
		t.Fatal(err)
	}
	if n, err := book.OpenPendingCases(ctx); err != nil || n != 0 {
		t.Fatalf("a fresh complaint is left to its own call: %d %v", n, err)
	}
	now = now.Add(2 * time.Minute)
	if n, err := book.OpenPendingCases(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	c, err := book.Case(ctx, id)
	if err != nil || c.InteractionID != id || c.Status != casework.Open {
		t.Fatalf("case after the sweep: %+v %v", c, err)
	}
	if n, err := book.OpenPendingCases(ctx); err != nil || n != 0 {
		t.Fatalf("second sweep: %d %v", n, err)
	}
}

func TestSweepPublishesTheEventACrashLeftOut(t *testing.T) {
	t.Parallel()
	db := dbtest.Database(t)
	ctx := context.Background()
	if err := mongox.EnsureIndexes(ctx, db, append(store.Indexes(), feed.Indexes()...)); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	book := &logbook.Logbook{Store: store.New(db, feed.NewProducer(db)), Customers: everyoneExists{}, SLA: casework.DefaultSLA,
		Now: func() time.Time { return now }}
	res, err := book.Log(ctx, []logbook.Item{{Interaction: record.Interaction{CustomerID: "c1", Channel: 1, Direction: 1,
		Kind: 3, OccurTime: now.Add(-time.Hour)}}}, func(int) string { return "interaction" })
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	eventID := store.LoggedEventID(res[0].Interaction.ID)
	// The crash: the record is stored, its event is not.
	if _, err := db.Collection(feed.EventsCollection).DeleteOne(ctx, bson.D{{Key: "event_id", Value: eventID}}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if n, err := book.PublishMissing(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if n, err := db.Collection(feed.EventsCollection).CountDocuments(ctx, bson.D{{Key: "event_id", Value: eventID}}); err != nil || n != 1 {
		t.Fatalf("event after the sweep: %d %v", n, err)
	}
	if n, err := book.PublishMissing(ctx); err != nil || n != 0 {
		t.Fatalf("second sweep: %d %v", n, err)
	}
}
