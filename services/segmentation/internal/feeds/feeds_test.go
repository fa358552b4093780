package feeds

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/segmentation/internal/grading"
	"github.com/opencrm/crm/services/segmentation/internal/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// A purchase event applied again after a crash that came between saving
// the metrics and rescoring rescores the customer, without counting the
// purchase twice or publishing its membership change twice.
func TestReplayedEventRepairsAMissedRescore(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Database(t)
	if err := mongox.EnsureIndexes(ctx, db, store.Indexes()); err != nil {
		t.Fatal(err)
	}
	st := store.New(db, feed.NewProducer(db))
	e := grading.NewEngine(st, slog.New(slog.NewTextHandler(io.Discard, nil)), "EUR")
	a := &Applier{Engine: e, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	now := time.Now().UTC()
	if err := st.InsertSegment(ctx, &store.Segment{ID: "buyers", Rule: "metrics.purchases >= 1", RuleVersion: 1, Created: now, Updated: now}); err != nil {
		t.Fatal(err)
	}
	payload, err := anypb.New(&interactionv1.InteractionLogged{Interaction: &interactionv1.Interaction{
		Name: "interactions/p1", Id: "p1", Customer: "customers/c1", Channel: interactionv1.Channel_CHANNEL_WEB,
		Kind: interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE, OccurTime: timestamppb.New(now.Add(-time.Hour)),
		Purchase: &interactionv1.Purchase{OrderId: "o1", Amount: &typev1.Money{CurrencyCode: "EUR", Units: 20}}}})
	if err != nil {
		t.Fatal(err)
	}
	ev := &feedv1.Event{Id: "e1", Sequence: 5, Type: "crm.interaction.v1.InteractionLogged", Payload: payload}
	if err := a.Interactions()(ctx, []*feedv1.Event{ev}); err != nil {
		t.Fatal(err)
	}
	memberships := func() int64 {
		n, err := db.Collection(feed.EventsCollection).CountDocuments(ctx, bson.D{{Key: "type", Value: "crm.segmentation.v1.SegmentMembershipChanged"}})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := memberships(); n != 1 {
		t.Fatalf("%d membership events after the purchase, want 1", n)
	}
	// The crash: the metrics were saved, the score was not.
	if err := st.DeleteCustomerScores(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if err := a.Interactions()(ctx, []*feedv1.Event{ev}); err != nil {
		t.Fatal(err)
	}
	c, err := st.Customer(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Purchases != 1 || c.Amount != 2000 {
		t.Fatalf("after the replay: %d purchases, %d minor units; want the purchase counted once", c.Purchases, c.Amount)
	}
	sc, err := st.Score(ctx, "", "c1")
	if err != nil || len(sc.Segments) != 1 || sc.Segments[0] != "buyers" {
		t.Fatalf("score after the replay: %+v %v", sc, err)
	}
	if n := memberships(); n != 1 {
		t.Fatalf("%d membership events after the replay, want still 1", n)
	}
}
