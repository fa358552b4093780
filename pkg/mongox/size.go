package mongox

import (
	"context"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// SizedLookups chooses, for ByIDs on the embedded database, between a
// lookup per id and one scan by the size of the table read. A scan decodes
// every row (on SQLite about half a millisecond a row at ten thousand
// customers); a lookup is one round trip (about a millisecond). So lookups
// cost less unless the ids are a large share of the table: a call naming
// twenty customers of twenty reads them in one scan, one naming five
// hundred of ten thousand reads them one by one, where a scan took seconds.
//
// The size is the collection's count from collStats (a count of rows, not a
// decoding of them), read again at most once per Every. It only steers the
// cost of a read, never its result, so a size out of date by a minute, or
// different in each replica, is harmless.
type SizedLookups struct {
	// Coll is the collection read.
	Coll *mongo.Collection
	// Every is how long a size read is used before it is read again.
	Every time.Duration

	mu   sync.Mutex
	size int64
	read time.Time
}

// lookupShare is the share of a table above which ids are read by a scan:
// at about half a millisecond per row scanned against a millisecond per
// lookup, a quarter leaves lookups the cheaper choice wherever they are
// chosen.
const lookupShare = 4

// Lookups returns how many ids ByIDs should read by lookups before it
// scans instead: a quarter of the table's size.
func (s *SizedLookups) Lookups(ctx context.Context) (Lookups, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.read.IsZero() || time.Since(s.read) >= s.Every {
		var stats struct {
			Count int64 `bson:"count"`
		}
		err := s.Coll.Database().RunCommand(ctx, bson.D{{Key: "collStats", Value: s.Coll.Name()}}).Decode(&stats)
		if err != nil {
			return 0, Wrap("read the size of "+s.Coll.Name(), err)
		}
		s.size, s.read = stats.Count, time.Now()
	}
	return Lookups(s.size / lookupShare), nil
}
