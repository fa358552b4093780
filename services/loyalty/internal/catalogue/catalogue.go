// Package catalogue holds the rules of rewards and their redemptions: a
// reward has a points price and an optional stock, a redemption issues a
// unique code that a shop uses once, and can be cancelled within the
// reward's window until it is used. Pure Go.
package catalogue

import (
	"crypto/rand"
	"time"

	"github.com/opencrm/crm/pkg/ids"
	"github.com/opencrm/crm/services/loyalty/internal/errs"
	"github.com/opencrm/crm/services/loyalty/internal/names"
)

// Reward is an item of a program's catalogue.
type Reward struct {
	// ID is "{program}/{reward id}", unique across programs.
	ID          string `bson:"_id"`
	Program     string `bson:"program"`
	RewardID    string `bson:"reward_id"`
	DisplayName string `bson:"display_name"`
	Description string `bson:"description"`
	Price       int64  `bson:"price"`
	// Limited says Stock counts; otherwise stock is unlimited.
	Limited          bool      `bson:"limited"`
	Stock            int64     `bson:"stock"`
	CancelWindowDays int32     `bson:"cancel_window_days"`
	Active           bool      `bson:"active"`
	CreateTime       time.Time `bson:"create_time"`
	Version          int64     `bson:"version"`
	// Reservations are the redemptions holding an item of stock until
	// they complete; a retry finds its own and takes no second item.
	Reservations []string `bson:"reservations"`
}

// Key returns a reward's stored id.
func Key(program, rewardID string) string { return program + "/" + rewardID }

// Name is the reward's resource name.
func (r *Reward) Name() string { return names.Rewards.Format(r.Program, r.RewardID) }

// Available says why the reward cannot be redeemed now, or nil.
func (r *Reward) Available() error {
	if !r.Active {
		return errs.RewardInactive.New("%s is not active", r.Name())
	}
	if r.Limited && r.Stock <= 0 {
		return errs.OutOfStock.New("%s is out of stock", r.Name())
	}
	return nil
}

// Redemption states (values match the API's enum; Pending and Cancelling
// are internal: the points are not spent yet, or the cancel is decided
// and its points and stock not yet returned).
const (
	Cancelling int32 = -1
	Pending    int32 = 0
	Issued     int32 = 1
	Cancelled  int32 = 2
	Used       int32 = 3
)

// APIState is the state the API shows: a cancel in progress is decided,
// so it shows as cancelled.
func (d *Redemption) APIState() int32 {
	if d.State == Cancelling {
		return Cancelled
	}
	return d.State
}

// Redemption is a reward redeemed by a customer.
type Redemption struct {
	ID             string    `bson:"_id"`
	Program        string    `bson:"program"`
	Customer       string    `bson:"customer"`
	Reward         string    `bson:"reward"`
	Points         int64     `bson:"points"`
	Code           string    `bson:"code"`
	State          int32     `bson:"state"`
	CreateTime     time.Time `bson:"create_time"`
	CancelDeadline time.Time `bson:"cancel_deadline,omitzero"`
	CancelTime     time.Time `bson:"cancel_time,omitzero"`
	UseTime        time.Time `bson:"use_time,omitzero"`
	EntryID        string    `bson:"entry_id"`
	RequestID      string    `bson:"request_id"`
}

// RedemptionID is the id of the redemption a request makes.
func RedemptionID(program, requestID string) string {
	return ids.Derived("redemption:" + program + "/" + requestID)
}

// New returns the pending redemption of a reward for a customer.
func New(r *Reward, customer, requestID string, now time.Time) *Redemption {
	id := RedemptionID(r.Program, requestID)
	d := &Redemption{ID: id, Program: r.Program, Customer: customer, Reward: r.ID, Points: r.Price, Code: NewCode(),
		CreateTime: now.UTC(), EntryID: ids.Derived("reward:" + id), RequestID: requestID}
	if r.CancelWindowDays > 0 {
		d.CancelDeadline = d.CreateTime.AddDate(0, 0, int(r.CancelWindowDays))
	}
	return d
}

// NewCode returns a reward code: 75 bits from a cryptographic random
// source, so that no code can be guessed from anything else, in groups a
// person can read out. A retried redemption keeps the code stored with it.
func NewCode() string {
	s := rand.Text()[:15]
	return s[:5] + "-" + s[5:10] + "-" + s[10:]
}

// CanCancel says why the redemption cannot be cancelled at now, or nil.
func (d *Redemption) CanCancel(now time.Time) error {
	switch {
	case d.State == Cancelled || d.State == Cancelling:
		return errs.AlreadyCancelled.New("%s is cancelled already", names.Redemptions.Format(d.ID))
	case d.State == Used:
		return errs.RedemptionUsed.New("%s was used; it can no longer be cancelled", names.Redemptions.Format(d.ID))
	case d.State != Issued:
		return errs.RedemptionPending.New("%s is still being issued; retry", names.Redemptions.Format(d.ID))
	case d.CancelDeadline.IsZero() || now.After(d.CancelDeadline):
		return errs.CancelWindowClosed.New("%s can no longer be cancelled", names.Redemptions.Format(d.ID))
	}
	return nil
}

// Use marks the redemption used at now (to the millisecond, as stored,
// so the answer matches later reads), or says why its code cannot be
// used: a code is used once, never after a cancel.
func (d *Redemption) Use(now time.Time) error {
	switch d.State {
	case Issued:
		d.State, d.UseTime = Used, now.UTC().Truncate(time.Millisecond)
		return nil
	case Used:
		return errs.RedemptionUsed.New("code %s was used already", d.Code)
	case Cancelled, Cancelling:
		return errs.AlreadyCancelled.New("code %s was cancelled", d.Code)
	default:
		return errs.RedemptionPending.New("code %s is still being issued; retry", d.Code)
	}
}
