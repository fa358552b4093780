package feed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	"github.com/opencrm/crm/pkg/dbtest"
)

// fakeClock is a clock that moves only when a test advances it.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

const testTTL = 9 * time.Second

func testConsumer(db *mongo.Database, holder string, clock Clock, apply func(ctx context.Context, evs []*feedv1.Event) error) *Consumer {
	c := NewConsumer(Consumer{DB: db, Log: slog.New(slog.DiscardHandler), LeaseTTL: testTTL, Holder: holder, Clock: clock,
		MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}, "source", nil, apply)
	c.defaults()
	return c
}

func events(from, to int64) []*feedv1.Event {
	var evs []*feedv1.Event
	for seq := from; seq <= to; seq++ {
		p, _ := anypb.New(wrapperspb.Int64(seq))
		evs = append(evs, &feedv1.Event{Id: fmt.Sprint("e", seq), Sequence: seq, Type: "google.protobuf.Int64Value", Payload: p, Time: timestamppb.Now()})
	}
	return evs
}

// Of replicas racing for a free lease exactly one takes it; the others
// are told to wait no longer than a third of the TTL.
func TestLeaseOneHolderAtATime(t *testing.T) {
	t.Parallel()
	db := dbtest.Database(t)
	clock := newFakeClock()
	ctx := context.Background()
	var held atomic.Int32
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			l := testConsumer(db, fmt.Sprint("r", i), clock, nil).lease()
			ok, wait, err := l.acquire(ctx)
			if err != nil {
				t.Error(err)
			}
			if ok {
				held.Add(1)
			} else if wait > testTTL/3 {
				t.Errorf("told to wait %v", wait)
			}
		})
	}
	wg.Wait()
	if held.Load() != 1 {
		t.Fatalf("%d replicas hold the lease", held.Load())
	}
}

// A holder that dies without giving the lease up is replaced once its
// lease has run out, not before; the new holder carries on from the
// cursor.
func TestKilledHolderIsReplaced(t *testing.T) {
	t.Parallel()
	db := dbtest.Database(t)
	clock := newFakeClock()
	ctx := context.Background()
	var applied []int64
	apply := func(_ context.Context, evs []*feedv1.Event) error {
		for _, ev := range evs {
			applied = append(applied, ev.GetSequence())
		}
		return nil
	}
	a, b := testConsumer(db, "a", clock, apply).lease(), testConsumer(db, "b", clock, apply)
	if ok, _, err := a.acquire(ctx); !ok || err != nil {
		t.Fatalf("a takes the free lease: %v %v", ok, err)
	}
	ca := testConsumer(db, "a", clock, apply)
	if err := ca.step(ctx, a, events(1, 3)); err != nil {
		t.Fatal(err)
	}
	// a dies here. Until its lease runs out, b waits.
	bl := b.lease()
	clock.Advance(testTTL - time.Second)
	if ok, wait, err := bl.acquire(ctx); ok || err != nil || wait <= 0 {
		t.Fatalf("b took a live lease: %v %v %v", ok, wait, err)
	}
	clock.Advance(time.Second)
	if ok, _, err := bl.acquire(ctx); !ok || err != nil {
		t.Fatalf("b did not take an expired lease: %v %v", ok, err)
	}
	if bl.doc.Seq != 3 || bl.doc.Epoch != 2 {
		t.Fatalf("b took over at %d, epoch %d; want cursor 3, epoch 2", bl.doc.Seq, bl.doc.Epoch)
	}
	if err := b.step(ctx, bl, events(4, 5)); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(applied) != "[1 2 3 4 5]" {
		t.Fatalf("applied %v", applied)
	}
}

// A holder that stalls past its expiry and wakes after another replica
// took over applies nothing and cannot store its cursor, even when its
// own clock is slow and it believes its lease still runs.
func TestStalledHolderNeitherAppliesNorStoresItsCursor(t *testing.T) {
	t.Parallel()
	db := dbtest.Database(t)
	ctx := context.Background()
	clockA, clockB := newFakeClock(), newFakeClock()
	var appliedBy []string
	applier := func(who string) func(context.Context, []*feedv1.Event) error {
		return func(context.Context, []*feedv1.Event) error {
			appliedBy = append(appliedBy, who)
			return nil
		}
	}
	ca, cb := testConsumer(db, "a", clockA, applier("a")), testConsumer(db, "b", clockB, applier("b"))
	la, lb := ca.lease(), cb.lease()
	if ok, _, err := la.acquire(ctx); !ok || err != nil {
		t.Fatal(ok, err)
	}
	// a stalls with a batch in hand; b's clock passes a's expiry.
	clockB.Advance(testTTL + time.Millisecond)
	if ok, _, err := lb.acquire(ctx); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := cb.step(ctx, lb, events(1, 2)); err != nil {
		t.Fatal(err)
	}

	// a wakes with its clock also past its expiry: it must renew first,
	// which fails.
	clockA.Advance(testTTL + time.Millisecond)
	if err := ca.step(ctx, la, events(1, 2)); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("stalled holder's step: %v, want ErrLeaseLost", err)
	}
	if fmt.Sprint(appliedBy) != "[b]" {
		t.Fatalf("applied by %v", appliedBy)
	}

	// A holder whose clock ran slow (it thinks its lease runs still) may
	// apply once more, idempotently, but its cursor write fails.
	slow := testConsumer(db, "c", newFakeClock(), applier("c"))
	lc := slow.lease()
	lc.doc, lc.held = la.doc, true // as a read just before b took over
	lc.holder, lc.doc.Holder = "a", "a"
	lc.doc.Expire = slow.Clock.Now().Add(testTTL)
	if err := slow.step(ctx, lc, events(3, 9)); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("slow holder's step: %v, want ErrLeaseLost", err)
	}
	if seq, err := cb.Cursor(ctx); err != nil || seq != 2 {
		t.Fatalf("cursor %d (%v), want b's 2", seq, err)
	}
	// b carries on.
	if err := cb.step(ctx, lb, events(3, 4)); err != nil {
		t.Fatal(err)
	}
}

// memSource is a feed held in memory: Watch sends what is after the
// cursor and then waits.
type memSource struct {
	mu  sync.Mutex
	evs []*feedv1.Event
}

type memStream struct {
	ctx context.Context
	evs []*feedv1.Event
}

func (s *memStream) Recv() (*feedv1.Event, error) {
	if len(s.evs) == 0 {
		<-s.ctx.Done()
		return nil, s.ctx.Err()
	}
	ev := s.evs[0]
	s.evs = s.evs[1:]
	return ev, nil
}

func (m *memSource) open(ctx context.Context, after int64) (Stream, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var evs []*feedv1.Event
	for _, ev := range m.evs {
		if ev.GetSequence() > after {
			evs = append(evs, ev)
		}
	}
	return &memStream{ctx: ctx, evs: evs}, nil
}

// Two running replicas: one applies at a time, every event once and in
// order; when the holder stops, the other takes over from its cursor.
func TestTwoReplicasApplyEachEventOnce(t *testing.T) {
	t.Parallel()
	db := dbtest.Database(t)
	clock := newFakeClock()
	src := &memSource{evs: events(1, 600)}
	var mu sync.Mutex
	var applied []int64
	var active atomic.Int32
	byWho := map[string]int{}
	apply := func(who string) func(context.Context, []*feedv1.Event) error {
		return func(_ context.Context, evs []*feedv1.Event) error {
			if active.Add(1) != 1 {
				t.Error("two replicas apply at once")
			}
			defer active.Add(-1)
			mu.Lock()
			defer mu.Unlock()
			for _, ev := range evs {
				applied = append(applied, ev.GetSequence())
				byWho[who]++
			}
			return nil
		}
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(applied) }
	run := func(who string) (*Consumer, context.CancelFunc, chan struct{}) {
		c := testConsumer(db, who, clock, apply(who))
		c.Open = src.open
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); c.Run(ctx) }()
		return c, cancel, done
	}
	a, stopA, doneA := run("a")
	b, stopB, doneB := run("b")
	defer func() { stopB(); <-doneB }()
	deadline := time.Now().Add(30 * time.Second)
	for count() < 600 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	holder, other := a, b
	stopHolder := stopA
	doneHolder := doneA
	if b.Position().Holding {
		holder, other, stopHolder, doneHolder = b, a, stopB, doneB
	}
	if !holder.Position().Holding || other.Position().Holding {
		t.Fatalf("holding: %v and %v", holder.Position().Holding, other.Position().Holding)
	}
	// New events, then the holder stops cleanly and gives the lease up.
	stopHolder()
	<-doneHolder
	src.mu.Lock()
	src.evs = append(src.evs, events(601, 700)...)
	src.mu.Unlock()
	for (count() < 700 || other.Position().Cursor < 700) && time.Now().Before(deadline) {
		clock.Advance(testTTL / 3)
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(applied) != 700 {
		t.Fatalf("applied %d events, want 700", len(applied))
	}
	for i, seq := range applied {
		if seq != int64(i+1) {
			t.Fatalf("event %d applied at position %d", seq, i)
		}
	}
	if other.Position().Cursor != 700 {
		t.Fatalf("the new holder's cursor: %d", other.Position().Cursor)
	}
}
