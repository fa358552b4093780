package feeds

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
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
	"github.com/opencrm/crm/services/segmentation/internal/celfacts"
	"github.com/opencrm/crm/services/segmentation/internal/grading"
	"github.com/opencrm/crm/services/segmentation/internal/records"
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
	st := store.New(db, dbtest.Mode())
	e := grading.NewEngine(st, feed.NewProducer(db), celfacts.Compile, slog.New(slog.DiscardHandler), "EUR")
	a := &Applier{Engine: e, Log: slog.New(slog.DiscardHandler)}
	now := time.Now().UTC()
	if err := st.InsertSegment(ctx, &records.Segment{ID: "buyers", Rule: "metrics.purchases >= 1", RuleVersion: 1, Created: now, Updated: now}); err != nil {
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

// purchases returns a batch of purchase events, one per customer,
// numbered from seq.
func purchases(t *testing.T, seq int64, round string, customers int) []*feedv1.Event {
	t.Helper()
	evs := make([]*feedv1.Event, customers)
	for i := range customers {
		id := fmt.Sprintf("%s-%d", round, i)
		p, err := anypb.New(&interactionv1.InteractionLogged{Interaction: &interactionv1.Interaction{
			Name: "interactions/" + id, Id: id, Customer: fmt.Sprintf("customers/c%03d", i), Channel: interactionv1.Channel_CHANNEL_WEB,
			Kind: interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE, OccurTime: timestamppb.New(time.Now().Add(-time.Hour)),
			Purchase: &interactionv1.Purchase{OrderId: id, Amount: &typev1.Money{CurrencyCode: "EUR", Units: 20}}}})
		if err != nil {
			t.Fatal(err)
		}
		evs[i] = &feedv1.Event{Id: "e-" + id, Sequence: seq + int64(i), Type: "crm.interaction.v1.InteractionLogged", Payload: p}
	}
	return evs
}

// A batch of purchases of many customers costs, on MongoDB, a bounded
// number of store round trips, apart from one conditional write per changed
// customer; every purchase counts once, and the batch applied again counts
// nothing more. On the embedded database, where an $in reads the whole
// collection, the batch reads each customer's metrics and scores by _id
// alone instead.
func TestBatchRoundTripsDoNotGrowWithTheBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, cmds := dbtest.Counted(t)
	if err := mongox.EnsureIndexes(ctx, db, store.Indexes()); err != nil {
		t.Fatal(err)
	}
	st := store.New(db, mongox.ModeMongoDB)
	log := slog.New(slog.DiscardHandler)
	e := grading.NewEngine(st, feed.NewProducer(db), celfacts.Compile, log, "EUR")
	now := time.Now().UTC()
	for i, rule := range []string{"metrics.purchases >= 1", "metrics.purchases >= 2", "scores.r >= 3"} {
		if err := st.InsertSegment(ctx, &records.Segment{ID: fmt.Sprint("s", i), Rule: rule, RuleVersion: 1, Created: now, Updated: now}); err != nil {
			t.Fatal(err)
		}
	}
	apply := (&Applier{Engine: e, Log: log}).Interactions()
	cost := func(evs []*feedv1.Event) []string {
		cmds.Reset()
		if err := apply(ctx, evs); err != nil {
			t.Fatal(err)
		}
		return cmds.Names()
	}
	writes := func(names []string) int {
		n := 0
		for _, c := range names {
			if c == "customers.insert" || c == "customers.update" {
				n++
			}
		}
		return n
	}
	// New customers: 8, then 256 (8 of whom are known by then). Known
	// customers: 8, then 24 (a version-checked write costs a scan of the
	// collection on the embedded SQLite backend, too slow for a test of
	// hundreds; the count is what matters).
	for _, round := range []struct {
		name         string
		seq          int64
		small, large int
	}{{"new customers", 1, 8, 256}, {"known customers", 1000, 8, 24}} {
		small := cost(purchases(t, round.seq, round.name[:1]+"s", round.small))
		large := cost(purchases(t, round.seq+300, round.name[:1]+"l", round.large))
		if writes(small) != round.small || writes(large) != round.large {
			t.Fatalf("%s: customer writes %d for %d, %d for %d", round.name, writes(small), round.small, writes(large), round.large)
		}
		// Reads of settings, run, segments, customers and scores, the
		// membership events (two calls, when there are any) and the scores,
		// written in commands of at most mongox.MaxStatements.
		const most = 10
		parts := func(names []string, n int) int {
			c := slices.DeleteFunc(slices.Clone(names), func(s string) bool { return s != "scores.update" })
			if len(c) > (n+mongox.MaxStatements-1)/mongox.MaxStatements {
				t.Fatalf("%s: scores of %d customers written in %d commands", round.name, n, len(c))
			}
			return max(len(c)-1, 0)
		}
		if len(small)-round.small-parts(small, round.small) > most || len(large)-round.large-parts(large, round.large) > most {
			t.Fatalf("%s: %d purchases took %d round trips %v, %d took %d %v", round.name, round.small, len(small), small, round.large, len(large), large)
		}
		var others []string
		for _, c := range large {
			if c != "customers.insert" && c != "customers.update" {
				others = append(others, c)
			}
		}
		t.Logf("%s: a batch of %d costs %v plus one write per changed customer", round.name, round.large, others)
	}
	again := cost(purchases(t, 1300, "kl", 24))
	if writes(again) != 0 {
		t.Fatalf("a replayed batch wrote %d customers", writes(again))
	}
	c, err := st.Customer(ctx, "c020")
	if err != nil || c.Purchases != 2 {
		t.Fatalf("customer c020: %+v %v; want 2 purchases", c, err)
	}
	sc, err := st.Score(ctx, "", "c020")
	if err != nil || len(sc.Segments) < 2 {
		t.Fatalf("customer c020's segments: %v %v", sc.Segments, err)
	}

	before, err := st.Customer(ctx, "c005")
	if err != nil {
		t.Fatal(err)
	}
	embedded := (&Applier{Engine: grading.NewEngine(store.New(db, mongox.ModeEmbedded), feed.NewProducer(db), celfacts.Compile, log, "EUR"), Log: log}).Interactions()
	cmds.Reset()
	if err := embedded(ctx, purchases(t, 2000, "em", 8)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"customers.find", "scores.find"} {
		if n, other := cmds.Lookups(name); n != 8 || other != nil {
			t.Errorf("embedded: %s %d times for 8 customers (once by %v), want 8 by _id alone", name, n, other)
		}
	}
	if c, err := st.Customer(ctx, "c005"); err != nil || c.Purchases != before.Purchases+1 {
		t.Fatalf("customer c005 after the embedded batch: %+v %v; want %d purchases", c, err, before.Purchases+1)
	}
}
