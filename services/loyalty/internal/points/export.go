package points

import (
	"context"
	"fmt"
	"slices"

	"github.com/opencrm/crm/services/loyalty/internal/catalogue"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/program"
)

// exportPage is how many entries or redemptions an export reads per query.
const exportPage = 500

// Export is everything loyalty holds about some customers, for an access
// request.
type Export struct {
	// Accounts in every program, with their programs.
	Accounts []ExportedAccount
	// Entries of those accounts, by account then newest first: those
	// copied to the ledger and those still waiting in the account.
	Entries []ledger.Entry
	// Redemptions, by account then newest first.
	Redemptions []ExportedRedemption
}

// ExportedAccount is an account with its program.
type ExportedAccount struct {
	Account *Account
	Program *program.Program
}

// ExportedRedemption is a redemption with the account whose ledger holds
// its entry.
type ExportedRedemption struct {
	Redemption *catalogue.Redemption
	AccountID  string
}

// Export collects the accounts, ledger entries and redemptions of the
// given customers (a customer and those merged into it).
func (b *Book) Export(ctx context.Context, customerIDs []string) (*Export, error) {
	out := &Export{}
	for _, customerID := range customerIDs {
		ids, err := b.repo.AccountsOf(ctx, customerID)
		if err != nil {
			return nil, fmt.Errorf("export accounts of %s: %w", customerID, err)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if err := b.exportAccount(ctx, out, id); err != nil {
				return nil, fmt.Errorf("export account %s: %w", id, err)
			}
		}
	}
	return out, nil
}

func (b *Book) exportAccount(ctx context.Context, out *Export, id string) error {
	a, err := b.repo.Account(ctx, id)
	if err != nil {
		return err
	}
	p, err := b.repo.Program(ctx, a.Program)
	if err != nil {
		return err
	}
	out.Accounts = append(out.Accounts, ExportedAccount{Account: a, Program: p})
	seen := map[string]bool{}
	var after *EntryCursor
	for {
		page, err := b.repo.Entries(ctx, EntryFilter{Account: id}, after, exportPage)
		if err != nil {
			return err
		}
		for _, e := range page {
			seen[e.ID] = true
		}
		out.Entries = append(out.Entries, page...)
		if len(page) < exportPage {
			break
		}
		last := page[len(page)-1]
		after = &EntryCursor{Time: last.Time, ID: last.ID}
	}
	for _, e := range a.Carried() {
		if !seen[e.ID] {
			out.Entries = append(out.Entries, e)
		}
	}
	var afterRedemption *RedemptionCursor
	for {
		page, err := b.repo.CustomerRedemptions(ctx, a.Program, a.Customer, afterRedemption, exportPage)
		if err != nil {
			return err
		}
		for _, d := range page {
			out.Redemptions = append(out.Redemptions, ExportedRedemption{Redemption: d, AccountID: id})
		}
		if len(page) < exportPage {
			break
		}
		last := page[len(page)-1]
		afterRedemption = &RedemptionCursor{Time: last.CreateTime, ID: last.ID}
	}
	return nil
}
