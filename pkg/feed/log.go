package feed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/mongox"
)

// The log: a feed is a chain of chunks. A chunk holds consecutive
// sequence numbers, from the number in its _id to that number plus its
// size minus one, and the next chunk's _id is the number after its last.
// A chunk is inserted, never changed (apart from redaction), and only for
// events that are committed already: its insert is what gives them their
// numbers. Two writers that race for the same place both insert with the
// same _id; the first wins, the second reads the winner and tries again
// after it. So the chain has no holes, every place holds a committed
// event, and the unique batch key keeps an event from being placed twice.
// docs/feeds.md gives the invariants and why they hold.

// Collections used by a producer.
const (
	// EventsCollection holds the feed's chunks, keyed by the zero-padded
	// number of their first event.
	EventsCollection = "feed_log"
	// pendingCollection holds the record batches being written: what a
	// crash in the middle leaves for Relay to place.
	pendingCollection = "feed_pending"
	// stateCollection holds the hint of the log's end and the relay lease.
	stateCollection = "feed_state"
)

// maxRefs bounds the records of one chunk, and so how far back a reader
// looks for the chunk that holds a sequence number.
const maxRefs = 512

// chunk is one document of the log: either one event (Batch "e/" + its
// id), or Refs to records of Source that are their own events (Batch
// "r/" + the batch + "/" + the placement's version).
type chunk struct {
	ID     string    `bson:"_id"`
	Batch  string    `bson:"batch"`
	N      int64     `bson:"n"`
	Placed time.Time `bson:"placed"`

	Type     string            `bson:"type,omitempty"`
	Subject  string            `bson:"subject,omitempty"`
	Time     time.Time         `bson:"time,omitzero"`
	Trace    map[string]string `bson:"trace,omitempty"`
	Payload  []byte            `bson:"payload,omitempty"`
	Redacted bool              `bson:"redacted,omitempty"`

	Source string   `bson:"source,omitempty"`
	Refs   []string `bson:"refs,omitempty"`
}

const eventBatch = "e/"

// key is the _id of the chunk that starts at seq: zero-padded, so that it
// is a string (the embedded database looks up only string keys by index)
// and sorts as the number does.
func key(seq int64) string { return fmt.Sprintf("%020d", seq) }

// eventChunk is the chunk of one outbox or appended event.
func eventChunk(ev Pending, now time.Time) chunk {
	return chunk{Batch: eventBatch + ev.ID, N: 1, Placed: now, Type: ev.Type, Subject: ev.Subject, Time: ev.Time,
		Trace: traceMap(ev.Trace), Payload: ev.Payload}
}

// Step names a point in publishing where a Hook is called.
type Step string

// The steps of publishing, in order, where Hook is called.
const (
	// StepIntent: a record batch's intent is stored, its records not yet.
	StepIntent Step = "intent"
	// StepCommitted: the events are committed where they live (outbox or
	// records), and have no place in the feed yet.
	StepCommitted Step = "committed"
	// StepPlace: the writer is about to insert a chunk at the end it
	// knows, which another writer may have taken meanwhile.
	StepPlace Step = "place"
	// StepPlaced: a chunk is in the log; the outbox or the record batch's
	// intent still says otherwise.
	StepPlaced Step = "placed"
)

func (p *Producer) hook(ctx context.Context, s Step) error {
	if p.Hook == nil {
		return nil
	}
	if err := p.Hook(ctx, s); err != nil {
		return fmt.Errorf("publish, at step %s: %w", s, err)
	}
	return nil
}

// end returns the first number after the chain as far as this process
// knows: its own last placement, or the shared hint (which may lag; place
// walks on from it).
func (p *Producer) end(ctx context.Context) (int64, error) {
	if p.tail > 0 {
		return p.tail, nil
	}
	var h struct {
		Next int64 `bson:"next"`
	}
	err := p.state.FindOne(ctx, bson.D{{Key: "_id", Value: "end"}}).Decode(&h)
	if mongox.IsNotFound(err) {
		return 1, nil
	}
	if err != nil {
		return 0, mongox.Wrap("read the feed's end", err)
	}
	return max(h.Next, 1), nil
}

// at reads the chunk that starts at seq; found is false when there is none.
func (p *Producer) at(ctx context.Context, seq int64) (c chunk, found bool, err error) {
	err = p.events.FindOne(ctx, bson.D{{Key: "_id", Value: key(seq)}}).Decode(&c)
	if mongox.IsNotFound(err) {
		return chunk{}, false, nil
	}
	if err != nil {
		return chunk{}, false, mongox.Wrap("read the feed", err)
	}
	return c, true, nil
}

// place appends cs, in order, to the end of the chain, each at the first
// free place after the one before. A chunk whose batch has a place already
// (an earlier attempt got there) is not placed again: its placed is false,
// and what its place holds is the stored chunk, which may differ from cs's.
// The caller holds p.mu; the events of cs must be committed.
func (p *Producer) place(ctx context.Context, cs []chunk) (placed []bool, err error) {
	placed = make([]bool, len(cs))
	pos, err := p.end(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if pos > p.tail {
			p.tail = pos
		}
	}()
	for i := 0; i < len(cs); {
		if err := p.hook(ctx, StepPlace); err != nil {
			return nil, err
		}
		docs := make([]any, 0, len(cs)-i)
		next := pos
		for j := i; j < len(cs); j++ {
			cs[j].ID = key(next)
			next += cs[j].N
			docs = append(docs, cs[j])
		}
		_, err := p.events.InsertMany(ctx, docs, options.InsertMany().SetOrdered(true))
		if err == nil {
			for j := i; j < len(cs); j++ {
				placed[j] = true
			}
			pos = next
			break
		}
		var bulk mongo.BulkWriteException
		if !errors.As(err, &bulk) || len(bulk.WriteErrors) == 0 || !mongox.IsDuplicateKey(bulk.WriteErrors[0]) {
			return nil, mongox.Wrap("place events", err)
		}
		// Those before the failed one went in.
		for failed := i + bulk.WriteErrors[0].Index; i < failed; i++ {
			placed[i] = true
			pos += cs[i].N
		}
		// The place was taken, or the batch has a place already.
		c, found, err := p.at(ctx, pos)
		if err != nil {
			return nil, err
		}
		switch {
		case !found: // the batch is placed further back
			i++
		case c.Batch == cs[i].Batch: // an earlier attempt (a lost reply) went in, maybe with other content
			pos += c.N
			i++
		default: // another writer was first: go after its chunk
			pos += c.N
		}
	}
	p.tail = max(p.tail, pos)
	if err := p.placedSome(ctx); err != nil {
		return nil, err
	}
	return placed, nil
}

// hint records that the chain reaches at least to next, so that a new
// writer or reader starts near the end. It is only a hint, written every
// few placings (see tidy.go): a writer or reader walks on from it.
func (p *Producer) hint(ctx context.Context, next int64) error {
	_, err := p.state.UpdateOne(ctx, bson.D{{Key: "_id", Value: "end"}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "next", Value: next}}}}, options.UpdateOne().SetUpsert(true))
	return mongox.Wrap("record the feed's end", err)
}

// publish gives the committed events evs their places in the feed.
func (p *Producer) publish(ctx context.Context, evs []Pending) error {
	now := p.Now().UTC()
	cs := make([]chunk, len(evs))
	for i, ev := range evs {
		cs[i] = eventChunk(ev, now)
	}
	if _, err := p.place(ctx, cs); err != nil {
		return err
	}
	return p.hook(ctx, StepPlaced)
}
