// Package feed implements the platform's event feeds: the producer side
// (outbox relay, the feed's log, the reader behind Watch calls) and the
// consumer side (persisted cursor, reconnect with backoff, trace
// continuation). docs/feeds.md describes the design and its invariants.
//
// An event is committed first, where it lives, and only then given its
// sequence number. A changed document carries its events in its "outbox"
// field, written by the same single-document update as the change; an
// append-only record is its own event (records.go). Publishing appends
// committed events to the log (log.go), a chain of chunks keyed by the
// zero-padded number of their first event, where the first insert at a
// place wins. So a number is never handed out before its event is
// committed, a reader never meets a hole it must wait for or guess about,
// and every read is a lookup of one exact string key, whose cost does not
// grow with the feed's history on any of the databases. Publishing again
// after a crash is idempotent (a unique batch key per event), so a crash
// between any two steps never loses or doubles an event.
package feed

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/protobuf/proto"

	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/telemetry"
)

// OutboxField is the field of a changed document that holds its pending
// events.
const OutboxField = "outbox"

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

// Indexes returns the indexes a producer needs in its database. Sources are
// the collections whose documents carry outboxes.
func Indexes(sources ...string) []mongox.Index {
	ix := make([]mongox.Index, 0, 2+len(sources))
	ix = append(ix,
		mongox.Index{Collection: EventsCollection, Model: mongo.IndexModel{Keys: bson.D{{Key: "batch", Value: 1}}, Options: options.Index().SetUnique(true)}},
		mongox.Index{Collection: EventsCollection, Model: mongo.IndexModel{Keys: bson.D{{Key: "subject", Value: 1}}}},
	)
	for _, s := range sources {
		ix = append(ix, mongox.Index{Collection: s, Model: mongo.IndexModel{Keys: bson.D{{Key: OutboxField + ".id", Value: 1}}}})
	}
	return ix
}

// Producer publishes one service's feed.
type Producer struct {
	id      string // this instance, as holder of the relay lease
	db      *mongo.Database
	events  *mongo.Collection
	pending *mongo.Collection
	state   *mongo.Collection
	// Poll is how often a Watch looks for events written by other
	// replicas; events of this process wake it at once.
	Poll time.Duration
	// ScanOnlyAtStart makes Relay read whole collections for outboxes left
	// behind only when it starts, not every interval: right for a single
	// replica (the embedded database serves one), which finds what its own
	// crash left at its next start, and on a database that reads whole
	// tables, where a scan every few seconds stalls the writes.
	ScanOnlyAtStart bool
	// startScanned, set by Scanned, spares Relay its start scan of the
	// sources.
	startScanned bool
	// scanDone is set once a scan round of Relay has read every source and
	// intent without error; with ScanOnlyAtStart, rounds scan until then.
	scanDone atomic.Bool
	// Now is the clock of event and placement times and of the relay
	// lease; nothing that decides what a reader sees depends on it.
	Now func() time.Time
	// Hook, when set, is called at each Step of publishing: tests inject
	// delays and crashes through it (an error stops the publish there, as
	// a crash would). Nil in production.
	Hook func(ctx context.Context, s Step) error

	mu       sync.Mutex // serialises publishing in this process
	tail     int64      // the end of the chain as far as this process knows; under mu
	hinted   int64      // the end this process last wrote to the shared hint; under mu
	unhinted int        // placings since; under mu
	// done holds the intents of batches whose records are all placed,
	// waiting to be deleted together (see tidy.go).
	doneMu sync.Mutex
	done   map[string]bool
	// scanned holds the intents the previous scan found: a scan recovers
	// only those found twice, which spares the batches still in flight or
	// waiting for deletion (the first scan recovers every one).
	scanned map[string]bool
	records []Records
	// failed holds the documents whose flush, and the record batches whose
	// placing, failed in this process, for Relay to retry.
	failedMu      sync.Mutex
	failed        map[string]leftBehind
	failedBatches map[string]bool
	wakeMu        sync.Mutex
	wake          chan struct{} // closed and replaced on every publish
}

// NewProducer returns the producer for the feed kept in db.
func NewProducer(db *mongo.Database) *Producer {
	return &Producer{
		id: rand.Text(), db: db,
		events: db.Collection(EventsCollection), pending: db.Collection(pendingCollection), state: db.Collection(stateCollection),
		Poll: 250 * time.Millisecond, Now: time.Now,
		wake: make(chan struct{}), failed: map[string]leftBehind{}, failedBatches: map[string]bool{}, done: map[string]bool{},
	}
}

// Scanned tells a producer with ScanOnlyAtStart that no outbox was left
// behind before it started (the previous process stopped clean,
// repair.Stops), so that Relay skips its start scan of the sources. Call
// it before Relay.
func (p *Producer) Scanned() { p.startScanned = true }

// Settled reports whether Relay has completed a scan round and every
// outbox and record batch this process failed to publish has been
// published since: what a clean stop requires.
func (p *Producer) Settled() bool {
	p.failedMu.Lock()
	defer p.failedMu.Unlock()
	return p.scanDone.Load() && len(p.failed) == 0 && len(p.failedBatches) == 0
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
	evs := make([]Pending, len(doc.Outbox))
	for i, raw := range doc.Outbox {
		if err := bson.Unmarshal(raw, &evs[i]); err != nil {
			return fmt.Errorf("decode outbox event: %w", err)
		}
	}
	if err := p.publish(ctx, evs); err != nil {
		return err
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
// replay after a crash) adds nothing: an event keeps its first place. The
// caller must have committed what the events report before it calls
// Append. One insert places them all unless another writer races for
// the same places.
func (p *Producer) Append(ctx context.Context, evs ...Pending) error {
	if len(evs) == 0 {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.publish(ctx, evs); err != nil {
		return err
	}
	p.notify()
	return nil
}

// FlushWritten publishes events the caller has just written to the outbox
// of the document that filter matches, without reading them back, then
// removes them from the outbox in one update together with extra, the
// caller's own clean-up (may be nil). If the document changed meanwhile
// (filter no longer matches), the events stay in its outbox: publishing
// again is idempotent.
func (p *Producer) FlushWritten(ctx context.Context, coll *mongo.Collection, filter bson.D, evs []Pending, extra bson.D) error {
	// A failure leaves the events in the outbox: Relay retries it.
	failed := func(err error) error {
		for _, e := range filter {
			if e.Key == "_id" {
				p.track(coll, e.Value, err)
			}
		}
		return err
	}
	update := extra
	if len(evs) > 0 {
		if err := p.Append(ctx, evs...); err != nil {
			return failed(err)
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
	if _, err := coll.UpdateOne(ctx, filter, update); err != nil {
		return failed(mongox.Wrap("clear outbox", err))
	}
	return nil
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

// Relay publishes, every interval until ctx ends, what a crash or a
// failure left committed but without a place in the feed: the outboxes
// and record batches whose publishing failed in this process, and those
// it finds reading the collections and the record batches' intents (every
// interval, or with ScanOnlyAtStart until a round completes). Only the replica
// that holds the relay lease reads the collections; the lease saves the
// others the work and is not needed for correctness: two relays, or a
// relay and a writer, that publish the same events at once still give
// each event one place.
func (p *Producer) Relay(ctx context.Context, interval time.Duration, onError func(error), sources ...*mongo.Collection) {
	t := time.NewTicker(interval)
	defer t.Stop()
	report := func(err error) {
		if err != nil && ctx.Err() == nil {
			onError(err)
		}
	}
	defer func() {
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tidyTimeout)
		defer cancel()
		if err := errors.Join(p.tidy(tctx), p.releaseLease(tctx)); err != nil {
			onError(err)
		}
	}()
	for {
		// With ScanOnlyAtStart a round scans until one completes: the
		// lease of a process that stopped moments ago, an error or more
		// outboxes than one read takes can keep the first from it.
		if !p.ScanOnlyAtStart || !p.scanDone.Load() {
			held, err := p.holdLease(ctx, 3*interval)
			report(err)
			if held {
				complete := true
				if !p.startScanned {
					for _, c := range sources {
						all, err := p.flushAll(ctx, c)
						report(err)
						complete = complete && all && err == nil
					}
				}
				// The intents of record batches are few: they go once the
				// batch is placed.
				err := p.recoverAll(ctx)
				report(err)
				if complete && err == nil {
					p.scanDone.Store(true)
				}
			}
		}
		p.failedMu.Lock()
		retry := slices.Collect(maps.Values(p.failed))
		batches := slices.Collect(maps.Keys(p.failedBatches))
		p.failedMu.Unlock()
		for _, d := range retry {
			report(p.Flush(ctx, d.coll, d.id))
		}
		for _, b := range batches {
			report(p.Recover(ctx, b))
		}
		report(p.tidy(ctx))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// releaseLease gives up the relay lease if this producer holds it, so that
// a replica starting or running now need not wait out its expiry.
func (p *Producer) releaseLease(ctx context.Context) error {
	_, err := p.state.DeleteOne(ctx, bson.D{{Key: "_id", Value: "relay"}, {Key: "holder", Value: p.id}})
	return mongox.Wrap("release the relay lease", err)
}

// holdLease takes or renews the relay lease for ttl when it is free,
// expired by this process's clock, or this producer's already. A holder
// that stalls past the expiry and wakes may still relay while another
// does: that costs work, not correctness.
func (p *Producer) holdLease(ctx context.Context, ttl time.Duration) (bool, error) {
	now := p.Now().UTC()
	_, err := p.state.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: "relay"}, {Key: "$or", Value: bson.A{
			bson.D{{Key: "holder", Value: p.id}}, bson.D{{Key: "until", Value: bson.D{{Key: "$lt", Value: now}}}}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: p.id}, {Key: "until", Value: now.Add(ttl)}}}},
		options.UpdateOne().SetUpsert(true))
	if mongox.IsDuplicateKey(err) {
		return false, nil // held by another replica
	}
	if err != nil {
		return false, mongox.Wrap("take the relay lease", err)
	}
	return true, nil
}

// flushPage bounds the outboxes one flushAll reads.
const flushPage = 1000

// flushAll publishes the outboxes it finds in coll, up to flushPage; all
// says that it found fewer, so none is left for another round.
func (p *Producer) flushAll(ctx context.Context, coll *mongo.Collection) (all bool, err error) {
	cur, err := coll.Find(ctx, bson.D{{Key: OutboxField + ".id", Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}).SetLimit(flushPage))
	if err != nil {
		return false, mongox.Wrap("find pending outboxes", err)
	}
	var ids []struct {
		ID any `bson:"_id"`
	}
	if err := cur.All(ctx, &ids); err != nil {
		return false, mongox.Wrap("find pending outboxes", err)
	}
	for _, d := range ids {
		if err := p.Flush(ctx, coll, d.ID); err != nil {
			return false, err
		}
	}
	return len(ids) < flushPage, nil
}

// Redact removes the payloads of every event about subject (erasure).
func (p *Producer) Redact(ctx context.Context, subject string) error {
	_, err := p.events.UpdateMany(ctx, bson.D{{Key: "subject", Value: subject}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "redacted", Value: true}}}, {Key: "$unset", Value: bson.D{{Key: "payload", Value: ""}, {Key: "trace", Value: ""}}}})
	return mongox.Wrap("redact events", err)
}
