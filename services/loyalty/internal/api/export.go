package api

import (
	"context"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/customerexport"
	"github.com/opencrm/crm/services/loyalty/internal/loyaltypb"
)

// ExportCustomer implements the API method.
func (h *Handler) ExportCustomer(ctx context.Context, req *loyaltyv1.ExportCustomerRequest) (*loyaltyv1.ExportCustomerResponse, error) {
	x, err := customerexport.Collect(ctx, req.GetCustomers(), h.book.Export)
	if err != nil {
		return nil, err
	}
	now := h.book.Now()
	resp := &loyaltyv1.ExportCustomerResponse{}
	for _, a := range x.Accounts {
		resp.Accounts = append(resp.Accounts, loyaltypb.AccountToProto(&a.Account.Account, a.Program, now))
	}
	for _, e := range x.Entries {
		resp.LedgerEntries = append(resp.LedgerEntries, loyaltypb.EntryToProto(e))
	}
	for _, d := range x.Redemptions {
		resp.Redemptions = append(resp.Redemptions, loyaltypb.RedemptionToProto(d.Redemption, d.AccountID))
	}
	return resp, nil
}
