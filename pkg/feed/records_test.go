package feed_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/types/known/wrapperspb"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	"github.com/opencrm/crm/pkg/feed"
)

// note is an append-only record that is its own event.
type note struct {
	ID    string     `bson:"_id"`
	Text  string     `bson:"text"`
	Time  time.Time  `bson:"time"`
	Stamp feed.Stamp `bson:",inline"`
}

func noteEvent(raw bson.Raw) (feed.RecordEvent, error) {
	var n note
	if err := bson.Unmarshal(raw, &n); err != nil {
		return feed.RecordEvent{}, err
	}
	return feed.RecordEvent{ID: "noted-" + n.ID, Subject: "notes/" + n.ID, Time: n.Time, Payload: wrapperspb.String(n.Text)}, nil
}

func setupRecords(t *testing.T) (*feed.Producer, *mongo.Collection, *mongo.Collection) {
	t.Helper()
	db, p, docs := setup(t)
	notes := db.Collection("notes")
	p.AddRecords(feed.Records{Collection: notes, Event: noteEvent})
	return p, notes, docs
}

func insertNotes(ctx context.Context, t *testing.T, p *feed.Producer, notes *mongo.Collection, ids ...string) error {
	t.Helper()
	docs := make([]bson.Raw, len(ids))
	for i, id := range ids {
		var err error
		if docs[i], err = bson.Marshal(bson.D{{Key: "_id", Value: id}, {Key: "text", Value: "note " + id}}); err != nil {
			t.Fatal(err)
		}
	}
	return p.InsertRecords(ctx, notes, docs)
}

// collect watches from 0 until want events arrived or a minute passed.
func collect(t *testing.T, p *feed.Producer, want int) []*feedv1.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var got []*feedv1.Event
	_ = p.Watch(ctx, 0, func(ev *feedv1.Event) error {
		got = append(got, ev)
		if len(got) == want {
			cancel()
		}
		return nil
	})
	return got
}

func text(t *testing.T, ev *feedv1.Event) string {
	t.Helper()
	var v wrapperspb.StringValue
	if err := ev.GetPayload().UnmarshalTo(&v); err != nil {
		t.Fatal(err)
	}
	return v.GetValue()
}

func TestRecordsAreDeliveredInSequenceWithOutboxEvents(t *testing.T) {
	t.Parallel()
	p, notes, docs := setupRecords(t)
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5}, TraceFlags: trace.FlagsSampled})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	// More records than one read returns, with outbox events among them,
	// and a record stored twice (a retried batch), which takes no place:
	// every event once, in order, with no wait.
	var first []string
	for n := range 300 {
		first = append(first, fmt.Sprint("a", n))
	}
	if err := insertNotes(ctx, t, p, notes, first...); err != nil {
		t.Fatal(err)
	}
	for n := range 10 {
		write(ctx, t, p, docs, "d", fmt.Sprint("outbox ", n))
	}
	err := insertNotes(ctx, t, p, notes, "b1", "a7", "b2")
	if err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Fatalf("inserting a stored record again: %v, want its duplicate key error", err)
	}
	got := collect(t, p, 312)
	if len(got) != 312 {
		t.Fatalf("delivered %d events, want 312", len(got))
	}
	for i, ev := range got {
		var want string
		switch {
		case i < 300:
			want = fmt.Sprint("note a", i)
		case i < 310:
			want = fmt.Sprint("outbox ", i-300)
		case i == 310:
			want = "note b1"
		default:
			want = "note b2"
		}
		if text(t, ev) != want {
			t.Fatalf("event %d is %q, want %q", i, text(t, ev), want)
		}
		if i > 0 && ev.GetSequence() <= got[i-1].GetSequence() {
			t.Fatalf("sequence %d after %d", ev.GetSequence(), got[i-1].GetSequence())
		}
	}
	r := got[0]
	if r.GetId() != "noted-a0" || r.GetSubject() != "notes/a0" || r.GetType() != "google.protobuf.StringValue" ||
		!strings.Contains(r.GetTraceContext()["traceparent"], sc.TraceID().String()) {
		t.Fatalf("record event: %v", r)
	}
}

// A record batch whose writer stalls between committing the records and
// placing them, while another producer's batch is placed and read, is
// delivered when it is placed: nothing was waiting for it and nothing
// passed it for good.
func TestRecordsPlacedLateAreNotSkipped(t *testing.T) {
	t.Parallel()
	p, notes, _ := setupRecords(t)
	p.Poll = 20 * time.Millisecond
	other := feed.NewProducer(notes.Database())
	other.AddRecords(feed.Records{Collection: notes, Event: noteEvent})
	ctx := context.Background()
	if err := insertNotes(ctx, t, p, notes, "n1"); err != nil {
		t.Fatal(err)
	}
	committed, release := make(chan struct{}), make(chan struct{})
	p.Hook = func(_ context.Context, s feed.Step) error {
		if s == feed.StepCommitted {
			close(committed)
			<-release
		}
		return nil
	}
	stalled := make(chan error, 1)
	go func() { stalled <- insertNotes(ctx, t, p, notes, "n2") }()
	<-committed
	if err := insertNotes(ctx, t, other, notes, "n3"); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 10)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_ = p.Watch(wctx, 0, func(ev *feedv1.Event) error { got <- text(t, ev); return nil })
	}()
	for _, want := range []string{"note n1", "note n3"} {
		if s := <-got; s != want {
			t.Fatalf("got %q, want %q", s, want)
		}
	}
	close(release)
	if err := <-stalled; err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "note n2" {
			t.Fatalf("got %q, want note n2", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the late record was not delivered")
	}
}

func TestErasedRecordsLeaveRedactedEventsInTheirPlaces(t *testing.T) {
	t.Parallel()
	p, notes, _ := setupRecords(t)
	ctx := context.Background()
	if err := insertNotes(ctx, t, p, notes, "keep", "erase", "also"); err != nil {
		t.Fatal(err)
	}
	if _, err := notes.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{"erase", "also"}}}}}); err != nil {
		t.Fatal(err)
	}
	got := collect(t, p, 3)
	if len(got) != 3 {
		t.Fatalf("delivered %d events, want 3", len(got))
	}
	if text(t, got[0]) != "note keep" || got[0].GetRedacted() {
		t.Fatalf("kept record's event: %v", got[0])
	}
	for i, id := range []string{"erase", "also"} {
		ev := got[i+1]
		if !ev.GetRedacted() || ev.GetPayload() != nil || ev.GetSubject() != "notes/"+id || ev.GetId() != "noted-"+id || ev.GetSequence() != int64(i+2) {
			t.Fatalf("event of the erased record %s: %v", id, ev)
		}
	}
}

// The bookkeeping of a batch (its intent's deletion, the end hint) is
// written every few batches and by Relay, not per batch; what waits is
// written when Relay stops, and a batch whose producer went away with its
// intent still queued is delivered once, by another replica's relay.
func TestBatchBookkeepingIsWrittenInBulk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, p, _ := setup(t)
	notes := db.Collection("notes")
	p.AddRecords(feed.Records{Collection: notes, Event: noteEvent})
	pending := func() int64 {
		n, err := db.Collection("feed_pending").CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	hint := func() int64 {
		var h struct {
			Next int64 `bson:"next"`
		}
		if err := db.Collection("feed_state").FindOne(ctx, bson.D{{Key: "_id", Value: "end"}}).Decode(&h); err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			t.Fatal(err)
		}
		return h.Next
	}
	for i := range 20 {
		if err := insertNotes(ctx, t, p, notes, fmt.Sprintf("a%d-1", i), fmt.Sprintf("a%d-2", i)); err != nil {
			t.Fatal(err)
		}
	}
	// 20 batches: the first 16 intents were deleted together, 4 wait; the
	// hint was written after 16 placements.
	if n := pending(); n != 4 {
		t.Fatalf("%d intents left after 20 batches, want the 4 waiting", n)
	}
	if h := hint(); h != 33 {
		t.Fatalf("hint %d after 20 batches of 2, want 33 (written after the 16th)", h)
	}
	relayCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Relay(relayCtx, time.Hour, func(err error) { t.Error(err) })
	}()
	stop()
	<-done
	if n, h := pending(), hint(); n != 0 || h != 41 {
		t.Fatalf("after Relay stopped: %d intents, hint %d; want 0 and 41", n, h)
	}

	// A producer that goes away with queued intents: another replica's
	// relay recovers them, and each record is delivered once.
	gone := feed.NewProducer(db)
	gone.AddRecords(feed.Records{Collection: notes, Event: noteEvent})
	if err := insertNotes(ctx, t, gone, notes, "b1", "b2", "b3"); err != nil {
		t.Fatal(err)
	}
	if n := pending(); n != 1 {
		t.Fatalf("%d intents left, want the one queued", n)
	}
	other := feed.NewProducer(db)
	other.AddRecords(feed.Records{Collection: notes, Event: noteEvent})
	relayCtx, stop = context.WithCancel(ctx)
	defer stop()
	goRelay(relayCtx, t, other, 10*time.Millisecond, notes)
	waitFor(t, func() bool { return pending() == 0 })
	evs := collect(t, other, 43)
	seen := map[string]bool{}
	for _, ev := range evs {
		if seen[ev.GetId()] {
			t.Fatalf("%s delivered twice", ev.GetId())
		}
		seen[ev.GetId()] = true
	}
	if len(evs) != 43 || !seen["noted-b3"] {
		t.Fatalf("delivered %d events, want 43 ending with b3", len(evs))
	}
	if last, err := other.LastSequence(ctx); err != nil || last != 43 {
		t.Fatalf("the feed ends at %d (%v), want 43: a batch was placed twice", last, err)
	}
}
