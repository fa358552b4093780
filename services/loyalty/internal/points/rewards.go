package points

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/ids"
	"github.com/opencrm/crm/services/loyalty/internal/catalogue"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/program"
	"github.com/opencrm/crm/services/loyalty/internal/store"
)

// CreateReward adds a reward to a program's catalogue.
func (b *Book) CreateReward(ctx context.Context, r *catalogue.Reward) error {
	if _, err := b.Program(ctx, r.Program); err != nil {
		return err
	}
	r.CreateTime = b.Now().UTC()
	return b.Store.CreateReward(ctx, r)
}

// RedeemReward spends a reward's price and issues its code. The steps
// (a pending redemption, an item of stock reserved, the points spent under
// an entry id derived from the redemption, the redemption issued) are each
// idempotent, so a retry with the same request id, or the sweep, completes
// a redemption that a crash interrupted, and never spends twice.
func (b *Book) RedeemReward(ctx context.Context, programID, rewardID, customerID, requestID string) (*catalogue.Redemption, Result, error) {
	r, err := b.Store.Reward(ctx, catalogue.Key(programID, rewardID))
	if err != nil {
		return nil, Result{}, err
	}
	if _, err := b.member(ctx, programID, customerID); err != nil {
		return nil, Result{}, err
	}
	d := catalogue.New(r, customerID, requestID, b.Now())
	existed, err := b.Store.InsertRedemption(ctx, d)
	if err != nil {
		return nil, Result{}, err
	}
	if existed && d.State != catalogue.Pending {
		res, err := b.accountResult(ctx, programID, customerID)
		return d, res, err
	}
	if !existed {
		if err := r.Available(); err != nil {
			return nil, Result{}, errors.Join(err, b.Store.DeleteRedemption(ctx, d.ID))
		}
	}
	res, err := b.complete(ctx, d, r)
	return d, res, err
}

// complete takes a pending redemption to issued, or undoes it when the
// stock or the balance does not cover it.
func (b *Book) complete(ctx context.Context, d *catalogue.Redemption, r *catalogue.Reward) (Result, error) {
	if r.Limited {
		ok, err := b.Store.Reserve(ctx, r.ID, d.ID)
		if err != nil {
			return Result{}, err
		}
		if !ok {
			return Result{}, errors.Join(apperr.New(apperr.KindFailedPrecondition, "OUT_OF_STOCK", "%s is out of stock", r.Name()),
				b.Store.DeleteRedemption(ctx, d.ID))
		}
	}
	res, err := b.apply(ctx, AccountID(d.Program, d.Customer), d.EntryID, forCustomer, nil, func(a *store.Account, _ *program.Compiled, now time.Time) error {
		e, err := a.Spend(d.EntryID, ledger.Redeem, d.Points, "reward "+r.Name()+" ("+d.Code+")", "", d.RequestID, now)
		if err != nil {
			return err
		}
		a.Entries = append(a.Entries, e)
		return nil
	})
	if ae, ok := apperr.As(err); ok && ae.Reason == "INSUFFICIENT_POINTS" {
		var undo error
		if r.Limited {
			undo = b.Store.Release(ctx, r.ID, d.ID)
		}
		return Result{}, errors.Join(err, undo, b.Store.DeleteRedemption(ctx, d.ID))
	}
	if err != nil {
		return Result{}, err
	}
	d.State = catalogue.Issued
	if err := b.Store.MoveRedemption(ctx, d, catalogue.Pending); err != nil {
		return Result{}, err
	}
	if r.Limited {
		if err := b.Store.Settle(ctx, r.ID, d.ID); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

// CompletePending completes the redemptions a crash left pending for more
// than a minute.
func (b *Book) CompletePending(ctx context.Context) (int, error) {
	pending, err := b.Store.PendingRedemptions(ctx, b.Now().Add(-time.Minute))
	if err != nil {
		return 0, err
	}
	for _, d := range pending {
		r, err := b.Store.Reward(ctx, d.Reward)
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
// from and its item to stock, within the reward's cancel window. A
// cancelled redemption is returned as it is.
func (b *Book) CancelRedemption(ctx context.Context, id string) (*catalogue.Redemption, Result, error) {
	d, err := b.Store.Redemption(ctx, id)
	if err != nil {
		return nil, Result{}, err
	}
	if d.State == catalogue.Cancelled {
		res, err := b.accountResult(ctx, d.Program, d.Customer)
		return d, res, err
	}
	now := b.Now().UTC()
	if err := d.CanCancel(now); err != nil {
		return nil, Result{}, err
	}
	spend, err := b.entry(ctx, AccountID(d.Program, d.Customer), d.EntryID)
	if err != nil {
		return nil, Result{}, err
	}
	cancelID := ids.Derived("cancel:" + d.ID)
	res, err := b.apply(ctx, AccountID(d.Program, d.Customer), cancelID, forCustomer, nil, func(a *store.Account, _ *program.Compiled, now time.Time) error {
		a.Entries = append(a.Entries, a.Restore(cancelID, spend.Lots, "redemption "+d.Code+" cancelled", now))
		return nil
	})
	if err != nil {
		return nil, Result{}, err
	}
	d.State, d.CancelTime = catalogue.Cancelled, now
	if err := b.Store.MoveRedemption(ctx, d, catalogue.Issued); err != nil {
		return nil, Result{}, err
	}
	r, err := b.Store.Reward(ctx, d.Reward)
	if err != nil {
		return nil, Result{}, err
	}
	if r.Limited {
		if err := b.Store.Restock(ctx, r.ID, d.ID); err != nil {
			return nil, Result{}, err
		}
	}
	return d, res, nil
}

// entry finds a ledger entry in the ledger or, not yet copied, in the
// account (following a merge).
func (b *Book) entry(ctx context.Context, accountID, id string) (ledger.Entry, error) {
	if e, ok, err := b.Store.LedgerEntry(ctx, id); err != nil || ok {
		return e, err
	}
	for accountID != "" {
		a, err := b.Store.Account(ctx, accountID)
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
		a, err = b.Store.Account(ctx, a.MergedInto)
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Account: a, Program: c}, nil
}
