package api

import (
	"context"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/customerexport"
	"github.com/opencrm/crm/services/interaction/internal/recordpb"
)

// ExportCustomer implements the API method.
func (h *Handler) ExportCustomer(ctx context.Context, req *interactionv1.ExportCustomerRequest) (*interactionv1.ExportCustomerResponse, error) {
	x, err := customerexport.Collect(ctx, req.GetCustomers(), h.book.Export)
	if err != nil {
		return nil, err
	}
	resp := &interactionv1.ExportCustomerResponse{}
	for _, i := range x.Interactions {
		resp.Interactions = append(resp.Interactions, recordpb.ToProto(i))
	}
	now := h.book.Now()
	for _, c := range x.Cases {
		resp.Cases = append(resp.Cases, recordpb.CaseToProto(c, now))
	}
	return resp, nil
}
