package points

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/ids"
	"github.com/opencrm/crm/services/loyalty/internal/catalogue"
	"github.com/opencrm/crm/services/loyalty/internal/errs"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/program"
)

// CreateReward adds a reward to a program's catalogue.
func (b *Book) CreateReward(ctx context.Context, r *catalogue.Reward) error {
	if _, err := b.Program(ctx, r.Program); err != nil {
		return err
	}
	r.CreateTime = b.Now().UTC()
	return b.repo.CreateReward(ctx, r)
}

// Rewards returns up to limit rewards of a program after id after, by
// id; with availableOnly, only those that can be redeemed.
func (b *Book) Rewards(ctx context.Context, programID, after string, availableOnly bool, limit int64) ([]*catalogue.Reward, error) {
	return b.repo.Rewards(ctx, programID, after, availableOnly, limit)
}

// UpdateReward changes a reward with edit (the caller's masked fields and
// their checks) if it is still at version want (any version with 0), and
// stores it if no other change came between.
func (b *Book) UpdateReward(ctx context.Context, programID, rewardID string, want int64, edit func(*catalogue.Reward) error) (*catalogue.Reward, error) {
	r, err := b.repo.Reward(ctx, catalogue.Key(programID, rewardID))
	if err != nil {
		return nil, err
	}
	prev, err := checkVersion(want, r.Version)
	if err != nil {
		return nil, err
	}
	if err := edit(r); err != nil {
		return nil, err
	}
	return r, b.repo.UpdateReward(ctx, r, prev)
}

// Redemptions returns a page of a customer's redemptions in a program,
// newest first.
// A customer without an account there (never enrolled, or erased) is
// NOT_FOUND.
func (b *Book) Redemptions(ctx context.Context, programID, customerID string, after *RedemptionCursor, limit int64) ([]*catalogue.Redemption, error) {
	if _, err := b.member(ctx, programID, customerID); err != nil {
		return nil, err
	}
	return b.repo.CustomerRedemptions(ctx, programID, customerID, after, limit)
}

// RedeemReward spends a reward's price and issues its code. The steps
// (a pending redemption, an item of stock reserved, the points spent under
// an entry id derived from the redemption, the redemption issued) are each
// idempotent, so a retry with the same request id, or the sweep, completes
// a redemption that a crash interrupted, and never spends twice.
func (b *Book) RedeemReward(ctx context.Context, programID, rewardID, customerID, requestID string) (*catalogue.Redemption, Result, error) {
	r, err := b.repo.Reward(ctx, catalogue.Key(programID, rewardID))
	if err != nil {
		return nil, Result{}, err
	}
	if _, err := b.member(ctx, programID, customerID); err != nil {
		return nil, Result{}, err
	}
	d := catalogue.New(r, customerID, requestID, b.Now())
	existed, err := b.repo.InsertRedemption(ctx, d)
	if err != nil {
		return nil, Result{}, err
	}
	if existed && d.State != catalogue.Pending {
		res, err := b.accountResult(ctx, programID, customerID)
		return d, res, err
	}
	if !existed {
		if err := r.Available(); err != nil {
			return nil, Result{}, errors.Join(err, b.repo.DeleteRedemption(ctx, d.ID))
		}
	}
	res, err := b.complete(ctx, d, r)
	return d, res, err
}

// complete takes a pending redemption to issued, or undoes it when the
// stock or the balance does not cover it.
func (b *Book) complete(ctx context.Context, d *catalogue.Redemption, r *catalogue.Reward) (Result, error) {
	if r.Limited {
		ok, err := b.repo.Reserve(ctx, r.ID, d.ID)
		if err != nil {
			return Result{}, err
		}
		if !ok {
			return Result{}, errors.Join(errs.OutOfStock.New("%s is out of stock", r.Name()),
				b.repo.DeleteRedemption(ctx, d.ID))
		}
	}
	res, err := b.apply(ctx, b.AccountID(d.Program, d.Customer), d.EntryID, forCustomer, nil, func(a *Account, _ *program.Compiled, now time.Time) error {
		e, err := a.Spend(d.EntryID, ledger.Redeem, d.Points, "reward "+r.Name()+" ("+d.Code+")", "", d.RequestID, now)
		if err != nil {
			return err
		}
		a.Entries = append(a.Entries, e)
		return nil
	})
	if errors.Is(err, errs.InsufficientPoints) {
		var undo error
		if r.Limited {
			undo = b.repo.Release(ctx, r.ID, d.ID)
		}
		return Result{}, errors.Join(err, undo, b.repo.DeleteRedemption(ctx, d.ID))
	}
	if err != nil {
		return Result{}, err
	}
	d.State = catalogue.Issued
	if _, err := b.repo.MoveRedemption(ctx, d, catalogue.Pending); err != nil {
		return Result{}, err
	}
	if r.Limited {
		if err := b.repo.Settle(ctx, r.ID, d.ID); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

// CompletePending completes the redemptions a crash left pending for more
// than a minute.
func (b *Book) CompletePending(ctx context.Context) (int, error) {
	pending, err := b.repo.PendingRedemptions(ctx, b.Now().Add(-time.Minute))
	if err != nil {
		return 0, err
	}
	for _, d := range pending {
		r, err := b.repo.Reward(ctx, d.Reward)
		if err != nil {
			return 0, err
		}
		if _, err := b.complete(ctx, d, r); err != nil {
			if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindFailedPrecondition {
				continue // undone: out of stock or points
			}
			return 0, fmt.Errorf("complete redemptions/%s: %w", d.ID, err)
		}
	}
	return len(pending), nil
}

// CancelRedemption returns a redemption's points to the lots they came
// from and its item to stock, within the reward's cancel window. The
// cancel is decided first, by one conditional write from issued to
// cancelling, so that a use racing it on any replica either wins (and the
// cancel is refused) or loses; the points and the stock are returned
// after, each step idempotent, and a crash between them is finished by a
// retry or by the sweep (CompleteCancels). A cancelled redemption is
// returned as it is.
func (b *Book) CancelRedemption(ctx context.Context, id string) (*catalogue.Redemption, Result, error) {
	d, err := b.repo.Redemption(ctx, id)
	if err != nil {
		return nil, Result{}, err
	}
	if d.State == catalogue.Cancelled {
		res, err := b.accountResult(ctx, d.Program, d.Customer)
		return d, res, err
	}
	if d.State != catalogue.Cancelling {
		if d, err = b.decideCancel(ctx, d); err != nil {
			return nil, Result{}, err
		}
	}
	res, err := b.finishCancel(ctx, d)
	if err != nil {
		return nil, Result{}, err
	}
	return d, res, nil
}

// decideCancel moves an issued redemption to cancelling, or says why it
// cannot be cancelled as it now stands (used by a racing use, say).
func (b *Book) decideCancel(ctx context.Context, d *catalogue.Redemption) (*catalogue.Redemption, error) {
	now := b.Now().UTC()
	if err := d.CanCancel(now); err != nil {
		return nil, err
	}
	d.State, d.CancelTime = catalogue.Cancelling, now.Truncate(time.Millisecond)
	moved, err := b.repo.MoveRedemption(ctx, d, catalogue.Issued)
	if err != nil || moved {
		return d, err
	}
	current, err := b.repo.Redemption(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	if current.State == catalogue.Cancelling || current.State == catalogue.Cancelled {
		return current, nil // another cancel decided it: finish it alike
	}
	return nil, current.CanCancel(now)
}

// finishCancel returns a cancelling redemption's points and stock and
// marks it cancelled. Each step is keyed by the redemption, so running it
// again does nothing twice.
func (b *Book) finishCancel(ctx context.Context, d *catalogue.Redemption) (Result, error) {
	spend, err := b.entry(ctx, b.AccountID(d.Program, d.Customer), d.EntryID)
	if err != nil {
		return Result{}, err
	}
	cancelID := ids.Derived("cancel:" + d.ID)
	res, err := b.apply(ctx, b.AccountID(d.Program, d.Customer), cancelID, forCustomer, nil, func(a *Account, _ *program.Compiled, now time.Time) error {
		a.Entries = append(a.Entries, a.Restore(cancelID, spend.Lots, "redemption "+d.Code+" cancelled", now))
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	r, err := b.repo.Reward(ctx, d.Reward)
	if err != nil {
		return Result{}, err
	}
	if r.Limited {
		if err := b.repo.Restock(ctx, r.ID, d.ID); err != nil {
			return Result{}, err
		}
	}
	if d.State == catalogue.Cancelling {
		d.State = catalogue.Cancelled
		if _, err := b.repo.MoveRedemption(ctx, d, catalogue.Cancelling); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

// CompleteCancels finishes the cancels a crash left half done for more
// than a minute: their points and stock are returned.
func (b *Book) CompleteCancels(ctx context.Context) (int, error) {
	cancelling, err := b.repo.CancellingRedemptions(ctx, b.Now().Add(-time.Minute))
	if err != nil {
		return 0, err
	}
	for _, d := range cancelling {
		if _, err := b.finishCancel(ctx, d); err != nil {
			return 0, fmt.Errorf("finish cancel of redemptions/%s: %w", d.ID, err)
		}
	}
	return len(cancelling), nil
}

// entry finds a ledger entry in the ledger or, not yet copied, in the
// account (following a merge).
func (b *Book) entry(ctx context.Context, accountID, id string) (ledger.Entry, error) {
	if e, ok, err := b.repo.LedgerEntry(ctx, id); err != nil || ok {
		return e, err
	}
	for accountID != "" {
		a, err := b.repo.Account(ctx, accountID)
		if err != nil {
			return ledger.Entry{}, err
		}
		if e, ok := a.Entry(id); ok {
			return e, nil
		}
		accountID = a.MergedInto
	}
	return ledger.Entry{}, fmt.Errorf("ledger entry %s not found", id)
}

// accountResult reads the account a result reports, following a merge.
func (b *Book) accountResult(ctx context.Context, programID, customerID string) (Result, error) {
	a, c, err := b.Account(ctx, programID, customerID)
	for err == nil && a.State == ledger.Merged {
		a, err = b.repo.Account(ctx, a.MergedInto)
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Account: a, Program: c}, nil
}
