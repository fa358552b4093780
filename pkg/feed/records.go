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
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"

	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/telemetry"
)

// BatchField is the field of an append-only record that names the batch
// it was written in; the batch's intent lists the records, so a crash
// between writing them and placing them in the feed leaves enough for
// Relay to finish.
const BatchField = "feed_batch"

// Stamp makes an append-only record its own event (the record is what the
// feed delivers; see docs/feeds.md): the batch it was written in and the
// trace context of the request that wrote it. Its fields are top-level
// fields of the record (a nested document costs the embedded database
// more to store).
type Stamp struct {
	Batch string       `bson:"feed_batch"`
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
// change (which has its own event too), and one deleted (an erasure) is a
// redacted event in its place, built by Event from a document that holds
// only the record's _id. Records have string _ids.
type Records struct {
	Collection *mongo.Collection
	Event      func(raw bson.Raw) (RecordEvent, error)
}

// AddRecords makes Watch deliver the records of r, in sequence order with
// the other events. Call it before the first Watch.
func (p *Producer) AddRecords(r Records) {
	p.records = append(p.records, r)
}

func (p *Producer) source(name string) (Records, error) {
	i := slices.IndexFunc(p.records, func(r Records) bool { return r.Collection.Name() == name })
	if i < 0 {
		return Records{}, fmt.Errorf("%s is not a records source of this feed", name)
	}
	return p.records[i], nil
}

// intent is a record batch being written: the records it meant to insert,
// and those placed in the feed so far by its placings 0..V-1 (chunk batch
// "r/<id>/<k>" for placing k). Every change to it is conditional on V, so
// placings are made one after the other and never overlap. It is deleted
// when every record that was inserted is placed; one whose writer crashed
// before it knew which records went in stays, and each Relay places what
// has appeared of it since.
type intent struct {
	ID     string   `bson:"_id"`
	Source string   `bson:"source"`
	IDs    []string `bson:"ids"`
	V      int64    `bson:"v"`
	Placed []string `bson:"placed"`
}

// InsertRecords inserts append-only records, encoded without their stamp,
// in one unordered insertMany, and gives each record that went in its
// place in the feed, after it is committed. It returns the insertMany's
// error (a mongo.BulkWriteException names the records that did not go in),
// joined with a failure to place them, which Relay retries.
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
	in := intent{ID: rand.Text(), Source: coll.Name(), IDs: make([]string, len(docs)), Placed: []string{}}
	stamped := make([]any, len(docs))
	for i, doc := range docs {
		id, ok := doc.Lookup("_id").StringValueOK()
		if !ok {
			return errors.New("insert records: a record needs a string _id")
		}
		in.IDs[i] = id
		if stamped[i], err = appendStamp(doc, in.ID, trace); err != nil {
			return err
		}
	}
	// The intent goes first: whatever happens next, Relay can find the
	// records that went in.
	if _, err := p.pending.InsertOne(ctx, in); err != nil {
		return mongox.Wrap("record the batch's intent", err)
	}
	if err := p.hook(ctx, StepIntent); err != nil {
		return p.keep(in.ID, err)
	}
	_, err = coll.InsertMany(ctx, stamped, options.InsertMany().SetOrdered(false))
	inserted := in.IDs
	var bulk mongo.BulkWriteException
	switch {
	case errors.As(err, &bulk):
		failed := make(map[int]bool, len(bulk.WriteErrors))
		for _, we := range bulk.WriteErrors {
			failed[we.Index] = true
		}
		inserted = make([]string, 0, len(in.IDs))
		for i, id := range in.IDs {
			if !failed[i] {
				inserted = append(inserted, id)
			}
		}
	case err != nil:
		// Which records went in is unknown: Relay finds out.
		return p.keep(in.ID, mongox.Wrap("insert records", err))
	}
	if herr := p.hook(ctx, StepCommitted); herr != nil {
		return errors.Join(err, p.keep(in.ID, herr))
	}
	p.mu.Lock()
	perr := p.settle(ctx, in, inserted)
	p.mu.Unlock()
	if perr != nil {
		perr = p.keep(in.ID, perr)
	}
	p.notify()
	return errors.Join(err, perr)
}

// keep remembers a batch whose placing failed, for Relay, and returns err.
func (p *Producer) keep(batch string, err error) error {
	p.failedMu.Lock()
	p.failedBatches[batch] = true
	p.failedMu.Unlock()
	return err
}

// Recover places in the feed the records of the batch whose placing failed
// or was cut short by a crash: those that went in and have no place yet.
// Any number of producers may recover a batch, and its writer may still be
// at work on it: each record gets one place.
func (p *Producer) Recover(ctx context.Context, batch string) error {
	var in intent
	err := p.pending.FindOne(ctx, bson.D{{Key: "_id", Value: batch}}).Decode(&in)
	if mongox.IsNotFound(err) {
		p.forget(batch)
		return nil
	}
	if err != nil {
		return mongox.Wrap("read a batch's intent", err)
	}
	p.mu.Lock()
	err = p.settle(ctx, in, nil)
	p.mu.Unlock()
	if err != nil {
		return err
	}
	p.forget(batch)
	p.notify()
	return nil
}

func (p *Producer) forget(batch string) {
	p.failedMu.Lock()
	delete(p.failedBatches, batch)
	p.failedMu.Unlock()
}

// recoverAll recovers the batches with an intent left (a small collection:
// batches in flight, finished ones waiting for deletion, and those a crash
// cut short). After the first scan it recovers only intents the previous
// scan found too: one in flight or waiting is then gone, unless its
// writer stopped, and recovering it anyway would cost a lookup per record.
func (p *Producer) recoverAll(ctx context.Context) error {
	ids, err := mongox.IDs(ctx, p.pending, bson.D{}, 0)
	if err != nil {
		return err
	}
	prev := p.scanned
	p.scanned = make(map[string]bool, len(ids))
	for _, id := range ids {
		p.scanned[id] = true
		if (prev != nil && !prev[id]) || p.queued(id) {
			continue
		}
		if err := p.Recover(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// settle places the records of batch in that went in and have no place
// yet. inserted is the set that went in when the caller is the batch's
// writer and knows it (it then deletes the intent once they are placed);
// nil when the caller is a recovery, which looks each record up. The
// caller holds p.mu.
func (p *Producer) settle(ctx context.Context, in intent, inserted []string) error {
	src := p.db.Collection(in.Source)
	writer := inserted != nil
	for {
		placed := make(map[string]bool, len(in.Placed))
		for _, id := range in.Placed {
			placed[id] = true
		}
		var want []string
		if writer {
			for _, id := range inserted {
				if !placed[id] {
					want = append(want, id)
				}
			}
		} else {
			var err error
			if want, err = p.present(ctx, src, in, placed); err != nil {
				return err
			}
		}
		if len(want) == 0 {
			if writer {
				return p.finished(ctx, in.ID)
			}
			if len(placed) == len(in.IDs) {
				_, err := p.pending.DeleteOne(ctx, bson.D{{Key: "_id", Value: in.ID}})
				return mongox.Wrap("clear a batch's intent", err)
			}
			return nil // records not in yet may still be: a later Relay looks again
		}
		want = want[:min(len(want), maxRefs)]
		c := chunk{Batch: fmt.Sprintf("r/%s/%d", in.ID, in.V), N: int64(len(want)), Placed: p.Now().UTC(), Source: in.Source, Refs: want}
		ok, err := p.place(ctx, []chunk{c})
		if err != nil {
			return err
		}
		if !ok[0] {
			// Another producer made this placing first: learn what it placed.
			if err := p.events.FindOne(ctx, bson.D{{Key: "batch", Value: c.Batch}}).Decode(&c); err != nil {
				return mongox.Wrap("read a placing of records", err)
			}
		}
		if err := p.hook(ctx, StepPlaced); err != nil {
			return err
		}
		if writer && in.V == 0 && ok[0] && len(c.Refs) == len(inserted) {
			// The common case: all placed at once. A recovery that reads the
			// intent meanwhile finds every record placed (its own placing
			// collides with this one) and deletes it, or finds it gone.
			return p.finished(ctx, in.ID)
		}
		res, err := p.pending.UpdateOne(ctx, bson.D{{Key: "_id", Value: in.ID}, {Key: "v", Value: in.V}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "v", Value: in.V + 1}}}, {Key: "$push", Value: bson.D{{Key: "placed", Value: bson.D{{Key: "$each", Value: c.Refs}}}}}})
		if err != nil {
			return mongox.Wrap("record a placing of records", err)
		}
		if res.MatchedCount == 1 {
			in.V++
			in.Placed = append(in.Placed, c.Refs...)
			continue
		}
		// Another producer moved the intent on (or finished it): read it again.
		err = p.pending.FindOne(ctx, bson.D{{Key: "_id", Value: in.ID}}).Decode(&in)
		if mongox.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return mongox.Wrap("read a batch's intent", err)
		}
	}
}

// present returns the records of batch in, in its order, that are stored
// and have no place yet.
func (p *Producer) present(ctx context.Context, src *mongo.Collection, in intent, placed map[string]bool) ([]string, error) {
	var out []string
	for _, id := range in.IDs {
		if placed[id] {
			continue
		}
		var s Stamp
		err := src.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: BatchField, Value: 1}})).Decode(&s)
		if mongox.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, mongox.Wrap("look for a batch's records", err)
		}
		if s.Batch == in.ID { // not an earlier record with the same id
			out = append(out, id)
		}
	}
	return out, nil
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

// appendStamp returns doc with a Stamp added: the record encoder's work
// (the costly part) is done by the caller, once.
func appendStamp(doc bson.Raw, batch string, trace bsoncore.Array) (bson.Raw, error) {
	if len(doc) < 5 {
		return nil, errors.New("stamp a record: not a BSON document")
	}
	out := make([]byte, 0, len(doc)+64+len(trace))
	idx, out := bsoncore.AppendDocumentStart(out)
	out = append(out, doc[4:len(doc)-1]...)
	out = bsoncore.AppendStringElement(out, BatchField, batch)
	if trace != nil {
		out = bsoncore.AppendArrayElement(out, "feed_trace", trace)
	}
	out, err := bsoncore.AppendDocumentEnd(out, idx)
	if err != nil {
		return nil, fmt.Errorf("stamp a record: %w", err)
	}
	return out, nil
}

// recordEvent is the event of record id of r as stored now (raw), or,
// when it is no longer stored (raw is nil), the redacted event in its place.
func recordEvent(r Records, id string, raw bson.Raw, seq int64, placed time.Time) (*feedv1.Event, error) {
	gone := raw == nil
	if gone {
		raw = bson.Raw(bsoncore.NewDocumentBuilder().AppendString("_id", id).Build())
	}
	ev, err := r.Event(raw)
	if err != nil {
		return nil, fmt.Errorf("build the event of record %s: %w", id, err)
	}
	typ := string(ev.Payload.ProtoReflect().Descriptor().FullName())
	out := &feedv1.Event{Id: ev.ID, Sequence: seq, Type: typ, Subject: ev.Subject, Time: timestamppb.New(ev.Time), Redacted: gone}
	if gone {
		out.Time = timestamppb.New(placed)
		return out, nil
	}
	var s Stamp
	if err := bson.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("decode the stamp of record %s: %w", id, err)
	}
	out.TraceContext = traceMap(s.Trace)
	payload, err := proto.Marshal(ev.Payload)
	if err != nil {
		return nil, fmt.Errorf("encode the event of record %s: %w", id, err)
	}
	out.Payload = &anypb.Any{TypeUrl: "type.googleapis.com/" + typ, Value: payload}
	return out, nil
}
