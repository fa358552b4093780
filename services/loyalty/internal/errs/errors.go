// Package errs declares every reason loyalty's errors carry, once, so
// that code returns and matches them as values (errors.Is(err,
// errs.NotEnrolled)) rather than strings.
package errs

import "github.com/opencrm/crm/pkg/apperr"

// The reasons of loyalty's errors.
//
//nolint:errname // the package's name says error: errs.NotEnrolled reads as the reason, errs.ErrNotEnrolled stutters
var (
	// ProgramExists: a program with that id exists already.
	ProgramExists = apperr.Reason{Kind: apperr.KindAlreadyExists, Reason: "PROGRAM_EXISTS"}
	// RewardExists: a reward with that id exists already in the program.
	RewardExists = apperr.Reason{Kind: apperr.KindAlreadyExists, Reason: "REWARD_EXISTS"}
	// NotEnrolled: a change needs an account the customer does not have.
	NotEnrolled = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "NOT_ENROLLED"}
	// NoAccount: the account read does not exist (same reason as
	// NotEnrolled, but NOT_FOUND: there is nothing to read).
	NoAccount = apperr.Reason{Kind: apperr.KindNotFound, Reason: "NOT_ENROLLED"}
	// AccountMerging: the account is being merged; a retry succeeds.
	AccountMerging = apperr.Reason{Kind: apperr.KindAborted, Reason: "ACCOUNT_MERGING"}
	// AccountErased: the account belongs to an erased customer.
	AccountErased = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "ACCOUNT_ERASED"}
	// AccountContention: the account changes too often to apply a change.
	AccountContention = apperr.Reason{Kind: apperr.KindAborted, Reason: "ACCOUNT_CONTENTION"}
	// PurchaseNotFound: a reversal names no earning of the program.
	PurchaseNotFound = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "PURCHASE_NOT_FOUND"}
	// InsufficientPoints: the balance does not cover a spend.
	InsufficientPoints = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "INSUFFICIENT_POINTS"}
	// RewardInactive: the reward cannot be redeemed now.
	RewardInactive = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "REWARD_INACTIVE"}
	// OutOfStock: no item of the reward is left.
	OutOfStock = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "OUT_OF_STOCK"}
	// AlreadyCancelled: the redemption was cancelled before.
	AlreadyCancelled = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "ALREADY_CANCELLED"}
	// RedemptionPending: the redemption is still being issued; a retry
	// succeeds.
	RedemptionPending = apperr.Reason{Kind: apperr.KindAborted, Reason: "REDEMPTION_PENDING"}
	// RedemptionUsed: the redemption's code was used; it cannot be used
	// again or cancelled.
	RedemptionUsed = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "REDEMPTION_USED"}
	// CancelWindowClosed: the redemption is too old to cancel.
	CancelWindowClosed = apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "CANCEL_WINDOW_CLOSED"}
)
