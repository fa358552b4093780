package points

import (
	"context"
	"errors"
	"fmt"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/services/loyalty/internal/catalogue"
	"github.com/opencrm/crm/services/loyalty/internal/errs"
	"github.com/opencrm/crm/services/loyalty/internal/names"
)

// LookupRedemption returns the redemption holding a reward code. A code
// whose customer was erased is NOT_FOUND, as that customer's
// redemptions list is.
func (b *Book) LookupRedemption(ctx context.Context, code string) (*catalogue.Redemption, error) {
	d, err := b.repo.RedemptionByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	// The erasure closes the account before it pseudonymises the
	// redemptions: in between, the account says the customer is gone.
	if _, err := b.member(ctx, d.Program, d.Customer); err != nil {
		if errors.Is(err, errs.NoAccount) {
			return nil, apperr.NotFound("redemption code " + code)
		}
		return nil, err
	}
	return d, nil
}

// UseRedemption marks a reward code used, once: a used or cancelled code
// is FAILED_PRECONDITION. The write is conditional on the redemption
// still being issued, so of uses racing exactly one succeeds and the
// others get REDEMPTION_USED.
func (b *Book) UseRedemption(ctx context.Context, code string) (*catalogue.Redemption, error) {
	d, err := b.LookupRedemption(ctx, code)
	if err != nil {
		return nil, err
	}
	if err := d.Use(b.Now()); err != nil {
		return nil, err
	}
	ok, err := b.repo.UseRedemption(ctx, d.ID, d.UseTime)
	if err != nil {
		return nil, err
	}
	if ok {
		return d, nil
	}
	// Another use or a cancel came first: say which.
	now, err := b.repo.Redemption(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	if err := now.Use(b.Now()); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("use %s: the conditional write matched nothing, yet it is still issued", names.Redemptions.Format(d.ID))
}
