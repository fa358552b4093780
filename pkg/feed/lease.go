package feed

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/opencrm/crm/pkg/mongox"
)

// A consumer's lease: one replica applies a feed at a time.
//
// The feed's document in CursorsCollection holds the cursor and the lease:
// holder, epoch and expiry. Every write to it is conditional on the
// holder and epoch read before, so of replicas racing for it exactly one
// wins, and a replica that lost the lease (another took it and raised the
// epoch) can no longer move the cursor. The holder renews the lease every
// third of its TTL and confirms it before each batch: when its own clock
// says the lease has run out it must renew it first, which fails once
// another replica holds it, so a holder that stalled past its expiry
// applies nothing when it wakes. Safety does not depend on clocks: a
// holder whose clock runs slow may apply one more batch after losing the
// lease, but its effects are idempotent by event id and its cursor write
// fails.
//
// Hand-over when the holder dies: the others retry every third of the TTL,
// so a dead holder is replaced within 4/3 of the TTL after its last
// renewal (plus any clock difference between the replicas); a holder that
// stops cleanly gives the lease up and is replaced within a third of it.

// DefaultLeaseTTL is a consumer's lease TTL unless set: a dead holder is
// replaced within 20 s.
const DefaultLeaseTTL = 15 * time.Second

// ErrLeaseLost means another replica holds the feed's lease now.
var ErrLeaseLost = errors.New("feed lease lost to another replica")

// Clock is the time a lease is measured by; tests inject their own.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// cursorDoc is a feed's document in CursorsCollection.
type cursorDoc struct {
	Name   string    `bson:"_id"`
	Seq    int64     `bson:"seq"`
	Holder string    `bson:"holder,omitempty"`
	Epoch  int64     `bson:"epoch"`
	Expire time.Time `bson:"expire_time"`
	Update time.Time `bson:"update_time"`
}

// lease is one consumer instance's view of its feed's lease.
type lease struct {
	coll   *mongo.Collection
	name   string
	holder string
	ttl    time.Duration
	clock  Clock
	// doc is the document as this instance last read or wrote it;
	// held says whether that made it the holder.
	doc  cursorDoc
	held bool
}

// lease returns the instance's lease; c's defaults must be set.
func (c *Consumer) lease() *lease {
	return &lease{coll: c.DB.Collection(CursorsCollection), name: c.Name, holder: c.Holder, ttl: c.LeaseTTL, clock: c.Clock}
}

func (l *lease) read(ctx context.Context) (d cursorDoc, found bool, err error) {
	err = l.coll.FindOne(ctx, bson.D{{Key: "_id", Value: l.name}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return cursorDoc{Name: l.name}, false, nil
	}
	if err != nil {
		return d, false, mongox.Wrap("read feed cursor", err)
	}
	return d, true, nil
}

// mine is the filter that matches the document only while this instance
// holds the lease it last took or renewed.
func (l *lease) mine() bson.D {
	return bson.D{{Key: "_id", Value: l.name}, {Key: "holder", Value: l.doc.Holder}, {Key: "epoch", Value: l.doc.Epoch}}
}

// acquire takes the lease if it is free, expired or already ours; when it
// is held by another replica it says how long to wait before trying again.
func (l *lease) acquire(ctx context.Context) (held bool, wait time.Duration, err error) {
	retry := l.ttl / 3
	d, found, err := l.read(ctx)
	if err != nil {
		return false, 0, err
	}
	now := l.clock.Now().UTC()
	if d.Holder != "" && d.Holder != l.holder && now.Before(d.Expire) {
		l.held = false
		return false, min(retry, d.Expire.Sub(now)+time.Millisecond), nil
	}
	next := cursorDoc{Name: l.name, Seq: d.Seq, Holder: l.holder, Epoch: d.Epoch + 1, Expire: now.Add(l.ttl), Update: now}
	if !found {
		_, err = l.coll.InsertOne(ctx, next)
		if mongox.IsDuplicateKey(err) {
			return false, 0, nil // another replica created it first: read again
		}
		if err != nil {
			return false, 0, mongox.Wrap("take feed lease", err)
		}
	} else {
		was := bson.D{{Key: "_id", Value: l.name}, {Key: "holder", Value: d.Holder}, {Key: "epoch", Value: d.Epoch}}
		if d.Epoch == 0 {
			// A cursor stored before consumers had leases.
			was = bson.D{{Key: "_id", Value: l.name}, {Key: "epoch", Value: bson.D{{Key: "$exists", Value: false}}}}
		}
		res, err := l.coll.ReplaceOne(ctx, was, next)
		if err != nil {
			return false, 0, mongox.Wrap("take feed lease", err)
		}
		if res.MatchedCount == 0 {
			return false, 0, nil // another replica took it first: read again
		}
	}
	l.doc, l.held = next, true
	return true, 0, nil
}

// renewIn is how long until the lease should be renewed.
func (l *lease) renewIn() time.Duration {
	return max(l.doc.Expire.Add(-2*l.ttl/3).Sub(l.clock.Now()), 0)
}

// renew extends the lease; ErrLeaseLost if another replica took it.
func (l *lease) renew(ctx context.Context) error {
	if !l.held {
		return ErrLeaseLost
	}
	now := l.clock.Now().UTC()
	expire := now.Add(l.ttl)
	res, err := l.coll.UpdateOne(ctx, l.mine(), bson.D{{Key: "$set", Value: bson.D{{Key: "expire_time", Value: expire}}}})
	if err != nil {
		return mongox.Wrap("renew feed lease", err)
	}
	if res.MatchedCount == 0 {
		l.held = false
		return ErrLeaseLost
	}
	l.doc.Expire = expire
	return nil
}

// confirm makes sure the lease is held for a while yet: it renews it once
// a third of the TTL has passed since the last renewal, and always when
// this instance's clock says it ran out.
func (l *lease) confirm(ctx context.Context) error {
	if !l.held {
		return ErrLeaseLost
	}
	if l.renewIn() > 0 {
		return nil
	}
	return l.renew(ctx)
}

// advance stores the cursor, if this instance still holds the lease.
func (l *lease) advance(ctx context.Context, seq int64) error {
	if !l.held {
		return ErrLeaseLost
	}
	now := l.clock.Now().UTC()
	res, err := l.coll.UpdateOne(ctx, l.mine(), bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: seq}, {Key: "update_time", Value: now}}}})
	if err != nil {
		return mongox.Wrap("store feed cursor", err)
	}
	if res.MatchedCount == 0 {
		l.held = false
		return ErrLeaseLost
	}
	l.doc.Seq = seq
	return nil
}

// release gives the lease up (it expires now), so that another replica
// need not wait for its expiry.
func (l *lease) release(ctx context.Context) {
	if !l.held {
		return
	}
	l.held = false
	_, _ = l.coll.UpdateOne(ctx, l.mine(), bson.D{{Key: "$set", Value: bson.D{{Key: "expire_time", Value: time.Time{}}}}})
}
