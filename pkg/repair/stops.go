package repair

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/mongox"
)

// StopsCollection holds the note of a clean stop.
const StopsCollection = "repair_stops"

// cleanStop is the _id of the note.
const cleanStop = "clean"

// Stops notes, on a database that serves one replica (the embedded
// database), that the service's process stopped with nothing half done, so
// that the next process can skip its start scans: on the embedded database
// a scan reads and decodes the whole collection on the service's one
// connection, over a minute at a million interactions, and every call
// waits behind it. A crash leaves no note, and the next start scans.
type Stops struct{ coll *mongo.Collection }

// NewStops returns the notes kept in db.
func NewStops(db *mongo.Database) *Stops {
	return &Stops{coll: db.Collection(StopsCollection)}
}

// Take reports whether the previous process stopped clean, and forgets
// the note, so that a crash of this process is not taken for a clean stop.
func (s *Stops) Take(ctx context.Context) (bool, error) {
	res, err := s.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: cleanStop}})
	if err != nil {
		return false, mongox.Wrap("take the note of a clean stop", err)
	}
	return res.DeletedCount == 1, nil
}

// Record notes a clean stop at the given time (for people reading the
// database; nothing compares it).
func (s *Stops) Record(ctx context.Context, at time.Time) error {
	_, err := s.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: cleanStop}},
		bson.D{{Key: "_id", Value: cleanStop}, {Key: "time", Value: at.UTC()}}, options.Replace().SetUpsert(true))
	return mongox.Wrap("note a clean stop", err)
}
