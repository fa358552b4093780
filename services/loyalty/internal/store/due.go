package store

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/points"
)

// dueIndex answers DueAccounts on the embedded database without reading
// the accounts table each time. There neither backend pushes the query's
// filters (a lot's expiry time, the period's end) down, so every expiry
// sweep read and decoded every account: 3.5 s at 10,000 accounts on
// PostgreSQL, on the service's one connection, with every purchase waiting
// behind it. The embedded database serves one replica, so accounts change
// only through this process: the index reads the table once, at the first
// sweep, and then keeps each account's times as this process writes it.
// An account whose write failed in an unknown way is read again, by _id,
// at the next sweep.
type dueIndex struct {
	sweep    sync.Mutex // one call of accounts at a time (the worker, RunExpiry)
	mu       sync.Mutex
	built    bool
	building bool
	times    map[string]dueTimes
	during   map[string]dueTimes // written while the table was being read
	unsure   map[string]bool     // written with an unknown outcome
}

// dueTimes are the times of an account that the expiry sweep looks at, as
// of a version of it: a later version's replace an earlier one's, in
// whatever order writers and reads report them.
type dueTimes struct {
	version     int64
	firstExpiry time.Time // of its lots, the earliest; meaningful with lots
	lots        bool
	periodEnd   time.Time
}

// keep records t for id unless a later version's times are recorded.
func keep(m map[string]dueTimes, id string, t dueTimes) {
	if old, ok := m[id]; !ok || old.version < t.version {
		m[id] = t
	}
}

// dueDoc is the part of an account document dueTimes come from.
type dueDoc struct {
	ID        string       `bson:"_id"`
	Version   int64        `bson:"version"`
	Lots      []ledger.Lot `bson:"lots"`
	PeriodEnd time.Time    `bson:"period_end"`
}

// dueFields is the projection of dueDoc.
var dueFields = bson.D{{Key: "version", Value: 1}, {Key: "lots", Value: 1}, {Key: "period_end", Value: 1}}

func (d dueDoc) times() dueTimes {
	t := dueTimes{version: d.Version, periodEnd: d.PeriodEnd}
	for _, l := range d.Lots {
		if !t.lots || l.ExpireTime.Before(t.firstExpiry) {
			t.firstExpiry, t.lots = l.ExpireTime, true
		}
	}
	return t
}

func accountTimes(a *points.Account) dueTimes {
	return dueDoc{ID: a.ID, Version: a.Version, Lots: a.Lots, PeriodEnd: a.PeriodEnd}.times()
}

// due is DueAccounts' query: a lot expiring by until, or the period over
// by now.
func (t dueTimes) due(now, until time.Time) bool {
	return (t.lots && !t.firstExpiry.After(until)) || !t.periodEnd.After(now)
}

// written notes accounts just stored (before the table is read, and on
// MongoDB, it keeps nothing).
func (x *dueIndex) written(as ...*points.Account) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, a := range as {
		t := accountTimes(a)
		switch {
		case x.building:
			keep(x.during, a.ID, t)
		case x.built:
			keep(x.times, a.ID, t)
		}
		delete(x.unsure, a.ID)
	}
}

// unknown notes accounts whose write failed without saying whether it
// was stored. Before the table is read nothing needs noting (the read
// finds what is stored), nor ever on MongoDB, where the index is not used.
func (x *dueIndex) unknown(ids ...string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.built && !x.building {
		return
	}
	if x.unsure == nil {
		x.unsure = map[string]bool{}
	}
	for _, id := range ids {
		x.unsure[id] = true
	}
}

// accounts returns the ids of the accounts due, reading coll whole the
// first time and the accounts of unknown writes by _id afterwards.
func (x *dueIndex) accounts(ctx context.Context, coll *mongo.Collection, mode mongox.Mode, now, until time.Time) ([]string, error) {
	x.sweep.Lock()
	defer x.sweep.Unlock()
	if err := x.build(ctx, coll); err != nil {
		return nil, err
	}
	x.mu.Lock()
	unsure := slices.Sorted(maps.Keys(x.unsure))
	clear(x.unsure)
	x.mu.Unlock()
	if len(unsure) > 0 {
		docs, err := mongox.ByIDs[dueDoc](ctx, coll, unsure, mode, mongox.AllLookups, dueFields, "read accounts' expiry times")
		if err != nil {
			x.unknown(unsure...)
			return nil, err
		}
		// An account not found was not stored; one written since the read
		// keeps its later times.
		x.mu.Lock()
		for _, d := range docs {
			keep(x.times, d.ID, d.times())
		}
		x.mu.Unlock()
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	var ids []string
	for id, t := range x.times {
		if t.due(now, until) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// build reads every account's times once.
func (x *dueIndex) build(ctx context.Context, coll *mongo.Collection) error {
	x.mu.Lock()
	if x.built {
		x.mu.Unlock()
		return nil
	}
	x.building, x.during = true, map[string]dueTimes{}
	x.mu.Unlock()
	docs, err := mongox.FindAll[dueDoc](ctx, coll, bson.D{}, "read accounts' expiry times", options.Find().SetProjection(dueFields))
	x.mu.Lock()
	defer x.mu.Unlock()
	x.building = false
	if err != nil {
		return err
	}
	x.times = make(map[string]dueTimes, len(docs))
	for _, d := range docs {
		x.times[d.ID] = d.times()
	}
	for id, t := range x.during { // writes the read may have missed
		keep(x.times, id, t)
	}
	x.during, x.built = nil, true
	return nil
}
