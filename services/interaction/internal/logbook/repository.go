package logbook

import (
	"context"
	"time"

	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/services/interaction/internal/casework"
	"github.com/opencrm/crm/services/interaction/internal/record"
)

// Repository is the storage the logbook's use cases need: the interactions
// and the cases, each with its outbox events, and what follows a customer's
// erasure or merge.
type Repository interface {
	Interactions
	Cases
	CustomerChanges
}

// Interactions stores the interaction records.
type Interactions interface {
	// Encode prepares a new record for InsertMany.
	Encode(i *record.Interaction) (record.Encoded, error)
	// InsertMany stores new records; it returns, per item, nil or the
	// error of that item alone.
	InsertMany(ctx context.Context, items []record.Encoded) ([]error, error)
	Insert(ctx context.Context, i *record.Interaction) error
	Get(ctx context.Context, id string) (*record.Interaction, error)
	// Update writes i, conditional on the stored version being
	// expectVersion.
	Update(ctx context.Context, i *record.Interaction, expectVersion int64, events []feed.Pending) error
	// ReserveRefund books amount of purchase for refund refundID, refusing
	// more than the purchase left to refund.
	ReserveRefund(ctx context.Context, purchase *record.Interaction, refundID string, amount int64) error
	Timeline(ctx context.Context, f record.Filter, after *record.After, limit int) ([]*record.Interaction, error)
	// EachInteraction calls fn for each interaction of a customer (all
	// customers when customerID is empty), in customer order.
	EachInteraction(ctx context.Context, customerID string, fn func(*record.Interaction) error) error
	// EachSatisfaction calls fn for each interaction that occurred in
	// [from, to) and recorded satisfaction (only the fields a tally
	// reads need be set).
	EachSatisfaction(ctx context.Context, from, to time.Time, fn func(*record.Interaction) error) error
}

// CustomerChanges applies a customer's erasure or merge to what is stored
// about the customer.
type CustomerChanges interface {
	// EraseCustomer deletes a customer's interactions and cases; it
	// returns how many of each.
	EraseCustomer(ctx context.Context, customerID string) (interactions, cases int64, err error)
	// Rekey moves the interactions of customer from to customer to; it
	// returns how many.
	Rekey(ctx context.Context, from, to string) (int64, error)
}

// Cases stores the cases complaints open.
type Cases interface {
	InsertCase(ctx context.Context, c *casework.Case, events []feed.Pending) error
	// CaseOpened clears the pending mark of the complaint whose case was
	// stored.
	CaseOpened(ctx context.Context, interactionID string) error
	// PendingCases returns the complaints recorded before cutoff whose
	// case is still to be opened.
	PendingCases(ctx context.Context, cutoff time.Time) ([]string, error)
	GetCase(ctx context.Context, id string) (*casework.Case, error)
	// SaveCase writes c, conditional on the stored version being
	// expectVersion.
	SaveCase(ctx context.Context, c *casework.Case, expectVersion int64, events []feed.Pending) error
	ListCases(ctx context.Context, f casework.Filter, after *casework.After, limit int) ([]*casework.Case, error)
	CasesOpened(ctx context.Context, from, to time.Time) ([]casework.Case, error)
	// CaseAssignees returns the assignee of each stored case of ids.
	CaseAssignees(ctx context.Context, ids []string) (map[string]string, error)
	// OpenCases counts the open cases per customer (of one customer when
	// customerID is set).
	OpenCases(ctx context.Context, customerID string) (map[string]int64, error)
}

// Requests keeps the request ids of logged interactions and the responses
// they had; an erased customer's are forgotten.
type Requests interface {
	ClaimMany(ctx context.Context, method string, claims []idempotency.Claim) error
	FinishMany(ctx context.Context, method string, claims []idempotency.Claim, outcomes []idempotency.Outcome) error
	ForgetSubject(ctx context.Context, subject string) error
}
