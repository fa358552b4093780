// Package errs declares every reason segmentation's errors carry, once,
// so that code returns and matches them as values (errors.Is(err,
// errs.RunInProgress)) rather than strings.
package errs

import "github.com/opencrm/crm/pkg/apperr"

// The reasons of segmentation's errors.
//
//nolint:errname // the package's name says error: errs.RunInProgress reads as the reason, errs.ErrRunInProgress stutters
var (
	// SegmentExists: a segment with that id exists already.
	SegmentExists = apperr.Reason{Kind: apperr.KindAlreadyExists, Reason: "SEGMENT_EXISTS"}
	// NoRunYet: no recompute run has completed, so there is no report.
	NoRunYet = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "NO_RUN_YET"}
	// CustomerMerged: the customer was merged into another, named in the
	// error's metadata.
	CustomerMerged = apperr.Reason{Kind: apperr.KindNotFound, Reason: "CUSTOMER_MERGED"}
	// RunInProgress: a recompute run is in progress already.
	RunInProgress = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "RUN_IN_PROGRESS"}
)
