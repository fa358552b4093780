package feed

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/protobuf/proto"

	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/telemetry"
)

// SeqField is the field of an append-only record that holds its sequence
// number in the feed.
const SeqField = "feed_seq"

// Stamp makes an append-only record its own event (docs/guide.md: the record
// carries its sequence number), so writing the record publishes it with
// no second write: the record's place in the feed, when that place was
// taken (the gap wait counts from it), and the trace context of the
// request that wrote it. Its fields are top-level fields of the record
// (a nested document costs the embedded database more to store).
type Stamp struct {
	Seq   int64        `bson:"feed_seq"`
	Taken time.Time    `bson:"feed_taken"`
	Trace []TraceField `bson:"feed_trace,omitempty"`
}

// RecordEvent is what the event of a record says.
type RecordEvent struct {
	ID      string
	Subject string
	Time    time.Time
	Payload proto.Message
}

// Records is a collection of append-only records that are their own
// events. Event builds a stored record's event when a Watch reads it, so
// the event shows the record as it is then: one changed since shows the
// change (which has its own event too), and one erased through
// RedactRecords is a redacted event in its place.
type Records struct {
	Collection *mongo.Collection
	Event      func(raw bson.Raw) (RecordEvent, error)
}

// RecordIndex is the index Watch reads a records collection by (besides
// the indexes of Indexes).
func RecordIndex(collection string) mongox.Index {
	return mongox.Index{Collection: collection, Model: mongo.IndexModel{Keys: bson.D{{Key: SeqField, Value: 1}}}}
}

// AddRecords makes Watch deliver the records of r, in sequence order with
// the other events. Call it before the first Watch.
func (p *Producer) AddRecords(r Records) {
	p.records = append(p.records, r)
}

// InsertRecords inserts append-only records, encoded without their
// stamp, in one unordered insertMany, each stamped with its own sequence
// number. It returns the insertMany's error; for the records
// it did not insert (a mongo.BulkWriteException names them) the numbers are
// filled, so readers do not wait for them.
func (p *Producer) InsertRecords(ctx context.Context, coll *mongo.Collection, docs []bson.Raw) error {
	if len(docs) == 0 {
		return nil
	}
	carrier := propagation.MapCarrier{}
	telemetry.Propagator.Inject(ctx, carrier)
	trace, err := traceArray(traceFields(carrier))
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	first, err := p.allocateBlock(ctx, len(docs))
	if err != nil {
		return err
	}
	taken := p.Now().UTC().UnixMilli()
	stamped := make([]any, len(docs))
	for i, doc := range docs {
		if stamped[i], err = appendStamp(doc, first+int64(i), taken, trace); err != nil {
			return err
		}
	}
	_, err = coll.InsertMany(ctx, stamped, options.InsertMany().SetOrdered(false))
	var bulk mongo.BulkWriteException
	if errors.As(err, &bulk) {
		unused := make([]int64, len(bulk.WriteErrors))
		for i, we := range bulk.WriteErrors {
			unused[i] = first + int64(we.Index)
		}
		// Should filling fail, readers pass the gap after GapWait; the
		// caller still needs to know which records went in.
		err = errors.Join(err, p.fill(ctx, unused...))
	}
	p.notify()
	return err
}

// traceArray encodes trace context fields as a BSON array, once for all the
// records of a write.
func traceArray(fs []TraceField) (bsoncore.Array, error) {
	if len(fs) == 0 {
		return nil, nil
	}
	_, b, err := bson.MarshalValue(fs)
	if err != nil {
		return nil, fmt.Errorf("encode trace context: %w", err)
	}
	return b, nil
}

// appendStamp returns doc with a Stamp element added: the record encoder's
// work (the costly part) is done before the sequence is taken.
func appendStamp(doc bson.Raw, seq, taken int64, trace bsoncore.Array) (bson.Raw, error) {
	if len(doc) < 5 {
		return nil, errors.New("stamp a record: not a BSON document")
	}
	out := make([]byte, 0, len(doc)+64+len(trace))
	idx, out := bsoncore.AppendDocumentStart(out)
	out = append(out, doc[4:len(doc)-1]...)
	out = bsoncore.AppendInt64Element(out, SeqField, seq)
	out = bsoncore.AppendDateTimeElement(out, "feed_taken", taken)
	if trace != nil {
		out = bsoncore.AppendArrayElement(out, "feed_trace", trace)
	}
	out, err := bsoncore.AppendDocumentEnd(out, idx)
	if err != nil {
		return nil, fmt.Errorf("stamp a record: %w", err)
	}
	return out, nil
}

// allocateBlock takes n consecutive sequence numbers and returns the first.
func (p *Producer) allocateBlock(ctx context.Context, n int) (int64, error) {
	var c struct {
		N int64 `bson:"n"`
	}
	err := p.counters.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "sequence"}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(n)}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&c)
	if err != nil {
		return 0, mongox.Wrap("allocate event sequences", err)
	}
	return c.N - int64(n) + 1, nil
}

// fill marks sequence numbers that were taken but will never be used.
func (p *Producer) fill(ctx context.Context, seqs ...int64) error {
	if len(seqs) == 0 {
		return nil
	}
	now := p.Now().UTC()
	docs := make([]any, len(seqs))
	for i, seq := range seqs {
		docs[i] = stored{Seq: seq, EventID: "skip-" + rand.Text(), Time: now, Published: now, Skip: true}
	}
	_, err := p.events.InsertMany(ctx, docs)
	return mongox.Wrap("fill unused sequences", err)
}

// RedactRecords keeps the places in the feed of the records of coll that
// filter matches as redacted events, so that the caller can then delete
// the records (an erasure): readers still see that an event was there,
// not what it said. Repeating it adds nothing, so a retry after a crash
// finishes the job. coll must have been added with AddRecords.
func (p *Producer) RedactRecords(ctx context.Context, coll *mongo.Collection, filter bson.D) error {
	i := slices.IndexFunc(p.records, func(r Records) bool { return r.Collection.Name() == coll.Name() })
	if i < 0 {
		return fmt.Errorf("redact records: %s is not a records source of this feed", coll.Name())
	}
	cur, err := coll.Find(ctx, filter)
	if err != nil {
		return mongox.Wrap("read records to redact", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var redacted []stored
	for cur.Next(ctx) {
		s, err := recordEvent(p.records[i], cur.Current)
		if err != nil {
			return err
		}
		if s.Seq == 0 { // written before records carried stamps: its event is in the feed collection
			continue
		}
		redacted = append(redacted, stored{Seq: s.Seq, EventID: s.EventID, Type: s.Type, Subject: s.Subject, Time: s.Time, Published: s.Published, Redacted: true})
	}
	if err := cur.Err(); err != nil {
		return mongox.Wrap("read records to redact", err)
	}
	return mongox.InsertNew(ctx, p.events, redacted, "redact records")
}

// readRecords reads up to limit records of r after cursor, as stored events.
func (p *Producer) readRecords(ctx context.Context, r Records, cursor int64, limit int64) ([]stored, error) {
	cur, err := r.Collection.Find(ctx, bson.D{{Key: SeqField, Value: bson.D{{Key: "$gt", Value: cursor}}}},
		options.Find().SetSort(bson.D{{Key: SeqField, Value: 1}}).SetLimit(limit))
	if err != nil {
		return nil, mongox.Wrap("read records", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var out []stored
	for cur.Next(ctx) {
		s, err := recordEvent(r, cur.Current)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := cur.Err(); err != nil {
		return nil, mongox.Wrap("read records", err)
	}
	return out, nil
}

// recordEvent is the stored event a record stands for.
func recordEvent(r Records, raw bson.Raw) (stored, error) {
	var s Stamp
	if err := bson.Unmarshal(raw, &s); err != nil {
		return stored{}, fmt.Errorf("decode record stamp: %w", err)
	}
	ev, err := r.Event(raw)
	if err != nil {
		return stored{}, fmt.Errorf("build the event of record %d: %w", s.Seq, err)
	}
	payload, err := proto.Marshal(ev.Payload)
	if err != nil {
		return stored{}, fmt.Errorf("encode the event of record %d: %w", s.Seq, err)
	}
	return stored{Seq: s.Seq, EventID: ev.ID, Type: string(ev.Payload.ProtoReflect().Descriptor().FullName()),
		Subject: ev.Subject, Time: ev.Time, Published: s.Taken, Trace: traceMap(s.Trace), Payload: payload}, nil
}
