package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/profile/internal/exports"
)

// Collections of the access exports.
const (
	Exports         = "exports"
	ExportDocuments = "export_documents"
)

// ExportIndexes returns the indexes of the exports' queries.
func ExportIndexes() []mongox.Index {
	return []mongox.Index{
		{Collection: Exports, Model: mongo.IndexModel{Keys: bson.D{{Key: "state", Value: 1}, {Key: "lease_until", Value: 1}, {Key: "create_time", Value: 1}}}},
		{Collection: Exports, Model: mongo.IndexModel{Keys: bson.D{{Key: "create_time", Value: 1}}}},
		{Collection: ExportDocuments, Model: mongo.IndexModel{Keys: bson.D{{Key: "export", Value: 1}}}},
	}
}

// ExportStore keeps the access exports: each export in one document, and
// each service's document of it in its own (a bundle may be larger than
// one database document).
type ExportStore struct {
	exports, docs *mongo.Collection
}

// NewExportStore returns the exports' storage in db.
func NewExportStore(db *mongo.Database) *ExportStore {
	return &ExportStore{exports: db.Collection(Exports), docs: db.Collection(ExportDocuments)}
}

var _ exports.Repository = (*ExportStore)(nil)

type exportDocument struct {
	ID     string `bson:"_id"`
	Export string `bson:"export"`
	// JSON is the service's document as it sent it.
	JSON string `bson:"json"`
}

// InsertExport stores a new export.
func (s *ExportStore) InsertExport(ctx context.Context, x *exports.Export) error {
	_, err := s.exports.InsertOne(ctx, x)
	return mongox.Wrap("insert export", err)
}

// Export returns an export.
func (s *ExportStore) Export(ctx context.Context, id string) (*exports.Export, error) {
	return mongox.FindOne[exports.Export](ctx, s.exports, bson.D{{Key: "_id", Value: id}}, apperr.NotFound(exports.Names.Format(id)), "read export")
}

// ClaimExport leases the oldest running export whose lease ended, in one
// conditional write: of two replicas claiming at once, one gets it.
func (s *ExportStore) ClaimExport(ctx context.Context, owner string, now, until time.Time) (*exports.Export, error) {
	return mongox.Decode[exports.Export](s.exports.FindOneAndUpdate(ctx,
		bson.D{{Key: "state", Value: exports.Running}, {Key: "lease_until", Value: bson.D{{Key: "$lte", Value: now}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lease_owner", Value: owner}, {Key: "lease_until", Value: until}}}},
		options.FindOneAndUpdate().SetSort(bson.D{{Key: "create_time", Value: 1}, {Key: "_id", Value: 1}}).SetReturnDocument(options.After)),
		exports.ErrNoneToClaim, "claim export")
}

// SaveExport writes x if owner still holds its lease.
func (s *ExportStore) SaveExport(ctx context.Context, x *exports.Export, owner string) (bool, error) {
	res, err := s.exports.ReplaceOne(ctx, bson.D{{Key: "_id", Value: x.ID}, {Key: "lease_owner", Value: owner}}, x)
	if err != nil {
		return false, mongox.Wrap("save export", err)
	}
	return res.MatchedCount == 1, nil
}

// PutDocument stores one service's document of an export.
func (s *ExportStore) PutDocument(ctx context.Context, exportID, service string, doc []byte) error {
	d := exportDocument{ID: exportID + "/" + service, Export: exportID, JSON: string(doc)}
	_, err := s.docs.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	return mongox.Wrap("store export document", err)
}

// Document returns one service's document of an export.
func (s *ExportStore) Document(ctx context.Context, exportID, service string) ([]byte, error) {
	d, err := mongox.FindOne[exportDocument](ctx, s.docs, bson.D{{Key: "_id", Value: exportID + "/" + service}},
		apperr.NotFound(exports.Names.Format(exportID)+"/documents/"+service), "read export document")
	if err != nil {
		return nil, err
	}
	return []byte(d.JSON), nil
}

// DeleteExportsBefore deletes the exports created before t and their
// documents.
func (s *ExportStore) DeleteExportsBefore(ctx context.Context, t time.Time) (int64, error) {
	old, err := mongox.IDs(ctx, s.exports, bson.D{{Key: "create_time", Value: bson.D{{Key: "$lt", Value: t}}}}, 0)
	if err != nil || len(old) == 0 {
		return 0, err
	}
	if _, err := s.docs.DeleteMany(ctx, bson.D{{Key: "export", Value: bson.D{{Key: "$in", Value: old}}}}); err != nil {
		return 0, mongox.Wrap("delete export documents", err)
	}
	res, err := s.exports.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: old}}}})
	if err != nil {
		return 0, mongox.Wrap("delete exports", err)
	}
	return res.DeletedCount, nil
}
