// Package errs declares every reason customer-profile's errors carry
// besides the platform's generic ones (apperr.Invalid, apperr.NotFound,
// apperr.Unavailable and the shared idempotency and etag reasons). Code
// makes errors from these values and matches them with errors.Is.
package errs

import "github.com/opencrm/crm/pkg/apperr"

// Reasons of customer-profile.
var (
	// ContactAlreadyExists: an e-mail address or phone number belongs to
	// another customer (metadata existing_customer names it).
	ContactAlreadyExists = apperr.Reason{Kind: apperr.KindAlreadyExists, Reason: "CONTACT_ALREADY_EXISTS"}
	// ContactContended: another request is claiming the same contact;
	// a retry succeeds or meets ContactAlreadyExists.
	ContactContended = apperr.Reason{Kind: apperr.KindAborted, Reason: "CONTACT_CONTENDED"}
	// CustomerErased: the customer was erased; only its tombstone is left.
	CustomerErased = apperr.Reason{Kind: apperr.KindNotFound, Reason: "CUSTOMER_ERASED"}
	// CustomerDeleted: the customer is soft-deleted and must be undeleted
	// before it changes.
	CustomerDeleted = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "CUSTOMER_DELETED"}
	// CustomerMerged: the customer was merged into another (metadata
	// merged_into names it).
	CustomerMerged = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "CUSTOMER_MERGED"}
	// CustomerNotDeleted: only a deleted customer can be undeleted.
	CustomerNotDeleted = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "CUSTOMER_NOT_DELETED"}
	// RetentionExpired: a deleted customer's retention ended; it can no
	// longer be undeleted.
	RetentionExpired = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "RETENTION_EXPIRED"}
	// ExportNotConfigured: the addresses of the services an export asks
	// are not configured.
	ExportNotConfigured = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "EXPORT_NOT_CONFIGURED"}
	// ExportNotDone: the export is still running or failed; only a
	// succeeded export can be downloaded.
	ExportNotDone = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "EXPORT_NOT_DONE"}
)
