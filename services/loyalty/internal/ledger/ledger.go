// Package ledger holds the rules of a loyalty account: points live in lots
// (one per earning, each with its own expiry), spending and expiry consume
// lots soonest-expiring first, refunds reverse their purchase's lot
// proportionally and turn an already-spent shortfall into debt, tiers go up
// at once and down only when a qualifying period ends. Every change returns
// the immutable ledger entry that records it. Pure Go.
package ledger

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/services/loyalty/internal/errs"
	"github.com/opencrm/crm/services/loyalty/internal/names"
)

// Never is the expiry of points that do not expire. Kept as a real far
// date so that "soonest-expiring first" orders them last without a special
// case, in Go and in the database.
var Never = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// State is where an account stands (values match the API's enum).
type State int32

// States. Merging is internal: the account is frozen while its points move
// to the survivor, and reads as Active until the move completes.
const (
	Active  State = 1
	Merged  State = 2
	Erased  State = 3
	Merging State = 4
)

// Type is an entry's kind (values match the API's enum).
type Type int32

// Entry types.
const (
	Earn     Type = 1
	Redeem   Type = 2
	Expire   Type = 3
	Reverse  Type = 4
	Adjust   Type = 5
	MergeIn  Type = 6
	MergeOut Type = 7
	TierMove Type = 8
	Cancel   Type = 9
)

// Lot is points earned together, with their own expiry.
type Lot struct {
	ID     string `bson:"id"`
	Source string `bson:"source"`
	// Earned is what the purchase earned, including any part that repaid
	// debt; refunds reverse a share of it.
	Earned int64 `bson:"earned"`
	// Points is what went into the lot (Earned less debt repaid).
	Points    int64 `bson:"points"`
	Remaining int64 `bson:"remaining"`
	// Amount is the purchase's amount in minor units (0 for adjustments),
	// Refunded what refunds took back of it so far, Reversed the points
	// they reversed.
	Amount        int64     `bson:"amount"`
	Refunded      int64     `bson:"refunded"`
	Reversed      int64     `bson:"reversed"`
	EarnTime      time.Time `bson:"earn_time"`
	AvailableTime time.Time `bson:"available_time"`
	ExpireTime    time.Time `bson:"expire_time"`
	// Warned is set once the expiring-soon notice went out.
	Warned bool `bson:"warned"`
	// Period is the start of the qualifying period the purchase counted
	// in (zero for other earnings): its refund lowers that period's
	// qualifying points only while it is current.
	Period time.Time `bson:"period,omitzero"`
}

// LotChange is a lot created (positive) or consumed (negative) by an entry.
type LotChange struct {
	Lot           string    `bson:"lot"`
	Points        int64     `bson:"points"`
	ExpireTime    time.Time `bson:"expire_time,omitzero"`
	AvailableTime time.Time `bson:"available_time,omitzero"`
}

// Entry is one immutable ledger line.
type Entry struct {
	ID           string      `bson:"_id"`
	Account      string      `bson:"account"`
	Type         Type        `bson:"type"`
	Points       int64       `bson:"points"`
	DebtChange   int64       `bson:"debt_change"`
	BalanceAfter int64       `bson:"balance_after"`
	DebtAfter    int64       `bson:"debt_after"`
	Reason       string      `bson:"reason"`
	Source       string      `bson:"source"`
	Operator     string      `bson:"operator"`
	RequestID    string      `bson:"request_id"`
	Lots         []LotChange `bson:"lots"`
	Time         time.Time   `bson:"time"`
	TierAfter    string      `bson:"tier_after"`
	// Figures the audit replays: what the entry did to lifetime earned
	// points, qualifying points and the purchase count.
	LifetimeChange   int64 `bson:"lifetime_change"`
	QualifyingChange int64 `bson:"qualifying_change"`
	SpendChange      int64 `bson:"spend_change"`
	PurchaseChange   int64 `bson:"purchase_change"`
}

// Account is a customer's membership of one program.
type Account struct {
	ID               string `bson:"_id"`
	Program          string `bson:"program"`
	Customer         string `bson:"customer"`
	State            State  `bson:"state"`
	MergedInto       string `bson:"merged_into"`
	Debt             int64  `bson:"debt"`
	LifetimeEarned   int64  `bson:"lifetime_earned"`
	Purchases        int64  `bson:"purchases"`
	Tier             string `bson:"tier"`
	QualifyingPoints int64  `bson:"qualifying_points"`
	// QualifyingSpend is the money spent in the period, in minor units,
	// net of refunds.
	QualifyingSpend int64     `bson:"qualifying_spend"`
	PeriodStart     time.Time `bson:"period_start"`
	PeriodEnd       time.Time `bson:"period_end"`
	Lots            []Lot     `bson:"lots"`
	EnrolTime       time.Time `bson:"enrol_time"`
	UpdateTime      time.Time `bson:"update_time"`
	Version         int64     `bson:"version"`
}

// Tier is a level an account reaches by qualifying points (or spend, in
// minor units).
type Tier struct {
	ID  string
	Min int64
}

// Policy is what the program says about the account's lifecycle.
type Policy struct {
	// Tiers in increasing order of Min.
	Tiers []Tier
	// PeriodMonths is the length of a qualifying period.
	PeriodMonths int
	// ForgiveSpent forgives the spent part of a refunded purchase's
	// points instead of recording it as debt.
	ForgiveSpent bool
	// BySpend reaches tiers by qualifying spend instead of points.
	BySpend bool
}

// measure is what tiers are reached by.
func (a *Account) measure(p Policy) int64 {
	if p.BySpend {
		return a.QualifyingSpend
	}
	return a.QualifyingPoints
}

// TierChange says that an entry moved the account's tier.
type TierChange struct {
	From, To, Reason string
}

// Open returns a new account enrolled at now.
func Open(id, program, customer string, p Policy, now time.Time) *Account {
	now = now.UTC()
	return &Account{ID: id, Program: program, Customer: customer, State: Active,
		PeriodStart: now, PeriodEnd: now.AddDate(0, p.PeriodMonths, 0), EnrolTime: now, UpdateTime: now}
}

// Balance is the points available at now.
func (a *Account) Balance(now time.Time) int64 {
	var n int64
	for _, l := range a.Lots {
		if !l.AvailableTime.After(now) {
			n += l.Remaining
		}
	}
	return n
}

// Pending is the points earned but not yet available at now.
func (a *Account) Pending(now time.Time) int64 {
	var n int64
	for _, l := range a.Lots {
		if l.AvailableTime.After(now) {
			n += l.Remaining
		}
	}
	return n
}

// ExpiringBy is the points that expire by t.
func (a *Account) ExpiringBy(t time.Time) int64 {
	var n int64
	for _, l := range a.Lots {
		if !l.ExpireTime.After(t) {
			n += l.Remaining
		}
	}
	return n
}

// NextTier returns the next tier up and the qualifying points (or spend)
// still needed; "" at the top.
func (a *Account) NextTier(p Policy) (string, int64) {
	if i := tierRank(p, a.Tier) + 1; i < len(p.Tiers) {
		return p.Tiers[i].ID, max(0, p.Tiers[i].Min-a.measure(p))
	}
	return "", 0
}

// tierRank is the tier's index in the policy, -1 for none or a tier the
// program no longer has.
func tierRank(p Policy, id string) int {
	return slices.IndexFunc(p.Tiers, func(t Tier) bool { return t.ID == id })
}

// qualified is the highest tier reached by points, "" for none.
func qualified(p Policy, points int64) string {
	id := ""
	for _, t := range p.Tiers {
		if points >= t.Min {
			id = t.ID
		}
	}
	return id
}

func (a *Account) sortLots() {
	slices.SortStableFunc(a.Lots, func(x, y Lot) int {
		return cmp.Or(x.ExpireTime.Compare(y.ExpireTime), x.EarnTime.Compare(y.EarnTime), cmp.Compare(x.ID, y.ID))
	})
}

func (a *Account) entry(id string, t Type, now time.Time) Entry {
	return Entry{ID: id, Account: a.ID, Type: t, Time: now.UTC()}
}

func (a *Account) finish(e *Entry, now time.Time) {
	a.UpdateTime = now.UTC()
	e.BalanceAfter = a.Balance(now)
	e.DebtAfter = a.Debt
	e.TierAfter = a.Tier
}

// Earning is points to add to the account.
type Earning struct {
	EntryID   string
	Type      Type // Earn, Adjust or MergeIn
	Source    string
	Points    int64
	Amount    int64 // the purchase's amount in minor units, 0 if none
	Reason    string
	Operator  string
	RequestID string
	// Purchase counts the earning as a purchase: it adds to the
	// qualifying points and the purchase count.
	Purchase      bool
	EarnTime      time.Time
	AvailableTime time.Time
	ExpireTime    time.Time
}

// Add records an earning: debt is repaid first, the rest becomes a lot.
// A purchase earning may raise the tier at once.
func (a *Account) Add(g Earning, p Policy, now time.Time) (Entry, *TierChange) {
	e := a.entry(g.EntryID, g.Type, now)
	e.Source, e.Reason, e.Operator, e.RequestID = g.Source, g.Reason, g.Operator, g.RequestID
	repay := min(a.Debt, g.Points)
	a.Debt -= repay
	e.DebtChange = -repay
	var period time.Time
	if g.Purchase {
		period = a.PeriodStart
	}
	if lot := g.Points - repay; lot > 0 || g.Amount > 0 {
		// A purchase whose points all repaid debt still gets its (empty)
		// lot, so that a refund of it finds what it earned.
		a.Lots = append(a.Lots, Lot{ID: g.EntryID, Source: g.Source, Earned: g.Points, Points: lot, Remaining: lot,
			Amount: g.Amount, EarnTime: g.EarnTime.UTC(), AvailableTime: g.AvailableTime.UTC(), ExpireTime: g.ExpireTime.UTC(), Period: period})
		a.sortLots()
		if lot > 0 {
			e.Points = lot
			e.Lots = []LotChange{{Lot: g.EntryID, Points: lot, ExpireTime: g.ExpireTime.UTC(), AvailableTime: g.AvailableTime.UTC()}}
		}
	}
	a.LifetimeEarned += g.Points
	e.LifetimeChange = g.Points
	var change *TierChange
	if g.Purchase {
		a.QualifyingPoints += g.Points
		a.QualifyingSpend += g.Amount
		a.Purchases++
		e.QualifyingChange, e.SpendChange, e.PurchaseChange = g.Points, g.Amount, 1
		if change = a.upgrade(p, "qualifying"); change != nil {
			e.Reason = strings.TrimPrefix(e.Reason+"; tier: "+change.Reason, "; ")
		}
	}
	a.finish(&e, now)
	return e, change
}

// InsufficientError is returned when the balance does not cover a spend.
func InsufficientError(balance, want int64) *apperr.Error {
	return errs.InsufficientPoints.New("balance %d does not cover %d points", balance, want).
		With("balance", strconv.FormatInt(balance, 10))
}

// Spend takes points from the available lots, soonest-expiring first, for
// a redemption or a negative adjustment. The balance never goes below
// zero: a spend it does not cover fails with INSUFFICIENT_POINTS.
func (a *Account) Spend(id string, t Type, points int64, reason, operator, requestID string, now time.Time) (Entry, error) {
	if b := a.Balance(now); b < points {
		return Entry{}, InsufficientError(b, points)
	}
	e := a.entry(id, t, now)
	e.Reason, e.Operator, e.RequestID = reason, operator, requestID
	left := points
	for i := range a.Lots {
		l := &a.Lots[i]
		if left == 0 {
			break
		}
		if l.Remaining == 0 || l.AvailableTime.After(now) {
			continue
		}
		take := min(left, l.Remaining)
		l.Remaining -= take
		left -= take
		e.Lots = append(e.Lots, LotChange{Lot: l.ID, Points: -take})
	}
	e.Points = -points
	a.finish(&e, now)
	return e, nil
}

// Restore returns the points a spend took (its lot changes) to the lots
// they came from, for a cancelled redemption. Points whose lot has expired
// or is gone since are not returned: they would have expired anyway.
func (a *Account) Restore(id string, taken []LotChange, reason string, now time.Time) Entry {
	e := a.entry(id, Cancel, now)
	e.Reason = reason
	for _, c := range taken {
		i := slices.IndexFunc(a.Lots, func(l Lot) bool { return l.ID == c.Lot })
		if i < 0 || c.Points >= 0 || !a.Lots[i].ExpireTime.After(now) {
			continue
		}
		a.Lots[i].Remaining -= c.Points
		e.Points -= c.Points
		e.Lots = append(e.Lots, LotChange{Lot: c.Lot, Points: -c.Points})
	}
	a.finish(&e, now)
	return e
}

// Refund reverses the points of the purchase that earned lot lotID, in
// proportion to the amount refunded (refunds add up; the total never
// exceeds the purchase). Unspent points of that lot are taken back; the
// part already spent becomes debt, or is forgiven under that policy. A
// purchase whose lot is gone (it expired) reverses nothing.
func (a *Account) Refund(id, lotID, source string, amount int64, p Policy, now time.Time) Entry {
	e := a.entry(id, Reverse, now)
	e.Source = source
	i := slices.IndexFunc(a.Lots, func(l Lot) bool { return l.ID == lotID })
	if i < 0 {
		e.Reason = "the purchase's points are no longer held (expired or never earned)"
		a.finish(&e, now)
		return e
	}
	l := &a.Lots[i]
	refunded := min(l.Amount, l.Refunded+amount)
	newly := refunded - l.Refunded
	target := l.Earned
	if l.Amount > 0 {
		target = l.Earned * refunded / l.Amount
	}
	due := target - l.Reversed
	l.Refunded, l.Reversed = refunded, target
	take := min(due, l.Remaining)
	l.Remaining -= take
	short := due - take
	if take > 0 {
		e.Lots = []LotChange{{Lot: l.ID, Points: -take}}
	}
	e.Points = -take
	e.Reason = fmt.Sprintf("refund of %d/%d of the purchase reverses %d points", refunded, l.Amount, due)
	if short > 0 {
		if p.ForgiveSpent {
			e.Reason += fmt.Sprintf("; %d already spent, forgiven", short)
		} else {
			a.Debt += short
			e.DebtChange = short
			e.Reason += fmt.Sprintf("; %d already spent, owed as debt", short)
		}
	}
	a.LifetimeEarned -= due
	e.LifetimeChange = -due
	if !l.Period.IsZero() && l.Period.Equal(a.PeriodStart) {
		q := min(due, a.QualifyingPoints)
		m := min(newly, a.QualifyingSpend)
		a.QualifyingPoints -= q
		a.QualifyingSpend -= m
		e.QualifyingChange, e.SpendChange = -q, -m
	}
	a.finish(&e, now)
	return e
}

// ExpireLots expires the remaining points of every lot whose time has
// come, one entry per lot (its id derived from the lot), and drops lots
// that are used up and past their expiry.
func (a *Account) ExpireLots(entryID func(lot string) string, now time.Time) []Entry {
	var out []Entry
	kept := a.Lots[:0]
	for _, l := range a.Lots {
		if l.ExpireTime.After(now) {
			kept = append(kept, l)
			continue
		}
		if l.Remaining > 0 {
			e := a.entry(entryID(l.ID), Expire, now)
			e.Points = -l.Remaining
			e.Source = l.Source
			e.Reason = fmt.Sprintf("points earned %s expired %s", l.EarnTime.Format(time.DateOnly), l.ExpireTime.Format(time.DateOnly))
			e.Lots = []LotChange{{Lot: l.ID, Points: -l.Remaining}}
			out = append(out, e)
		}
	}
	a.Lots = kept
	for i := range out {
		a.finish(&out[i], now)
	}
	return out
}

// RollPeriods ends every qualifying period that is over at now: the tier
// for the next period is the one the ended period's points qualify for
// (so a tier goes down only here), and qualifying points start again. It
// returns a TierMove entry for each period that changed the tier.
func (a *Account) RollPeriods(p Policy, entryID func(end time.Time) string, now time.Time) ([]Entry, []TierChange) {
	var entries []Entry
	var changes []TierChange
	for !now.Before(a.PeriodEnd) && p.PeriodMonths > 0 {
		end := a.PeriodEnd
		to := qualified(p, a.measure(p))
		reason := fmt.Sprintf("qualifying period ended %s with %d points, spend %d", end.Format(time.DateOnly), a.QualifyingPoints, a.QualifyingSpend)
		changed := to != a.Tier
		if changed {
			changes = append(changes, TierChange{From: a.Tier, To: to, Reason: reason})
			a.Tier = to
		} else {
			reason += "; tier kept"
		}
		// The reset is an entry even when the tier stays, so that the
		// audit can replay the qualifying figures.
		if changed || a.QualifyingPoints != 0 || a.QualifyingSpend != 0 {
			e := a.entry(entryID(end), TierMove, end)
			e.Reason = reason
			e.QualifyingChange, e.SpendChange = -a.QualifyingPoints, -a.QualifyingSpend
			a.QualifyingPoints, a.QualifyingSpend = 0, 0
			a.finish(&e, now)
			entries = append(entries, e)
		}
		a.PeriodStart = end
		a.PeriodEnd = end.AddDate(0, p.PeriodMonths, 0)
	}
	return entries, changes
}

// Transfer is what a merged account hands to its survivor.
type Transfer struct {
	From             string
	Lots             []Lot
	Debt             int64
	LifetimeEarned   int64
	QualifyingPoints int64
	QualifyingSpend  int64
	Purchases        int64
	PeriodStart      time.Time
}

// MoveOut empties a merging account into a transfer and marks it merged.
func (a *Account) MoveOut(entryID, survivor string, now time.Time) (Entry, Transfer) {
	t := Transfer{From: a.ID, Lots: a.Lots, Debt: a.Debt, LifetimeEarned: a.LifetimeEarned,
		QualifyingPoints: a.QualifyingPoints, QualifyingSpend: a.QualifyingSpend, Purchases: a.Purchases, PeriodStart: a.PeriodStart}
	e := a.entry(entryID, MergeOut, now)
	e.Source = survivor
	e.Reason = "customer merged; points moved to " + survivor
	for _, l := range a.Lots {
		if l.Remaining > 0 {
			e.Lots = append(e.Lots, LotChange{Lot: l.ID, Points: -l.Remaining})
			e.Points -= l.Remaining
		}
	}
	e.DebtChange = -a.Debt
	e.LifetimeChange, e.QualifyingChange, e.SpendChange, e.PurchaseChange = -a.LifetimeEarned, -a.QualifyingPoints, -a.QualifyingSpend, -a.Purchases
	a.Lots, a.Debt, a.LifetimeEarned, a.QualifyingPoints, a.QualifyingSpend, a.Purchases = nil, 0, 0, 0, 0, 0
	a.State, a.MergedInto = Merged, survivor
	a.finish(&e, now)
	return e, t
}

// MoveIn adds a merged account's lots, debt and history to this one; the
// tier may go up at once on the combined qualifying points.
func (a *Account) MoveIn(entryID string, t Transfer, p Policy, now time.Time) (Entry, *TierChange) {
	e := a.entry(entryID, MergeIn, now)
	e.Source = names.Accounts.Format(t.From)
	e.Reason = "points of a merged customer"
	for _, l := range t.Lots {
		// Purchases that counted in the loser's current period count in
		// the survivor's, as their qualifying points do.
		if !l.Period.IsZero() && l.Period.Equal(t.PeriodStart) {
			l.Period = a.PeriodStart
		}
		a.Lots = append(a.Lots, l)
		if l.Remaining > 0 {
			e.Lots = append(e.Lots, LotChange{Lot: l.ID, Points: l.Remaining, ExpireTime: l.ExpireTime, AvailableTime: l.AvailableTime})
			e.Points += l.Remaining
		}
	}
	a.sortLots()
	a.Debt += t.Debt
	a.LifetimeEarned += t.LifetimeEarned
	a.QualifyingPoints += t.QualifyingPoints
	a.QualifyingSpend += t.QualifyingSpend
	a.Purchases += t.Purchases
	e.DebtChange, e.LifetimeChange, e.PurchaseChange = t.Debt, t.LifetimeEarned, t.Purchases
	e.QualifyingChange, e.SpendChange = t.QualifyingPoints, t.QualifyingSpend
	change := a.upgrade(p, "merged qualifying")
	if change != nil {
		e.Reason += "; tier: " + change.Reason
	}
	a.finish(&e, now)
	return e, change
}

// upgrade raises the tier at once if the qualifying figure reached a
// higher one.
func (a *Account) upgrade(p Policy, what string) *TierChange {
	to := qualified(p, a.measure(p))
	if tierRank(p, to) <= tierRank(p, a.Tier) {
		return nil
	}
	unit := "points"
	if p.BySpend {
		unit = "spend"
	}
	ch := &TierChange{From: a.Tier, To: to, Reason: fmt.Sprintf("%s %s %d reached %s", what, unit, a.measure(p), to)}
	a.Tier = to
	return ch
}
