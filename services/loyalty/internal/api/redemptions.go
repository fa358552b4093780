package api

import (
	"context"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/services/loyalty/internal/loyaltypb"
)

// LookupRedemption implements the API method. The code's shape was
// checked by the request's validation (INVALID_ARGUMENT naming code).
func (h *Handler) LookupRedemption(ctx context.Context, req *loyaltyv1.LookupRedemptionRequest) (*loyaltyv1.LookupRedemptionResponse, error) {
	d, err := h.book.LookupRedemption(ctx, req.GetCode())
	if err != nil {
		return nil, err
	}
	return &loyaltyv1.LookupRedemptionResponse{Redemption: loyaltypb.RedemptionToProto(d, h.book.AccountID(d.Program, d.Customer))}, nil
}

// UseRedemption implements the API method. A retry with the same
// request_id gets the first answer, not REDEMPTION_USED.
func (h *Handler) UseRedemption(ctx context.Context, req *loyaltyv1.UseRedemptionRequest) (*loyaltyv1.UseRedemptionResponse, error) {
	return idempotency.Do(ctx, h.keys, "UseRedemption", req.GetRequestId(), req, func(ctx context.Context) (*loyaltyv1.UseRedemptionResponse, string, error) {
		d, err := h.book.UseRedemption(ctx, req.GetCode())
		if err != nil {
			return nil, "", err
		}
		r := loyaltypb.RedemptionToProto(d, h.book.AccountID(d.Program, d.Customer))
		return &loyaltyv1.UseRedemptionResponse{Redemption: r}, r.GetCustomer(), nil
	})
}
