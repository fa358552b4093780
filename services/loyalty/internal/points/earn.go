package points

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/ids"
	"github.com/opencrm/crm/pkg/money"
	"github.com/opencrm/crm/services/loyalty/internal/errs"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/names"
	"github.com/opencrm/crm/services/loyalty/internal/program"
	"github.com/opencrm/crm/services/loyalty/internal/rules"
)

// Purchase is a purchase to earn on.
type Purchase struct {
	// Source is what the entry names as its cause: "interactions/{id}"
	// or the order id of a point-of-sale call.
	Source    string
	OrderID   string
	Currency  string
	Amount    int64 // minor units
	Channel   string
	Tags      []string
	SKUs      []string
	ItemCount int64
	OccurTime time.Time
}

// facts is the purchase as earning rules see it.
func (p Purchase) facts() rules.Purchase {
	return rules.Purchase{
		Amount: float64(p.Amount) / math.Pow10(money.Exponent(p.Currency)), Currency: p.Currency, Channel: p.Channel,
		OrderID: p.OrderID, Tags: p.Tags, SKUs: p.SKUs, ItemCount: p.ItemCount,
	}
}

// customerFacts is the customer as earning rules see them, for a purchase
// at time at; a nil account is a new member.
func customerFacts(a *ledger.Account, m Member, at time.Time) rules.Customer {
	f := rules.Customer{FirstPurchase: true, BirthMonth: m.BirthMonth, Consents: m.Consents,
		BirthdayMonth: m.BirthMonth != 0 && at.Month() == time.Month(m.BirthMonth)}
	if a != nil {
		f.Tier, f.FirstPurchase, f.Purchases = a.Tier, a.Purchases == 0, a.Purchases
		f.QualifyingPoints, f.LifetimeEarned = a.QualifyingPoints, a.LifetimeEarned
	}
	return f
}

// checkCurrency refuses an amount (its currency at field) in another
// currency than the program's.
func checkCurrency(c *program.Compiled, field, currency string) error {
	if currency != c.Currency {
		return apperr.Invalid(field, "is %s; programs/%s earns on %s", currency, c.ID, c.Currency)
	}
	return nil
}

// earn adds the purchase's points to the customer's account as entry
// entryID, enrolling the customer first if the program enrols
// automatically (checked against customer-profile when check is set);
// seq is the purchase's event on interaction-log's feed, 0 for none.
func (b *Book) earn(ctx context.Context, c *program.Compiled, customerID, entryID, requestID string, p Purchase, check bool, seq int64) (Result, error) {
	r, err := b.earnOnce(ctx, c, b.AccountID(c.ID, customerID), entryID, requestID, p, seq)
	if isMissing(err) && c.AutoEnrol {
		if _, _, err = b.Enrol(ctx, c.ID, customerID, check); err != nil {
			return Result{}, err
		}
		r, err = b.earnOnce(ctx, c, b.AccountID(c.ID, customerID), entryID, requestID, p, seq)
	}
	return r, notEnrolled(err, c.ID, customerID)
}

func (b *Book) earnOnce(ctx context.Context, known *program.Compiled, accountID, entryID, requestID string, p Purchase, seq int64) (Result, error) {
	return b.apply(ctx, accountID, entryID, forCustomer, known, fed(seq, accountID, b.earning(ctx, entryID, requestID, p, func(customer string) (Member, error) {
		return b.repo.Member(ctx, customer)
	})))
}

// fed returns fn recording, when it changes account id itself, that the
// event seq of interaction-log's feed is applied to it (Account.ISeq);
// seq 0 is no feed event. A change forwarded to a merge's survivor records
// nothing there: the survivor's own events may not be applied yet, and
// the entry id keeps the forwarded change once.
func fed(seq int64, id string, fn change) change {
	if seq == 0 {
		return fn
	}
	return func(a *Account, c *program.Compiled, now time.Time) error {
		if err := fn(a, c, now); err != nil {
			return err
		}
		if a.ID == id {
			a.ISeq = max(a.ISeq, seq)
		}
		return nil
	}
}

// earning is the change that earns a purchase's points as entry entryID;
// member returns the customer's facts, read only when one of the
// program's earning rules reads them.
func (b *Book) earning(ctx context.Context, entryID, requestID string, p Purchase, member func(customer string) (Member, error)) change {
	return func(a *Account, c *program.Compiled, now time.Time) error {
		at := p.OccurTime
		if at.IsZero() {
			at = now
		}
		var m Member
		if c.ReadsProfile() {
			var err error
			if m, err = member(a.Customer); err != nil {
				return err
			}
		}
		calc, err := c.Points(p.facts(), customerFacts(&a.Account, m, at))
		if err != nil {
			return err
		}
		e, ch := a.Add(ledger.Earning{EntryID: entryID, Type: ledger.Earn, Source: p.Source, Points: calc.Points, Amount: p.Amount,
			Reason: calc.Reason(), RequestID: requestID, Purchase: true,
			EarnTime: at, AvailableTime: c.AvailableTime(at), ExpireTime: c.ExpireTime(at)}, c.Policy(), now)
		a.Entries = append(a.Entries, e)
		if ch != nil {
			return b.tierChanged(ctx, a, *ch, now)
		}
		return nil
	}
}

// EarnPoints earns points for a purchase reported by an API caller; the
// same request id never earns twice.
func (b *Book) EarnPoints(ctx context.Context, programID, customerID, requestID string, p Purchase) (Result, error) {
	c, err := b.Program(ctx, programID)
	if err != nil {
		return Result{}, err
	}
	if err := checkCurrency(c, "purchase.amount.currency_code", p.Currency); err != nil {
		return Result{}, err
	}
	return b.earn(ctx, c, customerID, EarnEntryID(programID, requestID), requestID, p, true, 0)
}

// EarnEntryID is the id of the entry (and lot) an EarnPoints call with
// that request id writes.
func EarnEntryID(programID, requestID string) string {
	return ids.Derived("earn:" + programID + "/" + requestID)
}

// ReversePoints reverses, for a point-of-sale refund, the share of an
// EarnPoints purchase's points that amount is of the purchase.
func (b *Book) ReversePoints(ctx context.Context, programID, customerID, earnRequestID, requestID, currency string, amount int64) (Result, error) {
	c, err := b.Program(ctx, programID)
	if err != nil {
		return Result{}, err
	}
	if err := checkCurrency(c, "amount.currency_code", currency); err != nil {
		return Result{}, err
	}
	lot := EarnEntryID(programID, earnRequestID)
	entryID := ids.Derived("reverse:" + programID + "/" + requestID)
	r, err := b.apply(ctx, b.AccountID(programID, customerID), entryID, forCustomer, c, func(a *Account, c *program.Compiled, now time.Time) error {
		if !slices.ContainsFunc(a.Lots, func(l ledger.Lot) bool { return l.ID == lot }) {
			if _, known, err := b.repo.LedgerEntry(ctx, lot); err != nil {
				return err
			} else if !known {
				return errs.PurchaseNotFound.New("no EarnPoints call with request_id %q earned in programs/%s", earnRequestID, programID).
					With("field", "earn_request_id")
			}
		}
		a.Entries = append(a.Entries, a.Refund(entryID, lot, "order refund", amount, c.Policy(), now))
		return nil
	})
	return r, notEnrolled(err, programID, customerID)
}

// RefundEntryID is the id of the entry a refund interaction wrote in a
// program.
func RefundEntryID(programID, refundID string) string {
	return ids.Derived("refund:" + programID + "/" + refundID)
}

// refunding is the change that reverses, as entry entryID, the share of a
// purchase's points that a refund's amount is of it.
func refunding(entryID, refundID, purchaseID string, amount int64) change {
	return func(a *Account, c *program.Compiled, now time.Time) error {
		a.Entries = append(a.Entries, a.Refund(entryID, LotID(c.ID, purchaseID), names.Interactions.Format(refundID), amount, c.Policy(), now))
		return nil
	}
}

// Redeem spends points; a balance that does not cover them is
// FAILED_PRECONDITION with the balance.
func (b *Book) Redeem(ctx context.Context, programID, customerID, requestID string, points int64, reason string) (Result, error) {
	return b.spend(ctx, programID, customerID, ids.Derived("redeem:"+programID+"/"+requestID), ledger.Redeem, points, reason, "", requestID)
}

// Adjust adds or removes points by an operator's decision.
func (b *Book) Adjust(ctx context.Context, programID, customerID, requestID string, points int64, reason, operator string) (Result, error) {
	entryID := ids.Derived("adjust:" + programID + "/" + requestID)
	if points < 0 {
		return b.spend(ctx, programID, customerID, entryID, ledger.Adjust, -points, reason, operator, requestID)
	}
	r, err := b.apply(ctx, b.AccountID(programID, customerID), entryID, forCustomer, nil, func(a *Account, c *program.Compiled, now time.Time) error {
		e, _ := a.Add(ledger.Earning{EntryID: entryID, Type: ledger.Adjust, Source: "adjustment", Points: points, Reason: reason,
			Operator: operator, RequestID: requestID, EarnTime: now, AvailableTime: now, ExpireTime: c.ExpireTime(now)}, c.Policy(), now)
		a.Entries = append(a.Entries, e)
		return nil
	})
	return r, notEnrolled(err, programID, customerID)
}

func (b *Book) spend(ctx context.Context, programID, customerID, entryID string, t ledger.Type, points int64, reason, operator, requestID string) (Result, error) {
	r, err := b.apply(ctx, b.AccountID(programID, customerID), entryID, forCustomer, nil, func(a *Account, _ *program.Compiled, now time.Time) error {
		e, err := a.Spend(entryID, t, points, reason, operator, requestID, now)
		if err != nil {
			return err
		}
		a.Entries = append(a.Entries, e)
		return nil
	})
	return r, notEnrolled(err, programID, customerID)
}

// Preview says what a purchase would earn for a customer (or a new
// member, with customerID empty), and how much of it would repay debt.
func (b *Book) Preview(ctx context.Context, programID, customerID string, p Purchase) (program.Calculation, int64, error) {
	c, err := b.Program(ctx, programID)
	if err != nil {
		return program.Calculation{}, 0, err
	}
	if err := checkCurrency(c, "purchase.amount.currency_code", p.Currency); err != nil {
		return program.Calculation{}, 0, err
	}
	var acct *ledger.Account
	m := Member{}
	if customerID != "" {
		if m, err = b.repo.Member(ctx, customerID); err != nil {
			return program.Calculation{}, 0, err
		}
		a, err := b.repo.Account(ctx, b.AccountID(programID, customerID))
		if err == nil {
			acct = &a.Account
		} else if !isMissing(err) {
			return program.Calculation{}, 0, err
		}
	}
	at := p.OccurTime
	if at.IsZero() {
		at = b.Now()
	}
	calc, err := c.Points(p.facts(), customerFacts(acct, m, at))
	if err != nil {
		return program.Calculation{}, 0, err
	}
	var repaid int64
	if acct != nil {
		repaid = min(acct.Debt, calc.Points)
	}
	return calc, repaid, nil
}
