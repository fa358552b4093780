package logbook_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/customers"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
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

func (everyoneExists) Ask(context.Context, []string) (customers.Answer, error) {
	return customers.Answer{}, nil
}

// On the embedded database only the first sweep looks for pending
// complaints with a query (it reads the whole interactions table there);
// later sweeps look up by _id the complaints it or this process left.
func TestSweepOpensTheCaseACrashLeftPending(t *testing.T) {
	t.Parallel()
	db, cmds := dbtest.Counted(t)
	ctx := context.Background()
	if err := mongox.EnsureIndexes(ctx, db, append(store.Indexes(), store.CaseIndexes()...)); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	book := logbook.New(store.New(db, feed.NewProducer(db), dbtest.Mode()), everyoneExists{}, idempotency.New(db), logbook.Options{SLA: casework.DefaultSLA,
		Now: func() time.Time { return now }})
	res, err := book.Log(ctx, []logbook.Item{{Interaction: record.Interaction{CustomerID: "c1", Channel: 1, Direction: 1,
		Kind: record.KindComplaint, OccurTime: now.Add(-time.Hour)}}}, func(int) string { return "interaction" })
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	id := strings.TrimPrefix(res[0].Interaction.GetName(), "interactions/")
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
	cmds.Reset()
	if n, err := book.OpenPendingCases(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if n, other := cmds.Lookups(store.Interactions + ".find"); dbtest.Mode() == mongox.ModeEmbedded && (n != 2 || other != nil) {
		// The sweep looks the complaint up, then reads it to open its case.
		t.Errorf("embedded, second sweep: %d reads of interactions (one by %v), want two lookups by _id", n, other)
	}
	c, err := book.Case(ctx, id)
	if err != nil || c.InteractionID != id || c.Status != casework.Open {
		t.Fatalf("case after the sweep: %+v %v", c, err)
	}
	if n, err := book.OpenPendingCases(ctx); err != nil || n != 0 {
		t.Fatalf("second sweep: %d %v", n, err)
	}
}

func TestLoggedRecordsAreTheirOwnEventsInTheFeed(t *testing.T) {
	t.Parallel()
	db := dbtest.Database(t)
	ctx := context.Background()
	if err := mongox.EnsureIndexes(ctx, db, append(store.Indexes(), store.CaseIndexes()...)); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	p := feed.NewProducer(db)
	st := store.New(db, p, dbtest.Mode())
	p.AddRecords(st.Records(logbook.LoggedEvent))
	book := logbook.New(st, everyoneExists{}, idempotency.New(db), logbook.Options{SLA: casework.DefaultSLA, Now: func() time.Time { return now }})
	logged := func(items ...logbook.Item) []string {
		t.Helper()
		res, err := book.Log(ctx, items, func(int) string { return "interaction" })
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			ids = append(ids, strings.TrimPrefix(r.Interaction.GetName(), "interactions/"))
		}
		return ids
	}
	visit := func(ext string) logbook.Item {
		return logbook.Item{Interaction: record.Interaction{CustomerID: "c1", Channel: 1, Direction: 1, Kind: 3, // an inquiry
			OccurTime: now.Add(-time.Hour), SourceSystem: "shop", ExternalID: ext}}
	}
	first := logged(visit("1"), visit("2"))
	// A retried batch: the stored record is returned, nothing is published twice.
	again := logged(visit("2"), visit("3"))
	complaint := logged(logbook.Item{Interaction: record.Interaction{CustomerID: "c1", Channel: 1, Direction: 1,
		Kind: record.KindComplaint, OccurTime: now.Add(-time.Hour), Complaint: &record.Complaint{}}})
	if again[0] != first[1] {
		t.Fatalf("retried item got %s, want the stored %s", again[0], first[1])
	}
	want := []string{
		"crm.interaction.v1.InteractionLogged " + record.Name(first[0]),
		"crm.interaction.v1.InteractionLogged " + record.Name(first[1]),
		"crm.interaction.v1.InteractionLogged " + record.Name(again[1]),
		"crm.interaction.v1.InteractionLogged " + record.Name(complaint[0]),
		"crm.interaction.v1.CaseOpened cases/" + complaint[0],
	}
	var got []string
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_ = p.Watch(wctx, 0, func(ev *feedv1.Event) error {
		got = append(got, ev.GetType()+" "+ev.GetSubject())
		if ev.GetType() == "crm.interaction.v1.InteractionLogged" {
			var e interactionv1.InteractionLogged
			if err := ev.GetPayload().UnmarshalTo(&e); err != nil || e.GetInteraction().GetName() != ev.GetSubject() || ev.GetId() != logbook.LoggedEventID(strings.TrimPrefix(ev.GetSubject(), "interactions/")) {
				t.Errorf("event %v: %v", ev, err)
			}
		}
		if len(got) == len(want) {
			cancel()
		}
		return nil
	})
	if !slices.Equal(got, want) {
		t.Fatalf("feed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Only the case's event was written to the feed collection: the
	// records are their own events.
	if n, err := db.Collection(feed.EventsCollection).CountDocuments(ctx, bson.D{{Key: "type", Value: "crm.interaction.v1.InteractionLogged"}}); err != nil || n != 0 {
		t.Fatalf("InteractionLogged events written to the feed collection: %d %v", n, err)
	}
}
