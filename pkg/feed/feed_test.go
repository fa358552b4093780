package feed_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/types/known/wrapperspb"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// localStream adapts Producer.Watch to the consumer's Stream, as the gRPC
// Watch handler does.
type localStream struct{ ch chan *feedv1.Event }

func (s localStream) Recv() (*feedv1.Event, error) {
	ev, ok := <-s.ch
	if !ok {
		return nil, io.EOF
	}
	return ev, nil
}

func opener(p *feed.Producer) func(ctx context.Context, after int64) (feed.Stream, error) {
	return func(ctx context.Context, after int64) (feed.Stream, error) {
		ch := make(chan *feedv1.Event)
		go func() {
			defer close(ch)
			_ = p.Watch(ctx, after, func(ev *feedv1.Event) error {
				select {
				case ch <- ev:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
		}()
		return localStream{ch}, nil
	}
}

// write changes a document and queues its event in the same update, as a
// service store does, then flushes.
func write(ctx context.Context, t *testing.T, p *feed.Producer, coll *mongo.Collection, doc string, value string) {
	t.Helper()
	ev, err := feed.NewPending(ctx, "docs/"+doc, wrapperspb.String(value), time.Now())
	if err != nil {
		t.Error(err)
		return
	}
	_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: doc}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "value", Value: value}}},
			{Key: "$push", Value: bson.D{{Key: feed.OutboxField, Value: bson.D{{Key: "$each", Value: bson.A{ev}}}}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		t.Error(err)
		return
	}
	if err := p.Flush(ctx, coll, doc); err != nil {
		t.Error(err)
	}
}

func setup(t *testing.T) (*mongo.Database, *feed.Producer, *mongo.Collection) {
	t.Helper()
	db := dbtest.Database(t)
	ctx := context.Background()
	if err := mongox.EnsureIndexes(ctx, db, feed.Indexes("docs")); err != nil {
		t.Fatal(err)
	}
	return db, feed.NewProducer(db), db.Collection("docs")
}

func TestConcurrentWritersAndConsumerRestart(t *testing.T) {
	t.Parallel()
	db, p, docs := setup(t)
	ctx := context.Background()
	const writers, perWriter = 6, 20
	total := writers * perWriter

	var mu sync.Mutex
	var seen []string
	var lastSeq int64
	var again []int64
	recorded := map[string]bool{}
	applied := db.Collection("applied")
	apply := func(ctx context.Context, ev *feedv1.Event) error {
		// The effect is keyed by event id: a second apply is a duplicate
		// key, allowed only for what the first consumer applied after its
		// last stored cursor (its stop cut a batch, which fails with its
		// context, sometimes after the insert went through).
		_, err := applied.InsertOne(ctx, bson.D{{Key: "_id", Value: ev.GetId()}})
		dup := mongox.IsDuplicateKey(err)
		if err != nil && !dup {
			return err
		}
		var v wrapperspb.StringValue
		if err := ev.GetPayload().UnmarshalTo(&v); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if dup {
			again = append(again, ev.GetSequence())
		}
		if recorded[ev.GetId()] {
			return nil
		}
		recorded[ev.GetId()] = true
		if ev.GetSequence() <= lastSeq {
			t.Errorf("sequence %d after %d", ev.GetSequence(), lastSeq)
		}
		lastSeq = ev.GetSequence()
		seen = append(seen, v.GetValue())
		return nil
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(seen) }
	newConsumer := func() *feed.Consumer {
		return &feed.Consumer{Name: "docs", DB: db, Open: opener(p), Apply: apply,
			Log: slog.New(slog.DiscardHandler), MinBackoff: 10 * time.Millisecond}
	}

	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				write(ctx, t, p, docs, fmt.Sprintf("w%d", w), fmt.Sprintf("w%d-%03d", w, i))
			}
		})
	}

	// First consumer: stopped mid-stream.
	c1ctx, stop1 := context.WithCancel(ctx)
	done1 := make(chan struct{})
	go func() { defer close(done1); newConsumer().Run(c1ctx) }()
	waitFor(t, func() bool { return count() >= total/3 })
	stop1()
	<-done1
	stored, err := newConsumer().Cursor(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Second consumer resumes from the stored cursor.
	c2ctx, stop2 := context.WithCancel(ctx)
	done2 := make(chan struct{})
	go func() { defer close(done2); newConsumer().Run(c2ctx) }()
	wg.Wait()
	waitFor(t, func() bool { return count() >= total })
	time.Sleep(300 * time.Millisecond) // nothing more may arrive
	stop2()
	<-done2

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != total {
		t.Fatalf("applied %d events, want %d", len(seen), total)
	}
	for _, seq := range again {
		if seq <= stored {
			t.Fatalf("event %d applied again, at or before the stored cursor %d", seq, stored)
		}
	}
	next := map[string]int{}
	for _, v := range seen {
		var w string
		var i int
		if _, err := fmt.Sscanf(v, "%2s-%03d", &w, &i); err != nil {
			t.Fatal(err)
		}
		if i != next[w] {
			t.Fatalf("writer %s: got event %d, want %d (order or loss)", w, i, next[w])
		}
		next[w]++
	}
	n, err := docs.CountDocuments(ctx, bson.D{{Key: feed.OutboxField + ".id", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil || n != 0 {
		t.Fatalf("outboxes left: %d, %v", n, err)
	}
}

// goRelay runs p.Relay until ctx ends; the test's clean-up waits for it to
// return, so that its last writes (the tidy, giving up the lease) reach
// the database before the test's client disconnects.
func goRelay(ctx context.Context, t *testing.T, p *feed.Producer, interval time.Duration, sources ...*mongo.Collection) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Relay(ctx, interval, func(err error) { t.Log(err) }, sources...)
	}()
	t.Cleanup(func() { <-done })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFlushTwiceDoesNotDuplicateAndRedactRemovesPayload(t *testing.T) {
	t.Parallel()
	db, p, docs := setup(t)
	ctx := context.Background()
	write(ctx, t, p, docs, "a", "first")
	// Simulate a crash after publishing but before clearing the outbox:
	// the event goes back into the outbox and is flushed again.
	var ev feed.Pending
	raw, err := db.Collection(feed.EventsCollection).FindOne(ctx, bson.D{}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	ev.ID = strings.TrimPrefix(raw.Lookup("batch").StringValue(), "e/")
	ev.Type, ev.Subject = "google.protobuf.StringValue", "docs/a"
	_, _ = docs.UpdateOne(ctx, bson.D{{Key: "_id", Value: "a"}}, bson.D{{Key: "$push", Value: bson.D{{Key: feed.OutboxField, Value: bson.D{{Key: "$each", Value: bson.A{ev}}}}}}})
	if err := p.Flush(ctx, docs, "a"); err != nil {
		t.Fatal(err)
	}
	var evs []*feedv1.Event
	wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	_ = p.Watch(wctx, 0, func(e *feedv1.Event) error { evs = append(evs, e); return nil })
	if len(evs) != 1 {
		t.Fatalf("delivered %d events, want 1", len(evs))
	}
	if err := p.Redact(ctx, "docs/a"); err != nil {
		t.Fatal(err)
	}
	evs = nil
	wctx2, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	_ = p.Watch(wctx2, 0, func(e *feedv1.Event) error { evs = append(evs, e); return nil })
	if len(evs) != 1 || !evs[0].GetRedacted() || evs[0].GetPayload() != nil {
		t.Fatalf("after redaction: %v", evs)
	}
}

func TestAppendPublishesABlockOnce(t *testing.T) {
	t.Parallel()
	_, p, _ := setup(t)
	ctx := context.Background()
	var evs []feed.Pending
	for n := range 3 {
		ev, err := feed.NewPending(ctx, fmt.Sprint("docs/", n), wrapperspb.String(fmt.Sprint(n)), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ev.ID = fmt.Sprint("logged-", n) // derived from the record, as append-only records do
		evs = append(evs, ev)
	}
	for range 2 { // the second time is a replay: nothing new is delivered
		if err := p.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	_ = p.Watch(wctx, 0, func(e *feedv1.Event) error {
		var v wrapperspb.StringValue
		_ = e.GetPayload().UnmarshalTo(&v)
		got = append(got, v.GetValue())
		return nil
	})
	if fmt.Sprint(got) != "[0 1 2]" {
		t.Fatalf("delivered %v", got)
	}
}

// Concurrent Append calls publish every event once, in one dense run of
// sequence numbers, each readable at once.
func TestConcurrentAppendsCommitEveryEventOnce(t *testing.T) {
	t.Parallel()
	_, p, _ := setup(t)
	ctx := context.Background()
	const writers, perWriter = 8, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				ev, err := feed.NewPending(ctx, "docs/x", wrapperspb.String(fmt.Sprintf("w%d-%d", w, i)), time.Now())
				if err != nil {
					t.Error(err)
					return
				}
				ev.ID = fmt.Sprintf("w%d-%d", w, i)
				if err := p.Append(ctx, ev); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	var last int64
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := p.Watch(wctx, 0, func(ev *feedv1.Event) error {
		if seen[ev.GetId()] {
			t.Errorf("event %s twice", ev.GetId())
		}
		seen[ev.GetId()] = true
		if ev.GetSequence() != last+1 {
			t.Errorf("sequence %d after %d: a gap", ev.GetSequence(), last)
		}
		last = ev.GetSequence()
		if len(seen) == writers*perWriter {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != writers*perWriter {
		t.Fatalf("read %d events, want %d", len(seen), writers*perWriter)
	}
}

// A flush that failed is retried by the relay of the same process, also
// when the relay reads whole collections only at start.
func TestRelayRetriesAFailedFlush(t *testing.T) {
	t.Parallel()
	db, p, docs := setup(t)
	p.ScanOnlyAtStart = true
	ctx := t.Context()
	goRelay(ctx, t, p, 20*time.Millisecond, docs)
	time.Sleep(100 * time.Millisecond) // past the relay's first scan

	ev, err := feed.NewPending(ctx, "docs/late", wrapperspb.String("late"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := docs.InsertOne(ctx, bson.D{{Key: "_id", Value: "late"}, {Key: feed.OutboxField, Value: bson.A{ev}}}); err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.Flush(gone, docs, "late"); err == nil {
		t.Fatal("flush with a cancelled context succeeded")
	}
	waitFor(t, func() bool {
		n, err := db.Collection(feed.EventsCollection).CountDocuments(ctx, bson.D{{Key: "batch", Value: "e/" + ev.ID}})
		return err == nil && n == 1
	})
}

// A relay told that the previous process stopped clean (Scanned) does not
// read its sources at start; it still reads the record batches' intents,
// and a relay not told so reads both.
func TestRelaySkipsItsStartScanAfterACleanStop(t *testing.T) {
	t.Parallel()
	for _, clean := range []bool{true, false} {
		db, cmds := dbtest.Counted(t)
		if err := mongox.EnsureIndexes(t.Context(), db, feed.Indexes("docs")); err != nil {
			t.Fatal(err)
		}
		p := feed.NewProducer(db)
		p.ScanOnlyAtStart = true
		if clean {
			p.Scanned()
		}
		cmds.Reset()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.Relay(ctx, time.Hour, func(err error) { t.Error(err) }, db.Collection("docs"))
		}()
		// The intents are read last in the start round.
		waitFor(t, func() bool { return len(cmds.Docs("feed_pending.find")) > 0 })
		cancel()
		<-done
		if n := len(cmds.Docs("docs.find")); (n == 0) != clean {
			t.Errorf("clean stop %v: the start read the source %d times", clean, n)
		}
	}
}

// A relay that reads whole collections only at start, started while
// another process's relay holds the lease, reads them once that relay
// stops and gives the lease up.
func TestRelayScansOnceTheLeaseIsGivenUp(t *testing.T) {
	t.Parallel()
	db, first, docs := setup(t)
	ctx := t.Context()
	firstCtx, stopFirst := context.WithCancel(ctx)
	firstDone := make(chan struct{})
	go func() {
		defer close(firstDone)
		first.Relay(firstCtx, time.Hour, func(err error) { t.Error(err) }, docs)
	}()
	waitFor(t, func() bool {
		n, err := db.Collection("feed_state").CountDocuments(ctx, bson.D{{Key: "_id", Value: "relay"}})
		return err == nil && n == 1
	})
	ev, err := feed.NewPending(ctx, "docs/left", wrapperspb.String("left"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := docs.InsertOne(ctx, bson.D{{Key: "_id", Value: "left"}, {Key: feed.OutboxField, Value: bson.A{ev}}}); err != nil {
		t.Fatal(err)
	}
	second := feed.NewProducer(db)
	second.ScanOnlyAtStart = true
	goRelay(ctx, t, second, 20*time.Millisecond, docs)
	stopFirst()
	<-firstDone
	waitFor(t, func() bool {
		n, err := db.Collection(feed.EventsCollection).CountDocuments(ctx, bson.D{{Key: "batch", Value: "e/" + ev.ID}})
		return err == nil && n == 1
	})
}

// FlushWritten's events, written to a document's outbox, whose publishing
// failed are published by the relay of the same process, which reads no
// collection (a start after a clean stop).
func TestFlushWrittenLeavesAFailedPublishToTheRelay(t *testing.T) {
	t.Parallel()
	db, p, docs := setup(t)
	p.ScanOnlyAtStart = true
	p.Scanned()
	ctx := t.Context()
	ev, err := feed.NewPending(ctx, "docs/w", wrapperspb.String("w"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := docs.InsertOne(ctx, bson.D{{Key: "_id", Value: "w"}, {Key: feed.OutboxField, Value: bson.A{ev}}}); err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.FlushWritten(gone, docs, bson.D{{Key: "_id", Value: "w"}}, []feed.Pending{ev}, nil); err == nil {
		t.Fatal("FlushWritten with a cancelled context succeeded")
	}
	goRelay(ctx, t, p, 20*time.Millisecond, docs)
	waitFor(t, func() bool {
		n, err := db.Collection(feed.EventsCollection).CountDocuments(ctx, bson.D{{Key: "batch", Value: "e/" + ev.ID}})
		return err == nil && n == 1
	})
}
