package feed

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	"github.com/opencrm/crm/pkg/mongox"
)

// batchSize is how many events a Watch sends between looks at its context
// and wake-ups.
const batchSize = 256

// Watch sends every event after sequence after, in order, then follows new
// events until ctx ends or send fails. It reads the chain one chunk at a
// time, each by its exact key. A chunk that is not there is the end of the
// feed so far, never a hole (a place is taken only by a committed event),
// so the reader waits there, with no time limit and no guess, for the
// next event to be published (events of this process wake it at once,
// others' within Poll).
func (p *Producer) Watch(ctx context.Context, after int64, send func(*feedv1.Event) error) error {
	pos, err := p.locate(ctx, after)
	if err != nil {
		if ctx.Err() != nil {
			return nil //nolint:nilerr // the reader went away: not a failure
		}
		return err
	}
	for {
		wake := p.waiter()
		n, err := p.readBatch(ctx, &pos, after, send)
		if err != nil {
			if ctx.Err() != nil {
				return nil //nolint:nilerr // the reader went away: not a failure
			}
			return err
		}
		after = max(after, pos-1)
		if n > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-time.After(p.Poll):
		}
	}
}

// locate returns the start of the chunk that holds sequence after+1, or,
// past the end, the end of the chain. The shared end hint answers for a
// reader at or near the end; a reader further back looks for the chunk's
// start among the maxRefs places before, one exact key each.
func (p *Producer) locate(ctx context.Context, after int64) (int64, error) {
	next := max(after+1, 1)
	var h struct {
		Next int64 `bson:"next"`
	}
	err := p.state.FindOne(ctx, bson.D{{Key: "_id", Value: "end"}}).Decode(&h)
	if err != nil && !mongox.IsNotFound(err) {
		return 0, mongox.Wrap("read the feed's end", err)
	}
	end := max(h.Next, 1)
	if next >= end {
		return end, nil // the reader walks from the hint and skips what it has seen
	}
	for s := next; s >= 1 && s > next-maxRefs; s-- {
		c, found, err := p.at(ctx, s)
		if err != nil {
			return 0, err
		}
		if found {
			if s+c.N > next {
				return s, nil
			}
			return s + c.N, nil
		}
	}
	return 0, fmt.Errorf("read the feed: no chunk holds sequence %d", next)
}

// readBatch sends the events of the chunks from *pos on that are after
// after, up to about batchSize, and moves *pos past them; it returns how
// many sequence numbers it passed.
func (p *Producer) readBatch(ctx context.Context, pos *int64, after int64, send func(*feedv1.Event) error) (int, error) {
	passed := 0
	for passed < batchSize {
		c, found, err := p.at(ctx, *pos)
		if err != nil || !found {
			return passed, err
		}
		if err := p.sendChunk(ctx, c, *pos, after, send); err != nil {
			return passed, err
		}
		*pos += c.N
		passed += int(c.N)
	}
	return passed, nil
}

// sendChunk sends the events of chunk c, which starts at seq, that are
// after after, each as soon as it is read.
func (p *Producer) sendChunk(ctx context.Context, c chunk, seq, after int64, send func(*feedv1.Event) error) error {
	if c.Source == "" {
		if seq <= after {
			return nil
		}
		ev := &feedv1.Event{Id: strings.TrimPrefix(c.Batch, eventBatch), Sequence: seq, Type: c.Type, Subject: c.Subject,
			Time: timestamppb.New(c.Time), TraceContext: c.Trace, Redacted: c.Redacted}
		if !c.Redacted {
			ev.Payload = &anypb.Any{TypeUrl: "type.googleapis.com/" + c.Type, Value: c.Payload}
		}
		return send(ev)
	}
	src, err := p.source(c.Source)
	if err != nil {
		return fmt.Errorf("read the feed at %d: %w", seq, err)
	}
	for i, id := range c.Refs {
		s := seq + int64(i)
		if s <= after {
			continue
		}
		raw, err := src.Collection.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
		if mongox.IsNotFound(err) {
			raw, err = nil, nil // erased: a redacted event keeps its place
		}
		if err != nil {
			return mongox.Wrap("read a record of the feed", err)
		}
		ev, err := recordEvent(src, id, raw, s, c.Placed)
		if err != nil {
			return err
		}
		if err := send(ev); err != nil {
			return err
		}
	}
	return nil
}
