package feed

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mathrand "math/rand/v2"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	"github.com/opencrm/crm/pkg/telemetry"
)

// CursorsCollection holds a consumer service's cursors and leases, one
// document per feed.
const CursorsCollection = "feed_cursors"

// Stream is an open Watch call.
type Stream interface {
	Recv() (*feedv1.Event, error)
}

// Consumer applies another service's feed to this service's data. Any
// number of replicas may run one: a lease (lease.go) lets one of them apply
// the feed at a time, and its cursor only moves while it holds the lease.
// Effects must be idempotent by event id: an event may be applied again
// after a crash between applying it and storing the cursor, or by a holder
// that stalled past its lease before it noticed.
type Consumer struct {
	// Name identifies the feed, for example "customer".
	Name string
	// DB is the consumer's own database, where its cursor and lease are
	// kept.
	DB *mongo.Database
	// Open starts a Watch after the given sequence.
	Open func(ctx context.Context, after int64) (Stream, error)
	// ApplyBatch applies a batch of events in order (see Batches). The
	// cursor is stored after the whole batch.
	ApplyBatch func(ctx context.Context, evs []*feedv1.Event) error
	// Apply applies one event; used when ApplyBatch is nil.
	Apply func(ctx context.Context, ev *feedv1.Event) error
	// Log receives reconnects and failures.
	Log *slog.Logger
	// Tracer continues the producer's trace for each applied batch.
	Tracer trace.Tracer
	// Meter, when set, records the cursor and the lag behind the source.
	Meter metric.Meter
	// MinBackoff and MaxBackoff bound the wait between reconnects.
	MinBackoff, MaxBackoff time.Duration
	// BatchSize bounds a batch (default 256): a batch holds the events
	// already received when the first one arrives, up to this many.
	BatchSize int
	// LeaseTTL is how long the lease lasts without renewal (default
	// DefaultLeaseTTL); see lease.go for the hand-over bound it gives.
	LeaseTTL time.Duration
	// Holder names this instance in the lease (default: random).
	Holder string
	// Clock measures the lease (default: the system clock).
	Clock Clock

	// pos is where the consumer stands, shared with Position callers.
	pos *tracker
}

type tracker struct {
	mu sync.Mutex
	p  Position
}

// NewConsumer returns a consumer of the named feed with base's settings,
// opening its stream with open and applying batches with apply.
func NewConsumer(base Consumer, name string, open func(ctx context.Context, after int64) (Stream, error), apply func(ctx context.Context, evs []*feedv1.Event) error) *Consumer {
	c := base
	c.Name, c.Open, c.ApplyBatch, c.Apply = name, open, apply, nil
	c.pos = &tracker{}
	return &c
}

// Position is where a consumer stands on its feed.
type Position struct {
	// Cursor is the sequence of the last event applied.
	Cursor int64
	// Head is the highest sequence received from the source.
	Head int64
	// Lag is the age of the oldest event received and not yet applied;
	// zero when caught up.
	Lag time.Duration
	// Holding says whether this instance holds the feed's lease.
	Holding bool
}

// Position returns where the consumer stands, as this instance knows it.
func (c *Consumer) Position() Position {
	if c.pos == nil {
		return Position{}
	}
	c.pos.mu.Lock()
	defer c.pos.mu.Unlock()
	return c.pos.p
}

func (c *Consumer) setStatus(f func(*Position)) {
	c.pos.mu.Lock()
	f(&c.pos.p)
	c.pos.mu.Unlock()
}

// Cursor returns the sequence of the last event applied, as stored.
func (c *Consumer) Cursor(ctx context.Context) (int64, error) {
	l := &lease{coll: c.DB.Collection(CursorsCollection), name: c.Name}
	d, _, err := l.read(ctx)
	return d.Seq, err
}

// BehindEvents is the events a consumer has received and not applied yet.
func (p Position) BehindEvents() int64 { return max(p.Head-p.Cursor, 0) }

func (c *Consumer) defaults() {
	if c.MinBackoff <= 0 {
		c.MinBackoff = 100 * time.Millisecond
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = 30 * time.Second
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 256
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	if c.Holder == "" {
		c.Holder = rand.Text()[:12]
	}
	if c.Clock == nil {
		c.Clock = systemClock{}
	}
	if c.pos == nil {
		c.pos = &tracker{}
	}
	if c.ApplyBatch == nil && c.Apply != nil {
		apply := c.Apply
		c.ApplyBatch = func(ctx context.Context, evs []*feedv1.Event) error {
			for _, ev := range evs {
				if err := apply(ctx, ev); err != nil {
					return err
				}
			}
			return nil
		}
	}
}

// Run consumes until ctx ends: it waits for the lease, applies the feed
// while it holds it, and reconnects with jittered exponential backoff
// after any failure. On return it gives the lease up, so that another
// replica takes over at once.
func (c *Consumer) Run(ctx context.Context) {
	c.defaults()
	if c.Meter != nil {
		if reg, err := c.observe(); err == nil {
			defer func() { _ = reg.Unregister() }()
		} else {
			c.Log.WarnContext(ctx, "feed consumer metrics", "feed", c.Name, "error", err)
		}
	}
	l := c.lease()
	backoff := c.MinBackoff
	for ctx.Err() == nil {
		held, wait, err := l.acquire(ctx)
		if err != nil {
			c.Log.WarnContext(ctx, "feed consumer lease", "feed", c.Name, "error", err)
			wait = backoff
		}
		if !held {
			c.setStatus(func(p *Position) { p.Holding = false })
			if !c.sleep(ctx, wait) {
				return
			}
			continue
		}
		c.setStatus(func(p *Position) { p.Holding, p.Cursor = true, l.doc.Seq })
		progressed, err := c.session(ctx, l)
		c.setStatus(func(p *Position) { p.Holding = false })
		if ctx.Err() != nil {
			l.release(context.WithoutCancel(ctx))
			return
		}
		if errors.Is(err, ErrLeaseLost) {
			c.Log.InfoContext(ctx, "feed consumer lost its lease", "feed", c.Name, "holder", c.Holder)
			continue
		}
		if progressed {
			backoff = c.MinBackoff
		}
		c.Log.WarnContext(ctx, "feed consumer reconnecting", "feed", c.Name, "error", err, "backoff", backoff)
		if !c.sleep(ctx, backoff/2+mathrand.N(backoff/2+1)) { //nolint:gosec // jitter, not a secret
			l.release(context.WithoutCancel(ctx))
			return
		}
		backoff = min(backoff*2, c.MaxBackoff)
	}
}

func (c *Consumer) sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-c.Clock.After(d):
		return true
	}
}

// received is what the stream reader hands over.
type received struct {
	ev  *feedv1.Event
	err error
}

// session runs one Watch call while the lease is held; it reports whether
// any batch was applied.
func (c *Consumer) session(ctx context.Context, l *lease) (bool, error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.Open(sctx, l.doc.Seq)
	if err != nil {
		return false, fmt.Errorf("open %s feed: %w", c.Name, err)
	}
	ch := make(chan received, c.BatchSize)
	go func() {
		for {
			ev, err := stream.Recv()
			select {
			case ch <- received{ev, err}:
			case <-sctx.Done():
				return
			}
			if err != nil {
				return
			}
			c.setStatus(func(p *Position) {
				p.Head = max(p.Head, ev.GetSequence())
			})
		}
	}()
	progressed := false
	var pendingErr error
	for {
		renew := c.Clock.After(l.renewIn())
		var first received
		select {
		case <-ctx.Done():
			return progressed, ctx.Err()
		case <-renew:
			if err := l.renew(ctx); err != nil {
				return progressed, err
			}
			continue
		case first = <-ch:
		}
		batch := make([]*feedv1.Event, 0, c.BatchSize)
		r := first
		for {
			if r.err != nil {
				pendingErr = r.err
				break
			}
			if r.ev.GetSequence() > l.doc.Seq { // else a replay of what is applied already
				batch = append(batch, r.ev)
			}
			if len(batch) == c.BatchSize {
				break
			}
			var more bool
			select {
			case r, more = <-ch:
			default:
			}
			if !more {
				break
			}
		}
		if len(batch) > 0 {
			if err := c.step(ctx, l, batch); err != nil {
				return progressed, err
			}
			progressed = true
		}
		if pendingErr != nil {
			if errors.Is(pendingErr, io.EOF) {
				return progressed, errors.New("feed ended")
			}
			return progressed, fmt.Errorf("receive %s event: %w", c.Name, pendingErr)
		}
	}
}

// step applies one batch under the lease and stores the cursor after it.
// A holder that cannot confirm its lease applies nothing; one that lost it
// while applying cannot store the cursor (the write is conditional on its
// epoch), so the batch is applied again by the new holder, idempotently.
func (c *Consumer) step(ctx context.Context, l *lease, batch []*feedv1.Event) error {
	if err := l.confirm(ctx); err != nil {
		return err
	}
	last := batch[len(batch)-1]
	c.setStatus(func(p *Position) {
		p.Head = max(p.Head, last.GetSequence())
		p.Lag = max(c.Clock.Now().Sub(batch[0].GetTime().AsTime()), 0)
	})
	if err := c.apply(ctx, batch); err != nil {
		return err
	}
	// Store even when shutdown cancelled ctx just after the apply, so the
	// batch is not applied again.
	if err := l.advance(context.WithoutCancel(ctx), last.GetSequence()); err != nil {
		return err
	}
	c.setStatus(func(p *Position) {
		p.Cursor = last.GetSequence()
		if p.Head <= p.Cursor {
			p.Lag = 0
		}
	})
	return nil
}

func (c *Consumer) apply(ctx context.Context, batch []*feedv1.Event) error {
	if c.Tracer != nil {
		var span trace.Span
		attrs := trace.WithAttributes(attribute.String("crm.feed", c.Name), attribute.Int("crm.feed.batch", len(batch)),
			attribute.Int64("crm.feed.sequence", batch[len(batch)-1].GetSequence()))
		if len(batch) == 1 {
			// One event: its consumption belongs to the producer's trace.
			ev := batch[0]
			ctx = telemetry.Propagator.Extract(ctx, propagation.MapCarrier(ev.GetTraceContext()))
			ctx, span = c.Tracer.Start(ctx, "apply "+ev.GetType(), trace.WithSpanKind(trace.SpanKindConsumer), attrs,
				trace.WithAttributes(attribute.String("crm.feed.event_id", ev.GetId())))
		} else {
			// Many: a trace of its own, linked to each event's.
			links := make([]trace.Link, 0, len(batch))
			for _, ev := range batch {
				// From an empty context, so that an event without one links to nothing.
				sc := trace.SpanContextFromContext(telemetry.Propagator.Extract(context.Background(), propagation.MapCarrier(ev.GetTraceContext()))) //nolint:contextcheck // only the event's span context is read
				if sc.IsValid() {
					links = append(links, trace.Link{SpanContext: sc})
				}
			}
			ctx, span = c.Tracer.Start(ctx, fmt.Sprintf("apply %s batch", c.Name), trace.WithSpanKind(trace.SpanKindConsumer), attrs,
				trace.WithLinks(links...), trace.WithNewRoot())
		}
		defer span.End()
	}
	if err := c.ApplyBatch(ctx, batch); err != nil {
		return fmt.Errorf("apply %s events %d-%d: %w", c.Name, batch[0].GetSequence(), batch[len(batch)-1].GetSequence(), err)
	}
	return nil
}

// observe exports the consumer's position as gauges.
func (c *Consumer) observe() (metric.Registration, error) {
	behind, err := c.Meter.Int64ObservableGauge("crm.feed.consumer.behind", metric.WithUnit("{event}"),
		metric.WithDescription("Events received from the source and not yet applied"))
	if err != nil {
		return nil, err
	}
	lag, err := c.Meter.Float64ObservableGauge("crm.feed.consumer.lag", metric.WithUnit("s"),
		metric.WithDescription("Age of the oldest event received and not yet applied; 0 when caught up"))
	if err != nil {
		return nil, err
	}
	cursor, err := c.Meter.Int64ObservableGauge("crm.feed.consumer.cursor", metric.WithUnit("{event}"),
		metric.WithDescription("Sequence of the last applied event"))
	if err != nil {
		return nil, err
	}
	return c.Meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		p := c.Position()
		if !p.Holding {
			return nil // another replica reports the feed
		}
		attrs := metric.WithAttributes(attribute.String("feed", c.Name))
		o.ObserveInt64(behind, p.BehindEvents(), attrs)
		o.ObserveFloat64(lag, p.Lag.Seconds(), attrs)
		o.ObserveInt64(cursor, p.Cursor, attrs)
		return nil
	}, behind, lag, cursor)
}

// WatchStream is a generated Watch...Events client stream.
type WatchStream[R interface{ GetEvent() *feedv1.Event }] interface {
	Recv() (R, error)
}

// Watcher adapts a service's generated Watch...Events call to Consumer.Open.
func Watcher[R interface{ GetEvent() *feedv1.Event }, S WatchStream[R]](watch func(ctx context.Context, after int64) (S, error)) func(ctx context.Context, after int64) (Stream, error) {
	return func(ctx context.Context, after int64) (Stream, error) {
		s, err := watch(ctx, after)
		if err != nil {
			return nil, err
		}
		return watchStream[R]{s}, nil
	}
}

type watchStream[R interface{ GetEvent() *feedv1.Event }] struct{ s WatchStream[R] }

func (w watchStream[R]) Recv() (*feedv1.Event, error) {
	r, err := w.s.Recv()
	if err != nil {
		return nil, err
	}
	return r.GetEvent(), nil
}
