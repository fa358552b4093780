package exports

import (
	"context"
	"errors"
	"time"
)

// ErrNoneToClaim is Repository.ClaimExport's answer when no export waits
// for a replica.
var ErrNoneToClaim = errors.New("no export to claim")

// Repository stores exports and the documents collected for them. An
// export is worked on by whichever replica holds its lease: Claim takes
// it with a conditional write, and Save and PutDocument succeed only for
// the holder, so two replicas never collect the same export.
type Repository interface {
	InsertExport(ctx context.Context, x *Export) error
	// Export returns an export; a missing one is NOT_FOUND.
	Export(ctx context.Context, id string) (*Export, error)
	// ClaimExport leases to owner, until until, the oldest running export
	// whose lease ended by now; ErrNoneToClaim when there is none.
	ClaimExport(ctx context.Context, owner string, now, until time.Time) (*Export, error)
	// SaveExport writes x if owner still holds its lease; false when it
	// lost it.
	SaveExport(ctx context.Context, x *Export, owner string) (bool, error)
	// PutDocument stores one service's document of an export, replacing
	// an earlier attempt's.
	PutDocument(ctx context.Context, exportID, service string, doc []byte) error
	// Document returns one service's document of an export.
	Document(ctx context.Context, exportID, service string) ([]byte, error)
	// DeleteExportsBefore deletes the exports created before t, with their
	// documents; it returns how many.
	DeleteExportsBefore(ctx context.Context, t time.Time) (int64, error)
}

// Customers is what an export needs of the archive: the ids an export of
// a customer covers (archive.Archive.Related).
type Customers interface {
	Related(ctx context.Context, id string) ([]string, error)
}
