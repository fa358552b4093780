package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/telemetry"
)

// CursorsCollection holds a consumer service's cursors, one per feed.
const CursorsCollection = "feed_cursors"

// Stream is an open Watch call.
type Stream interface {
	Recv() (*feedv1.Event, error)
}

// Consumer applies another service's feed to this service's data. Apply must
// be idempotent by event id (an event may be delivered again after a crash
// between applying it and storing the cursor); the consumer guarantees order
// and that the cursor only moves past applied events.
type Consumer struct {
	// Name identifies the feed, for example "customer".
	Name string
	// DB is the consumer's own database, where its cursor is kept.
	DB *mongo.Database
	// Open starts a Watch after the given sequence.
	Open func(ctx context.Context, after int64) (Stream, error)
	// Apply applies one event.
	Apply func(ctx context.Context, ev *feedv1.Event) error
	// Log receives reconnects and failures.
	Log *slog.Logger
	// Tracer continues the producer's trace for each applied event.
	Tracer trace.Tracer
	// Meter, when set, records the cursor and the lag behind the producer.
	Meter metric.Meter
	// MinBackoff and MaxBackoff bound the wait between reconnects.
	MinBackoff, MaxBackoff time.Duration
}

// Cursor returns the sequence of the last event applied.
func (c *Consumer) Cursor(ctx context.Context) (int64, error) {
	var d struct {
		Seq int64 `bson:"seq"`
	}
	err := c.DB.Collection(CursorsCollection).FindOne(ctx, bson.D{{Key: "_id", Value: c.Name}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, mongox.Wrap("read feed cursor", err)
	}
	return d.Seq, nil
}

func (c *Consumer) store(ctx context.Context, seq int64) error {
	_, err := c.DB.Collection(CursorsCollection).UpdateOne(ctx, bson.D{{Key: "_id", Value: c.Name}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: seq}, {Key: "update_time", Value: time.Now().UTC()}}}},
		options.UpdateOne().SetUpsert(true))
	return mongox.Wrap("store feed cursor", err)
}

// Run consumes until ctx ends, reconnecting with jittered exponential
// backoff after any failure. It returns when ctx ends.
func (c *Consumer) Run(ctx context.Context) {
	minB, maxB := c.MinBackoff, c.MaxBackoff
	if minB <= 0 {
		minB = 100 * time.Millisecond
	}
	if maxB < minB {
		maxB = 30 * time.Second
	}
	var lag, cursorGauge metric.Float64Gauge
	if c.Meter != nil {
		lag, _ = c.Meter.Float64Gauge("crm.feed.consumer.lag", metric.WithUnit("s"), metric.WithDescription("Age of the last applied event"))
		cursorGauge, _ = c.Meter.Float64Gauge("crm.feed.consumer.cursor", metric.WithDescription("Sequence of the last applied event"))
	}
	backoff := minB
	for {
		progressed, err := c.session(ctx, lag, cursorGauge)
		if ctx.Err() != nil {
			return
		}
		if progressed {
			backoff = minB
		}
		c.Log.WarnContext(ctx, "feed consumer reconnecting", "feed", c.Name, "error", err, "backoff", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff/2 + rand.N(backoff/2+1)):
		}
		backoff = min(backoff*2, maxB)
	}
}

// session runs one Watch call; it reports whether any event was applied.
func (c *Consumer) session(ctx context.Context, lag, cursorGauge metric.Float64Gauge) (bool, error) {
	after, err := c.Cursor(ctx)
	if err != nil {
		return false, err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.Open(sctx, after)
	if err != nil {
		return false, fmt.Errorf("open %s feed: %w", c.Name, err)
	}
	progressed := false
	for {
		ev, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return progressed, errors.New("feed ended")
		}
		if err != nil {
			return progressed, fmt.Errorf("receive %s event: %w", c.Name, err)
		}
		if ev.GetSequence() <= after {
			continue // a replay of what is applied already
		}
		if err := c.apply(ctx, ev); err != nil {
			return progressed, err
		}
		// Store even when shutdown cancelled ctx just after the apply, so
		// the event is not delivered again.
		if err := c.store(context.WithoutCancel(ctx), ev.GetSequence()); err != nil {
			return progressed, err
		}
		after = ev.GetSequence()
		progressed = true
		if lag != nil {
			attrs := metric.WithAttributes(attribute.String("feed", c.Name))
			lag.Record(ctx, time.Since(ev.GetTime().AsTime()).Seconds(), attrs)
			cursorGauge.Record(ctx, float64(after), attrs)
		}
	}
}

func (c *Consumer) apply(ctx context.Context, ev *feedv1.Event) error {
	ctx = telemetry.Propagator.Extract(ctx, propagation.MapCarrier(ev.GetTraceContext()))
	if c.Tracer != nil {
		var span trace.Span
		ctx, span = c.Tracer.Start(ctx, "apply "+ev.GetType(), trace.WithSpanKind(trace.SpanKindConsumer),
			trace.WithAttributes(attribute.String("crm.feed", c.Name), attribute.Int64("crm.feed.sequence", ev.GetSequence()),
				attribute.String("crm.feed.event_id", ev.GetId())))
		defer span.End()
	}
	if err := c.Apply(ctx, ev); err != nil {
		return fmt.Errorf("apply %s event %d (%s): %w", c.Name, ev.GetSequence(), ev.GetType(), err)
	}
	return nil
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
