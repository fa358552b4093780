// Package feed implements the platform's event feeds: the producer side
// (outbox relay, sequence allocation, a gap-aware reader for Watch calls) and
// the consumer side (persisted cursor, reconnect with backoff, trace
// continuation). See docs/guide.md, "Event feeds".
//
// A change and its event are written by one single-document update: the
// changed document carries the event in its "outbox" field. The relay copies
// outbox events into the feed collection with a sequence number, then removes
// them from the document. Copying is idempotent (a unique event id), so a
// crash between the two steps never loses or doubles an event. An
// append-only record is its own event instead (records.go): it carries its
// sequence number, and Watch reads it where it is stored.
package feed

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/telemetry"
)

// Collections used by a producer.
const (
	EventsCollection   = "feed_events"
	countersCollection = "feed_counters"
	// OutboxField is the field of a changed document that holds its
	// pending events.
	OutboxField = "outbox"
)

// Pending is an event waiting in a document's outbox.
type Pending struct {
	ID      string       `bson:"id"`
	Type    string       `bson:"type"`
	Subject string       `bson:"subject"`
	Time    time.Time    `bson:"time"`
	Trace   []TraceField `bson:"trace,omitempty"`
	Payload []byte       `bson:"payload"`
}

// TraceField is one W3C trace context header. Kept as a list sorted by key
// rather than a map, so that an event encodes to the same bytes every time
// and $pullAll can remove exactly the events published.
type TraceField struct {
	Key   string `bson:"k"`
	Value string `bson:"v"`
}

func traceFields(c propagation.MapCarrier) []TraceField {
	keys := c.Keys()
	slices.Sort(keys)
	out := make([]TraceField, 0, len(keys))
	for _, k := range keys {
		out = append(out, TraceField{Key: k, Value: c[k]})
	}
	return out
}

func traceMap(fs []TraceField) map[string]string {
	if len(fs) == 0 {
		return nil
	}
	m := make(map[string]string, len(fs))
	for _, f := range fs {
		m[f.Key] = f.Value
	}
	return m
}

// NewPending builds an outbox event about subject, carrying the trace
// context of ctx.
func NewPending(ctx context.Context, subject string, payload proto.Message, now time.Time) (Pending, error) {
	b, err := proto.Marshal(payload)
	if err != nil {
		return Pending{}, fmt.Errorf("encode %s event: %w", payload.ProtoReflect().Descriptor().FullName(), err)
	}
	carrier := propagation.MapCarrier{}
	telemetry.Propagator.Inject(ctx, carrier)
	return Pending{
		ID:      rand.Text(),
		Type:    string(payload.ProtoReflect().Descriptor().FullName()),
		Subject: subject,
		Time:    now.UTC().Truncate(time.Millisecond),
		Trace:   traceFields(carrier),
		Payload: b,
	}, nil
}

// stored is an event in the feed collection. A placeholder (Skip) fills a
// sequence number that was allocated but not used, so readers need not wait
// for it.
type stored struct {
	Seq       int64             `bson:"_id"`
	EventID   string            `bson:"event_id"`
	Type      string            `bson:"type,omitempty"`
	Subject   string            `bson:"subject,omitempty"`
	Time      time.Time         `bson:"time"`
	Published time.Time         `bson:"published"`
	Trace     map[string]string `bson:"trace,omitempty"`
	Payload   []byte            `bson:"payload,omitempty"`
	Redacted  bool              `bson:"redacted,omitempty"`
	Skip      bool              `bson:"skip,omitempty"`
}

// Indexes returns the indexes a producer needs in its database. Sources are
// the collections whose documents carry outboxes.
func Indexes(sources ...string) []mongox.Index {
	ix := []mongox.Index{
		{Collection: EventsCollection, Model: mongo.IndexModel{Keys: bson.D{{Key: "event_id", Value: 1}}, Options: options.Index().SetUnique(true)}},
		{Collection: EventsCollection, Model: mongo.IndexModel{Keys: bson.D{{Key: "subject", Value: 1}}}},
	}
	for _, s := range sources {
		ix = append(ix, mongox.Index{Collection: s, Model: mongo.IndexModel{Keys: bson.D{{Key: OutboxField + ".id", Value: 1}}}})
	}
	return ix
}

// Producer publishes one service's feed.
type Producer struct {
	db       *mongo.Database
	events   *mongo.Collection
	counters *mongo.Collection
	// GapWait is how long a reader waits for an allocated sequence number
	// to be committed before it treats the number as abandoned.
	GapWait time.Duration
	// Poll is how often a Watch looks for events written by other
	// replicas; events of this process wake it at once.
	Poll time.Duration
	// ScanOnlyAtStart makes Relay read whole collections for outboxes left
	// behind only when it starts, not every interval: right for a single
	// replica (the embedded database serves one), which finds what its own
	// crash left at its next start, and on a database that reads whole
	// tables, where a scan every few seconds stalls the writes.
	ScanOnlyAtStart bool
	Now             func() time.Time

	mu      sync.Mutex // serialises publishing in this process
	records []Records
	// failed holds the documents whose flush failed in this process, for
	// Relay to retry.
	failedMu sync.Mutex
	failed   map[string]leftBehind
	wakeMu   sync.Mutex
	wake     chan struct{} // closed and replaced on every publish
}

// NewProducer returns the producer for the feed kept in db.
func NewProducer(db *mongo.Database) *Producer {
	return &Producer{
		db: db, events: db.Collection(EventsCollection), counters: db.Collection(countersCollection),
		GapWait: 2 * time.Second, Poll: 250 * time.Millisecond, Now: time.Now,
		wake: make(chan struct{}), failed: map[string]leftBehind{},
	}
}

// leftBehind is a document whose outbox a flush failed to publish.
type leftBehind struct {
	coll *mongo.Collection
	id   any
}

// track remembers or forgets a failed flush of the document id in coll.
func (p *Producer) track(coll *mongo.Collection, id any, err error) {
	key := coll.Name() + "\x00" + fmt.Sprint(id)
	p.failedMu.Lock()
	defer p.failedMu.Unlock()
	if err != nil {
		p.failed[key] = leftBehind{coll: coll, id: id}
	} else {
		delete(p.failed, key)
	}
}

// Flush publishes the outbox of the document with the given id in coll, in
// order, and removes the published events from it. Call it after each write
// that added events; Relay calls it for documents left behind by a crash.
func (p *Producer) Flush(ctx context.Context, coll *mongo.Collection, id any) error {
	err := p.flush(ctx, coll, id)
	p.track(coll, id, err)
	return err
}

func (p *Producer) flush(ctx context.Context, coll *mongo.Collection, id any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var doc struct {
		Outbox []bson.Raw `bson:"outbox"`
	}
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: OutboxField, Value: 1}})).Decode(&doc)
	if mongox.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return mongox.Wrap("read outbox", err)
	}
	if len(doc.Outbox) == 0 {
		return nil
	}
	for _, raw := range doc.Outbox {
		var ev Pending
		if err := bson.Unmarshal(raw, &ev); err != nil {
			return fmt.Errorf("decode outbox event: %w", err)
		}
		if err := p.publish(ctx, ev); err != nil {
			return err
		}
	}
	// Remove exactly the events published; events added meanwhile stay.
	vals := make(bson.A, len(doc.Outbox))
	for i, r := range doc.Outbox {
		vals[i] = r
	}
	_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$pullAll", Value: bson.D{{Key: OutboxField, Value: vals}}}})
	if err != nil {
		return mongox.Wrap("clear outbox", err)
	}
	p.notify()
	return nil
}

// Append publishes events that are not kept in an outbox, with ids the
// caller derives from what they report, so that publishing one again (a
// replay after a crash) adds nothing. It takes one block of sequence
// numbers and one insertMany; an event published before keeps its first
// place and its number here is filled, so readers do not wait for it.
func (p *Producer) Append(ctx context.Context, evs ...Pending) error {
	if len(evs) == 0 {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	first, err := p.allocateBlock(ctx, len(evs))
	if err != nil {
		return err
	}
	now := p.Now().UTC()
	docs := make([]any, len(evs))
	for n, ev := range evs {
		docs[n] = stored{Seq: first + int64(n), EventID: ev.ID, Type: ev.Type, Subject: ev.Subject, Time: ev.Time,
			Published: now, Trace: traceMap(ev.Trace), Payload: ev.Payload}
	}
	_, err = p.events.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bulk mongo.BulkWriteException
	switch {
	case errors.As(err, &bulk):
		unused := make([]int64, len(bulk.WriteErrors))
		for i, we := range bulk.WriteErrors {
			if !mongox.IsDuplicateKey(we) {
				return mongox.Wrap("append events", err)
			}
			unused[i] = first + int64(we.Index)
		}
		if err := p.fill(ctx, unused...); err != nil {
			return err
		}
	case err != nil:
		return mongox.Wrap("append events", err)
	}
	p.notify()
	return nil
}

// FlushWritten publishes events the caller has just written to the outbox
// of the document that filter matches, without reading them back (one
// block of sequence numbers, one insertMany), then removes them from the
// outbox in one update together with extra, the caller's own clean-up
// (may be nil). If the document changed meanwhile (filter no longer
// matches), the events stay in its outbox: publishing again is idempotent.
func (p *Producer) FlushWritten(ctx context.Context, coll *mongo.Collection, filter bson.D, evs []Pending, extra bson.D) error {
	update := extra
	if len(evs) > 0 {
		if err := p.Append(ctx, evs...); err != nil {
			return err
		}
		vals := make(bson.A, len(evs))
		for i, ev := range evs {
			vals[i] = ev
		}
		update = append(update, bson.E{Key: "$pullAll", Value: bson.D{{Key: OutboxField, Value: vals}}})
	}
	if len(update) == 0 {
		return nil
	}
	_, err := coll.UpdateOne(ctx, filter, update)
	if err != nil {
		for _, e := range filter {
			if e.Key == "_id" {
				p.track(coll, e.Value, err)
			}
		}
	}
	return mongox.Wrap("clear outbox", err)
}

func (p *Producer) publish(ctx context.Context, ev Pending) error {
	seq, err := p.allocateBlock(ctx, 1)
	if err != nil {
		return err
	}
	now := p.Now().UTC()
	_, err = p.events.InsertOne(ctx, stored{
		Seq: seq, EventID: ev.ID, Type: ev.Type, Subject: ev.Subject, Time: ev.Time,
		Published: now, Trace: traceMap(ev.Trace), Payload: ev.Payload,
	})
	if err == nil {
		return nil
	}
	if !mongox.IsDuplicateKey(err) {
		return mongox.Wrap("append event", err)
	}
	// Already published by an earlier flush that did not clear the outbox:
	// fill the number we took so readers do not wait for it.
	return p.fill(ctx, seq)
}

func (p *Producer) notify() {
	p.wakeMu.Lock()
	close(p.wake)
	p.wake = make(chan struct{})
	p.wakeMu.Unlock()
}

func (p *Producer) waiter() <-chan struct{} {
	p.wakeMu.Lock()
	defer p.wakeMu.Unlock()
	return p.wake
}

// Relay flushes, every interval until ctx ends, the outboxes that a crash
// or a failed flush left behind in the given collections: those whose
// flush failed in this process, and those it finds reading the
// collections (at start, then every interval unless ScanOnlyAtStart).
func (p *Producer) Relay(ctx context.Context, interval time.Duration, onError func(error), sources ...*mongo.Collection) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for scan := true; ; scan = !p.ScanOnlyAtStart {
		if scan {
			for _, c := range sources {
				if err := p.flushAll(ctx, c); err != nil && ctx.Err() == nil {
					onError(err)
				}
			}
		}
		p.failedMu.Lock()
		retry := slices.Collect(maps.Values(p.failed))
		p.failedMu.Unlock()
		for _, d := range retry {
			if err := p.Flush(ctx, d.coll, d.id); err != nil && ctx.Err() == nil {
				onError(err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *Producer) flushAll(ctx context.Context, coll *mongo.Collection) error {
	cur, err := coll.Find(ctx, bson.D{{Key: OutboxField + ".id", Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}).SetLimit(1000))
	if err != nil {
		return mongox.Wrap("find pending outboxes", err)
	}
	var ids []struct {
		ID any `bson:"_id"`
	}
	if err := cur.All(ctx, &ids); err != nil {
		return mongox.Wrap("find pending outboxes", err)
	}
	for _, d := range ids {
		if err := p.Flush(ctx, coll, d.ID); err != nil {
			return err
		}
	}
	return nil
}

// Redact removes the payloads of every event about subject (erasure).
func (p *Producer) Redact(ctx context.Context, subject string) error {
	_, err := p.events.UpdateMany(ctx, bson.D{{Key: "subject", Value: subject}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "redacted", Value: true}}}, {Key: "$unset", Value: bson.D{{Key: "payload", Value: ""}, {Key: "trace", Value: ""}}}})
	return mongox.Wrap("redact events", err)
}

// Watch sends every event after sequence after, in order, then follows new
// events until ctx ends or send fails. A missing sequence number holds the
// stream until the next event has been committed for GapWait: an event that
// commits late is never skipped, and one that never will is passed after that.
func (p *Producer) Watch(ctx context.Context, after int64, send func(*feedv1.Event) error) error {
	cursor := after
	for {
		wake := p.waiter()
		n, err := p.readBatch(ctx, &cursor, send)
		if err != nil {
			return err
		}
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

const batchSize = 256

// readBatch delivers the events it can after *cursor and advances it; it
// returns how many sequence numbers it passed.
func (p *Producer) readBatch(ctx context.Context, cursor *int64, send func(*feedv1.Event) error) (int, error) {
	evs, err := p.read(ctx, *cursor)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil
		}
		return 0, err
	}
	passed := 0
	for _, s := range evs {
		if s.Seq != *cursor+1 && p.Now().Sub(s.Published) < p.GapWait {
			// A number before s may still be committed: wait for it.
			return passed, nil
		}
		*cursor = s.Seq
		passed++
		if s.Skip {
			continue
		}
		if err := send(toProto(s)); err != nil {
			return passed, err
		}
	}
	return passed, nil
}

// read returns the stored events after cursor from the feed collection and
// the records collections, in sequence order: up to batchSize from each,
// and none beyond the last one read from a source that may have more.
func (p *Producer) read(ctx context.Context, cursor int64) ([]stored, error) {
	cur, err := p.events.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: cursor}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(batchSize))
	if err != nil {
		return nil, mongox.Wrap("read events", err)
	}
	var evs []stored
	if err := cur.All(ctx, &evs); err != nil {
		return nil, mongox.Wrap("read events", err)
	}
	if len(p.records) == 0 {
		return evs, nil
	}
	end := int64(math.MaxInt64)
	if len(evs) == batchSize {
		end = evs[len(evs)-1].Seq
	}
	for _, r := range p.records {
		recs, err := p.readRecords(ctx, r, cursor, batchSize)
		if err != nil {
			return nil, err
		}
		if len(recs) == batchSize {
			end = min(end, recs[len(recs)-1].Seq)
		}
		evs = append(evs, recs...)
	}
	// Stable, and the feed collection first: a redacted record's event
	// there wins over the record a crash kept from being deleted.
	slices.SortStableFunc(evs, func(a, b stored) int { return cmp.Compare(a.Seq, b.Seq) })
	evs = slices.CompactFunc(evs, func(a, b stored) bool { return a.Seq == b.Seq })
	n := len(evs)
	for n > 0 && evs[n-1].Seq > end {
		n--
	}
	return evs[:n], nil
}

func toProto(s stored) *feedv1.Event {
	ev := &feedv1.Event{
		Id: s.EventID, Sequence: s.Seq, Type: s.Type, Subject: s.Subject,
		Time: timestamppb.New(s.Time), TraceContext: s.Trace, Redacted: s.Redacted,
	}
	if !s.Redacted {
		ev.Payload = &anypb.Any{TypeUrl: "type.googleapis.com/" + s.Type, Value: s.Payload}
	}
	return ev
}
