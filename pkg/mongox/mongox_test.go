package mongox

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func TestForModeKeepsOnlyUniqueIndexesOnTheEmbeddedDatabase(t *testing.T) {
	ix := []Index{
		{Collection: "c", Model: mongo.IndexModel{Keys: bson.D{{Key: "a", Value: 1}}}},
		{Collection: "c", Model: mongo.IndexModel{Keys: bson.D{{Key: "b", Value: 1}}, Options: options.Index().SetUnique(true)}},
		{Collection: "c", Model: mongo.IndexModel{Keys: bson.D{{Key: "c", Value: 1}}, Options: options.Index().SetName("c_1")}},
	}
	if got := ForMode(ModeMongoDB, ix); len(got) != 3 {
		t.Errorf("MongoDB: %d indexes, want all 3", len(got))
	}
	got := ForMode(ModeEmbedded, ix)
	if len(got) != 1 || got[0].Model.Keys.(bson.D)[0].Key != "b" {
		t.Errorf("embedded: %v, want only the unique index on b", got)
	}
}
