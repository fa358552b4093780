package feed_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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

// The tests here run several producers and several readers on one
// database, each with its own state, clock and injected faults; sharing
// the embedded database's one connection keeps every command atomic, as
// MongoDB keeps single-document writes. Delays are stalls at a step until
// the test releases them, with the stalled producer's clock moved on by
// ten times the longest wait in the code meanwhile; crashes are a Hook
// error, after which the producer instance is dropped and never used again.

// longestWait is ten times the longest wait any producer or consumer here
// is configured with (Poll, relay interval, lease time).
const longestWait = 10 * time.Second

var errCrash = errors.New("injected crash")

// clock is one producer's own clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// faults injects faults into one producer: a crash at a step, or a stall
// at a step that holds the producer until released.
type faults struct {
	mu      sync.Mutex
	crashAt feed.Step
	stallAt feed.Step
	stalled chan struct{} // closed when the stall begins
	release chan struct{}
}

func (f *faults) hook(_ context.Context, s feed.Step) error {
	f.mu.Lock()
	crash := f.crashAt == s
	stall := f.stallAt == s
	if stall {
		f.stallAt = "" // once
	}
	f.mu.Unlock()
	if crash {
		return errCrash
	}
	if stall {
		close(f.stalled)
		<-f.release
	}
	return nil
}

func (f *faults) crash(s feed.Step) { f.mu.Lock(); f.crashAt = s; f.mu.Unlock() }

func (f *faults) stall(s feed.Step) {
	f.mu.Lock()
	f.stallAt, f.stalled, f.release = s, make(chan struct{}), make(chan struct{})
	f.mu.Unlock()
}

type world struct {
	t     *testing.T
	db    *mongo.Database
	docs  *mongo.Collection
	notes *mongo.Collection

	mu        sync.Mutex
	committed map[string]bool // event ids whose change (outbox write) committed
}

func newWorld(t *testing.T) *world {
	t.Helper()
	db := dbtest.Database(t)
	if err := mongox.EnsureIndexes(context.Background(), db, feed.Indexes("docs")); err != nil {
		t.Fatal(err)
	}
	return &world{t: t, db: db, docs: db.Collection("docs"), notes: db.Collection("notes"), committed: map[string]bool{}}
}

// producer is a new producer instance with its own clock and faults.
func (w *world) producer() (*feed.Producer, *clock, *faults) {
	p := feed.NewProducer(w.db)
	p.AddRecords(feed.Records{Collection: w.notes, Event: noteEvent})
	p.Poll = 20 * time.Millisecond
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f := &faults{}
	p.Now, p.Hook = c.Now, f.hook
	return p, c, f
}

// change commits an outbox event with a document change, then flushes it
// through p; the flush's error (an injected fault) is returned, the
// change stays committed.
func (w *world) change(p *feed.Producer, doc, value string) error {
	ctx := context.Background()
	ev, err := feed.NewPending(ctx, "docs/"+doc, wrapperspb.String(value), time.Now())
	if err != nil {
		return err
	}
	_, err = w.docs.UpdateOne(ctx, bson.D{{Key: "_id", Value: doc}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "value", Value: value}}},
			{Key: "$push", Value: bson.D{{Key: feed.OutboxField, Value: bson.D{{Key: "$each", Value: bson.A{ev}}}}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		w.t.Fatal(err)
	}
	w.mu.Lock()
	w.committed[ev.ID] = true
	w.mu.Unlock()
	return p.Flush(ctx, w.docs, doc)
}

// notes inserts records through p and returns p's error.
func (w *world) insert(p *feed.Producer, ids ...string) error {
	docs := make([]bson.Raw, len(ids))
	for i, id := range ids {
		var err error
		if docs[i], err = bson.Marshal(bson.D{{Key: "_id", Value: id}, {Key: "text", Value: "note " + id}}); err != nil {
			w.t.Fatal(err)
		}
	}
	return p.InsertRecords(context.Background(), w.notes, docs)
}

// want is every committed event: the outbox events whose change
// committed, and the records that are stored.
func (w *world) want() map[string]bool {
	ids, err := mongox.IDs(context.Background(), w.notes, bson.D{}, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]bool, len(w.committed)+len(ids))
	for id := range w.committed {
		out[id] = true
	}
	for _, id := range ids {
		out["noted-"+id] = true
	}
	return out
}

// reader is one consumer of the feed with its own cursor and effects: an
// effect is a document keyed by the event id, so a second delivery is
// seen, and the order it applied events in.
type reader struct {
	name  string
	w     *world
	serve *feed.Producer // the replica it watches through

	mu      sync.Mutex
	order   []string
	lastSeq int64
	// killAfter, when above 0, kills the running consumer in the middle of
	// a batch: its Apply of that many-th event fails as its context ends.
	killAfter int
	kill      context.CancelFunc
	killed    bool // a consumer instance was killed
}

func (r *reader) apply(ctx context.Context, ev *feedv1.Event) error {
	r.mu.Lock()
	if r.killAfter > 0 && len(r.order) == r.killAfter {
		r.killAfter, r.killed = 0, true
		r.kill()
		r.mu.Unlock()
		return ctx.Err()
	}
	r.mu.Unlock()
	if _, err := r.w.db.Collection("effects_"+r.name).InsertOne(ctx, bson.D{{Key: "_id", Value: ev.GetId()}}); err != nil {
		if !mongox.IsDuplicateKey(err) {
			return err
		}
		// The cursor is stored after each batch: a consumer killed in the
		// middle of one gets that batch again, and its effects, keyed by
		// the event as the services' are, see it applied already. Without
		// a kill, a second delivery is the feed's fault.
		r.mu.Lock()
		killed := r.killed
		r.mu.Unlock()
		if !killed {
			r.w.t.Errorf("%s: event %s (%d) delivered twice without a crash", r.name, ev.GetId(), ev.GetSequence())
		}
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if ev.GetSequence() <= r.lastSeq {
		r.w.t.Errorf("%s: sequence %d after %d", r.name, ev.GetSequence(), r.lastSeq)
	}
	r.lastSeq = ev.GetSequence()
	r.order = append(r.order, ev.GetId())
	return nil
}

// run runs consumer instances until ctx ends, starting a new one when one
// is killed.
func (r *reader) run(ctx context.Context) {
	for ctx.Err() == nil {
		cctx, cancel := context.WithCancel(ctx)
		r.mu.Lock()
		r.kill = cancel
		r.mu.Unlock()
		c := &feed.Consumer{Name: r.name, DB: r.w.db, Open: opener(r.serve), Apply: r.apply,
			Log: slog.New(slog.DiscardHandler), MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}
		c.Run(cctx)
		cancel()
	}
}

func (r *reader) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.order)
}

func (r *reader) has(ids ...string) bool {
	seen := r.seen()
	for _, id := range ids {
		if !slices.Contains(seen, id) {
			return false
		}
	}
	return true
}

// eventually polls cond until it holds, or fails the test after a minute.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestEveryCommittedEventOnceInOneOrderUnderFaults runs two writing
// producers (and short-lived ones that crash), a relaying replica, and
// two readers, one of them killed in the middle of a batch, through
// stalls and crashes at every step of publishing. Every committed event is
// applied once by each reader, both in one order, and nothing that was
// never committed is delivered.
func TestEveryCommittedEventOnceInOneOrderUnderFaults(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()

	p1, clock1, f1 := w.producer()
	p2, clock2, f2 := w.producer()
	s1, _, _ := w.producer()
	s2, _, _ := w.producer()
	r1 := &reader{name: "r1", w: w, serve: s1, killAfter: 7}
	r2 := &reader{name: "r2", w: w, serve: s2}
	var wg sync.WaitGroup
	for _, r := range []*reader{r1, r2} {
		wg.Go(func() { r.run(ctx) })
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// Both writers at once, outbox events and record batches.
	var writers sync.WaitGroup
	for n, p := range []*feed.Producer{p1, p2} {
		writers.Go(func() {
			for i := range 10 {
				if err := w.change(p, fmt.Sprint("d", n), fmt.Sprint(n, "-", i)); err != nil {
					t.Error(err)
				}
				if err := w.insert(p, fmt.Sprintf("w%d-%d-a", n, i), fmt.Sprintf("w%d-%d-b", n, i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	writers.Wait()

	// A record batch stalls after its records are committed, before they
	// have a place, for ten times any wait: the other writer's later events
	// are placed and read meanwhile, and the stalled ones after.
	f1.stall(feed.StepCommitted)
	late := make(chan error, 1)
	go func() { late <- w.insert(p1, "late-a", "late-b") }()
	<-f1.stalled
	clock1.Advance(longestWait)
	must(w.insert(p2, "after-late"))
	must(w.change(p2, "d1", "after-late"))
	eventually(t, "events placed after a stalled batch to be read", func() bool {
		return r1.has("noted-after-late") && r2.has("noted-after-late")
	})
	close(f1.release)
	must(<-late)

	// A writer stalls between reading where the feed ends and inserting
	// there (its "allocation"), while the other takes that place.
	f2.stall(feed.StepPlace)
	raced := make(chan error, 1)
	go func() { raced <- w.change(p2, "d1", "raced") }()
	<-f2.stalled
	clock2.Advance(longestWait)
	must(w.insert(p1, "took-the-place"))
	must(w.change(p1, "d0", "took-the-place"))
	close(f2.release)
	must(<-raced)

	// Crashes at every step, each of a producer instance that is then
	// dropped; a relaying replica finishes what they left.
	for _, step := range []feed.Step{feed.StepIntent, feed.StepCommitted, feed.StepPlace, feed.StepPlaced} {
		p, _, f := w.producer()
		f.crash(step)
		if err := w.insert(p, "crash-"+string(step)+"-a", "crash-"+string(step)+"-b"); !errors.Is(err, errCrash) {
			t.Fatalf("records, crash at %s: %v", step, err)
		}
		if step == feed.StepPlace || step == feed.StepPlaced {
			if err := w.change(p, "d2", "crash-"+string(step)); !errors.Is(err, errCrash) {
				t.Fatalf("outbox, crash at %s: %v", step, err)
			}
		}
	}
	// A batch that was never committed: its writer crashed between
	// storing the intent and inserting the records, and a stalled writer
	// whose intent a relay reads before its records commit.
	stalled, _, fs := w.producer()
	fs.stall(feed.StepIntent)
	afterRelay := make(chan error, 1)
	go func() { afterRelay <- w.insert(stalled, "slow-a", "slow-b") }()
	<-fs.stalled

	relay, _, _ := w.producer()
	relay.ScanOnlyAtStart = false
	goRelay(ctx, t, relay, 10*time.Millisecond, w.docs)
	eventually(t, "the relay to place what the crashes left", func() bool {
		return r2.has("noted-crash-committed-a", "noted-crash-place-b", "noted-crash-placed-a")
	})
	// The stalled writer's records commit now, after relays looked at its
	// intent and found nothing; then it crashes before placing them.
	fs.crash(feed.StepCommitted)
	close(fs.release)
	if err := <-afterRelay; !errors.Is(err, errCrash) {
		t.Fatalf("stalled writer: %v", err)
	}

	want := w.want()
	for _, id := range []string{"noted-crash-intent-a", "noted-crash-intent-b"} {
		if want[id] {
			t.Fatalf("%s was committed", id)
		}
	}
	for _, r := range []*reader{r1, r2} {
		eventually(t, r.name+" to apply every committed event", func() bool { return len(r.seen()) >= len(want) })
	}
	// Nothing more arrives: let both readers and the relay go on a while.
	must(w.change(p1, "d0", "last"))
	want = w.want()
	for _, r := range []*reader{r1, r2} {
		eventually(t, r.name+" to apply the last event", func() bool { return len(r.seen()) >= len(want) })
	}
	stop()
	wg.Wait()

	o1, o2 := r1.seen(), r2.seen()
	if !slices.Equal(o1, o2) {
		t.Fatalf("readers disagree on the order:\n%v\n%v", o1, o2)
	}
	got := map[string]bool{}
	for _, id := range o1 {
		if got[id] {
			t.Fatalf("%s delivered twice", id)
		}
		got[id] = true
		if !want[id] {
			t.Errorf("%s delivered, never committed", id)
		}
	}
	for id := range want {
		if !got[id] {
			t.Errorf("%s committed, never delivered", id)
		}
	}
	if len(o1) < 60 {
		t.Fatalf("only %d events: the scenario did not run", len(o1))
	}
}

// TestRelayLeaseHolderStallsPastItsExpiry: the relay that holds the
// lease stalls in the middle of placing a crashed writer's records, past
// the lease's expiry by ten times any wait; another replica takes the
// lease and places them; the first wakes and goes on. Each record is
// delivered once.
func TestRelayLeaseHolderStallsPastItsExpiry(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()

	crashed, _, fc := w.producer()
	fc.crash(feed.StepCommitted)
	if err := w.insert(crashed, "a", "b", "c"); !errors.Is(err, errCrash) {
		t.Fatal(err)
	}
	first, clock1, f1 := w.producer()
	f1.stall(feed.StepPlace)
	goRelay(ctx, t, first, 10*time.Millisecond)
	<-f1.stalled // holding the lease, about to place a, b, c

	second, clock2, _ := w.producer()
	clock2.Advance(longestWait) // the first's lease has expired by the second's clock
	goRelay(ctx, t, second, 10*time.Millisecond)
	r := &reader{name: "r", w: w, serve: second}
	go r.run(ctx)
	eventually(t, "the second relay to place the records", func() bool { return r.has("noted-a", "noted-b", "noted-c") })

	clock1.Advance(longestWait)
	close(f1.release) // the first wakes, still thinking it holds the lease
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.insert(second, "d"))
	eventually(t, "a later record", func() bool { return r.has("noted-d") })
	eventually(t, "the intent to be cleared", func() bool {
		n, err := w.db.Collection("feed_pending").CountDocuments(ctx, bson.D{})
		return err == nil && n == 0
	})
	stop()
	if got := r.seen(); !slices.Equal(got, []string{"noted-a", "noted-b", "noted-c", "noted-d"}) {
		t.Fatalf("delivered %v", got)
	}
}
