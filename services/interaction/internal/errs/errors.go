// Package errs declares every reason interaction-log's errors carry
// besides the platform's generic ones (apperr.Invalid, apperr.NotFound,
// apperr.Unavailable and the shared idempotency and etag reasons). Code
// makes errors from these values and matches them with errors.Is.
package errs

import "github.com/opencrm/crm/pkg/apperr"

// Reasons of interaction-log.
var (
	// ConsentRequired: an outbound marketing touch on a channel the
	// customer has not granted marketing consent for.
	ConsentRequired = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "CONSENT_REQUIRED"}
	// DuplicateOrder: a purchase of an order logged already for the
	// customer from the same source system (metadata interaction names it).
	DuplicateOrder = apperr.Reason{Kind: apperr.KindAlreadyExists, Reason: "DUPLICATE_ORDER"}
	// RefundExceedsPurchase: a refund of more than what remains of its
	// purchase.
	RefundExceedsPurchase = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "REFUND_EXCEEDS_PURCHASE"}
	// InvalidCaseTransition: a case status change the case's rules do not
	// allow.
	InvalidCaseTransition = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "INVALID_CASE_TRANSITION"}
)
