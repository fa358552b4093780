package feed

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/protobuf/proto"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	"github.com/opencrm/crm/pkg/telemetry"
)

// Event is a feed event whose payload a handler was registered for,
// decoded once.
type Event struct {
	*feedv1.Event
	// Message is the decoded payload.
	Message proto.Message
	// Ctx carries the producer's trace context: effects that publish
	// events of their own create them with it, so the trace goes on.
	Ctx context.Context //nolint:containedctx // an event's own context travels with it through a batch
}

// Handlers routes a feed's events to one handler per payload message type.
// S is what a batch of events is applied to: the documents the batch
// touches, read at once before the first handler runs.
type Handlers[S any] struct {
	routes map[string]route[S]
}

type route[S any] struct {
	decode func(b []byte) (proto.Message, error)
	// apply is set for events applied to the batch's state; alone for
	// events applied on their own.
	apply func(ctx context.Context, s S, ev Event) error
	alone func(ctx context.Context, ev Event) error
}

func newRoute[M proto.Message, S any]() (string, route[S]) {
	var zero M
	t := zero.ProtoReflect().Type()
	return string(t.Descriptor().FullName()), route[S]{decode: func(b []byte) (proto.Message, error) {
		m := t.New().Interface()
		return m, proto.Unmarshal(b, m)
	}}
}

func (h *Handlers[S]) add(name string, r route[S]) {
	if h.routes == nil {
		h.routes = map[string]route[S]{}
	}
	if _, ok := h.routes[name]; ok {
		// A programming error at wiring time, not a runtime condition.
		panic("feed: two handlers for " + name)
	}
	h.routes[name] = r
}

// On registers fn as the handler of events whose payload is an M; it is
// applied to the batch's state s, in feed order.
func On[M proto.Message, S any](h *Handlers[S], fn func(ctx context.Context, s S, ev *feedv1.Event, m M) error) {
	name, r := newRoute[M, S]()
	r.apply = func(ctx context.Context, s S, ev Event) error {
		m, ok := ev.Message.(M)
		if !ok {
			return fmt.Errorf("event %d: payload %T routed to the handler of another type", ev.GetSequence(), ev.Message)
		}
		return fn(ctx, s, ev.Event, m)
	}
	h.add(name, r)
}

// Alone registers fn as the handler of events whose payload is an M and
// that are applied on their own: the events before one in its batch are
// saved first, those after it are loaded after it. For rare events that
// reach many documents (a merge, an erasure).
func Alone[M proto.Message, S any](h *Handlers[S], fn func(ctx context.Context, ev *feedv1.Event, m M) error) {
	name, r := newRoute[M, S]()
	r.alone = func(ctx context.Context, ev Event) error {
		m, ok := ev.Message.(M)
		if !ok {
			return fmt.Errorf("event %d: payload %T routed to the handler of another type", ev.GetSequence(), ev.Message)
		}
		return fn(ctx, ev.Event, m)
	}
	h.add(name, r)
}

// Decode returns the events a handler was registered for, decoded;
// redacted events (an erased subject's) and events of other types are
// left out here, in one place, for every consumer.
func (h *Handlers[S]) Decode(ctx context.Context, evs []*feedv1.Event) ([]Event, error) {
	out := make([]Event, 0, len(evs))
	for _, ev := range evs {
		r, ok := h.routes[ev.GetType()]
		if !ok || ev.GetRedacted() {
			continue
		}
		m, err := r.decode(ev.GetPayload().GetValue())
		if err != nil {
			return nil, fmt.Errorf("decode event %d (%s): %w", ev.GetSequence(), ev.GetType(), err)
		}
		ectx := telemetry.Propagator.Extract(ctx, propagation.MapCarrier(ev.GetTraceContext()))
		out = append(out, Event{Event: ev, Message: m, Ctx: ectx})
	}
	return out, nil
}

// Batches applies a feed's events in batches: for each run of events
// between events applied alone, Load reads every document the run
// touches at once, the handlers apply the events in memory in feed order,
// and Save writes each changed document once. The consumer stores its
// cursor after the whole batch.
type Batches[S any] struct {
	Handlers Handlers[S]
	// Load returns the state a run of events is applied to.
	Load func(ctx context.Context, evs []Event) (S, error)
	// Save writes what the run changed.
	Save func(ctx context.Context, s S) error
}

// Apply applies a batch of events in order; it is a Consumer's Apply.
func (b *Batches[S]) Apply(ctx context.Context, evs []*feedv1.Event) error {
	decoded, err := b.Handlers.Decode(ctx, evs)
	if err != nil {
		return err
	}
	for len(decoded) > 0 {
		n := 0
		for n < len(decoded) && b.Handlers.routes[decoded[n].GetType()].alone == nil {
			n++
		}
		if n > 0 {
			if err := b.run(ctx, decoded[:n]); err != nil {
				return err
			}
			decoded = decoded[n:]
			continue
		}
		ev := decoded[0]
		if err := b.Handlers.routes[ev.GetType()].alone(ev.Ctx, ev); err != nil { //nolint:contextcheck // ev.Ctx is the batch's context with the event's trace
			return fmt.Errorf("apply event %d (%s): %w", ev.GetSequence(), ev.GetType(), err)
		}
		decoded = decoded[1:]
	}
	return nil
}

func (b *Batches[S]) run(ctx context.Context, evs []Event) error {
	s, err := b.Load(ctx, evs)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		if err := b.Handlers.routes[ev.GetType()].apply(ev.Ctx, s, ev); err != nil { //nolint:contextcheck // ev.Ctx is the batch's context with the event's trace
			return fmt.Errorf("apply event %d (%s): %w", ev.GetSequence(), ev.GetType(), err)
		}
	}
	return b.Save(ctx, s)
}

// EachAlone returns the Apply of a consumer whose every event is applied
// on its own (a feed that changes rarely, or effects that are not worth
// batching).
func EachAlone(h Handlers[struct{}]) func(ctx context.Context, evs []*feedv1.Event) error {
	b := &Batches[struct{}]{Handlers: h,
		Load: func(context.Context, []Event) (struct{}, error) { return struct{}{}, nil },
		Save: func(context.Context, struct{}) error { return nil }}
	return b.Apply
}
