package points

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/ids"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/loyaltypb"
	"github.com/opencrm/crm/services/loyalty/internal/names"
	"github.com/opencrm/crm/services/loyalty/internal/program"
)

// Sweep expires the lots whose time has come, warns once per lot 30 days
// ahead, and ends the qualifying periods that are over. It returns the
// accounts changed and the points expired.
func (b *Book) Sweep(ctx context.Context) (int, int64, error) {
	now := b.Now().UTC()
	due, err := b.repo.DueAccounts(ctx, now, now.Add(loyaltypb.ExpiringWindow))
	if err != nil {
		return 0, 0, err
	}
	var changed int
	var expired int64
	for _, id := range due {
		var points int64
		_, err := b.apply(ctx, id, "", forUpkeep, nil, func(a *Account, _ *program.Compiled, now time.Time) error {
			points = 0
			entries := a.ExpireLots(func(lot string) string { return ids.Derived("expire:" + lot) }, now)
			for _, e := range entries {
				points -= e.Points
			}
			a.Entries = append(a.Entries, entries...)
			warned := false
			for i := range a.Lots {
				l := &a.Lots[i]
				if l.Warned || l.Remaining == 0 || l.ExpireTime.After(now.Add(loyaltypb.ExpiringWindow)) {
					continue
				}
				l.Warned, warned = true, true
				err := b.event(ctx, a, &loyaltyv1.PointsExpiring{Account: loyaltypb.AccountName(a.ID), Customer: loyaltypb.CustomerName(a.Customer),
					Program: names.Programs.Format(a.Program), Points: l.Remaining, ExpireTime: timestamppb.New(l.ExpireTime)}, now)
				if err != nil {
					return err
				}
			}
			if len(entries) == 0 && !warned {
				return errUnchanged
			}
			return nil
		})
		if errors.Is(err, errUnchanged) {
			continue
		}
		if err != nil {
			return changed, expired, fmt.Errorf("expiry of accounts/%s: %w", id, err)
		}
		changed++
		expired += points
	}
	return changed, expired, nil
}

// Merge moves each of the loser's accounts into the survivor's account in
// the same program (opened if needed): lots, debt, lifetime and
// qualifying points, purchases. The loser's account is frozen first
// (changes to it are ABORTED meanwhile), so what moves is exactly what it
// held; every step is idempotent, so a replay after a crash completes it.
func (b *Book) Merge(ctx context.Context, loserID, survivorID string) error {
	accts, err := b.repo.AccountsOf(ctx, loserID)
	if err != nil {
		return err
	}
	for _, id := range accts {
		if err := b.mergeAccount(ctx, id, survivorID); err != nil {
			return fmt.Errorf("merge accounts/%s: %w", id, err)
		}
	}
	return nil
}

func (b *Book) mergeAccount(ctx context.Context, loserAcct, survivorID string) error {
	l, err := b.repo.Account(ctx, loserAcct)
	if err != nil {
		return err
	}
	if l.State == ledger.Merged {
		return nil
	}
	s, _, err := b.Enrol(ctx, l.Program, survivorID, false)
	if err != nil {
		return err
	}
	r, err := b.apply(ctx, loserAcct, "", forMerge, nil, func(a *Account, _ *program.Compiled, _ time.Time) error {
		if a.State == ledger.Merging {
			return errUnchanged
		}
		a.State, a.MergedInto = ledger.Merging, s.ID
		return nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return err
	}
	// The frozen account's transfer, computed on a copy.
	frozen := r.Account.Account
	frozen.Lots = slices.Clone(frozen.Lots)
	_, transfer := frozen.MoveOut("", loyaltypb.AccountName(s.ID), b.Now())
	_, err = b.apply(ctx, s.ID, ids.Derived("merge-in:"+loserAcct), forMerge, nil, func(a *Account, c *program.Compiled, now time.Time) error {
		e, ch := a.MoveIn(ids.Derived("merge-in:"+loserAcct), transfer, c.Policy(), now)
		a.Entries = append(a.Entries, e)
		if ch != nil {
			return b.tierChanged(ctx, a, *ch, now)
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = b.apply(ctx, loserAcct, ids.Derived("merge-out:"+loserAcct), forMerge, nil, func(a *Account, _ *program.Compiled, now time.Time) error {
		e, _ := a.MoveOut(ids.Derived("merge-out:"+loserAcct), loyaltypb.AccountName(s.ID), now)
		a.MergedInto = s.ID
		a.PeriodEnd = ledger.Never
		a.Entries = append(a.Entries, e)
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

// SaveMembers stores the facts earning rules see of customers.
func (b *Book) SaveMembers(ctx context.Context, ms []Member) error {
	return b.repo.SaveMembers(ctx, ms)
}

// Erased is what an erasure pseudonymised in loyalty.
type Erased struct {
	Accounts    int64
	Redemptions int64
}

// Erase pseudonymises a customer's accounts: they keep their lots and
// ledger (the money trail stays auditable), but no longer name the
// customer, so that no read by the customer finds them again; the
// ledger's copies and the redemptions forget the customer too, and the
// facts kept for earning rules are deleted. Their feed events are
// redacted here.
func (b *Book) Erase(ctx context.Context, customerID string) (Erased, error) {
	accts, err := b.repo.AccountsOf(ctx, customerID)
	if err != nil {
		return Erased{}, err
	}
	for _, id := range accts {
		if err := b.eraseAccount(ctx, id); err != nil {
			return Erased{}, fmt.Errorf("erase accounts/%s: %w", id, err)
		}
	}
	redemptions, err := b.repo.PseudonymiseRedemptions(ctx, customerID)
	if err != nil {
		return Erased{}, err
	}
	if err := b.repo.ForgetMember(ctx, customerID); err != nil {
		return Erased{}, err
	}
	if err := b.repo.Redact(ctx, loyaltypb.CustomerName(customerID)); err != nil {
		return Erased{}, err
	}
	return Erased{Accounts: int64(len(accts)), Redemptions: redemptions}, nil
}

// errBatchMoved means a feed batch wrote the account since it was read.
var errBatchMoved = errors.New("a feed batch changed the account meanwhile")

// eraseAccount pseudonymises one account. What a feed batch left in it to
// copy out (Account.Batch) names the customer in its events: it is copied
// out first (nothing is added if it was already) and dropped by the
// change; if the account changed meanwhile, it starts again.
func (b *Book) eraseAccount(ctx context.Context, id string) error {
	for range maxAttempts {
		read, err := b.repo.Account(ctx, id)
		if err != nil {
			return err
		}
		if read.Batch != nil {
			if err := b.repo.CopyOut(ctx, read.Batch.Entries, read.Batch.Events); err != nil {
				return err
			}
		}
		_, err = b.apply(ctx, id, "", forUpkeep, nil, func(a *Account, _ *program.Compiled, _ time.Time) error {
			if a.Batch != nil && a.Version != read.Version {
				return errBatchMoved
			}
			a.Batch, a.Customer = nil, ""
			if a.State != ledger.Merged {
				a.State = ledger.Erased
			}
			return nil
		})
		switch {
		case errors.Is(err, errBatchMoved):
			continue
		case errors.Is(err, errUnchanged):
			return errors.New("it is being merged; retry")
		default:
			return err
		}
	}
	return errors.New("it keeps changing; retry")
}

// Difference is an account whose figures differ from its ledger.
type Difference struct {
	Account  string
	Problems []string
}

// Audit replays every account of a program from its ledger and returns
// those that differ; with repair, it rewrites them from the ledger.
func (b *Book) Audit(ctx context.Context, programID string, repair bool) (int, []Difference, error) {
	if _, err := b.Program(ctx, programID); err != nil {
		return 0, nil, err
	}
	var checked int
	var diffs []Difference
	after := ""
	for {
		page, err := b.repo.ProgramAccounts(ctx, programID, after, 200)
		if err != nil {
			return checked, diffs, err
		}
		if len(page) == 0 {
			return checked, diffs, nil
		}
		for _, id := range page {
			a, err := b.repo.Account(ctx, id)
			if err != nil {
				return checked, diffs, err
			}
			entries, err := b.entries(ctx, a)
			if err != nil {
				return checked, diffs, err
			}
			checked++
			problems := ledger.Audit(&a.Account, entries)
			if len(problems) == 0 {
				continue
			}
			diffs = append(diffs, Difference{Account: id, Problems: problems})
			if repair {
				_, err := b.apply(ctx, id, "", forUpkeep, nil, func(a *Account, _ *program.Compiled, now time.Time) error {
					entries, err := b.entries(ctx, a)
					if err != nil {
						return err
					}
					ledger.Rebuild(&a.Account, entries, now)
					return nil
				})
				if err != nil && !errors.Is(err, errUnchanged) {
					return checked, diffs, fmt.Errorf("repair accounts/%s: %w", id, err)
				}
			}
		}
		after = page[len(page)-1]
	}
}

// entries is an account's whole ledger, including the entries its
// document still carries.
func (b *Book) entries(ctx context.Context, a *Account) ([]ledger.Entry, error) {
	stored, err := b.repo.Entries(ctx, EntryFilter{Account: a.ID}, nil, 0)
	if err != nil {
		return nil, err
	}
	for _, e := range a.Carried() {
		if !slices.ContainsFunc(stored, func(s ledger.Entry) bool { return s.ID == e.ID }) {
			stored = append(stored, e)
		}
	}
	return stored, nil
}
