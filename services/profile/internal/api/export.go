package api

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/profile/internal/exports"
)

// WithExports serves the access exports' methods with x.
func (h *Handler) WithExports(x *exports.Exports) *Handler {
	h.exports = x
	return h
}

// ExportCustomerData implements the API method.
func (h *Handler) ExportCustomerData(ctx context.Context, req *customerv1.ExportCustomerDataRequest) (*customerv1.ExportCustomerDataResponse, error) {
	id, err := resname.Customers.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	x, err := h.exports.Start(ctx, id, req.GetReason())
	if err != nil {
		return nil, err
	}
	return &customerv1.ExportCustomerDataResponse{Export: exportToProto(x)}, nil
}

// GetExport implements the API method.
func (h *Handler) GetExport(ctx context.Context, req *customerv1.GetExportRequest) (*customerv1.GetExportResponse, error) {
	id, err := exports.Names.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	x, err := h.exports.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &customerv1.GetExportResponse{Export: exportToProto(x)}, nil
}

// DownloadExport implements the API method.
func (h *Handler) DownloadExport(req *customerv1.DownloadExportRequest, stream customerv1.CustomerService_DownloadExportServer) error {
	id, err := exports.Names.Parse("name", req.GetName())
	if err != nil {
		return err
	}
	return h.exports.Download(stream.Context(), id, func(b []byte) error {
		return stream.Send(&customerv1.DownloadExportResponse{Data: b})
	})
}

func exportToProto(x *exports.Export) *customerv1.Export {
	p := &customerv1.Export{Name: exports.Names.Format(x.ID), Customer: resname.Customers.Format(x.Customer), Reason: x.Reason,
		State: customerv1.ExportState(x.State), CreateTime: timestamppb.New(x.CreateTime)}
	for _, id := range x.Customers {
		p.Customers = append(p.Customers, resname.Customers.Format(id))
	}
	if !x.EndTime.IsZero() {
		p.EndTime = timestamppb.New(x.EndTime)
	}
	for _, part := range x.Parts {
		pp := &customerv1.ExportPart{Service: part.Service, State: customerv1.ExportState(part.State), Error: part.Error,
			Attempts: part.Attempts, SizeBytes: part.Size}
		if !part.CompleteTime.IsZero() {
			pp.CompleteTime = timestamppb.New(part.CompleteTime)
		}
		p.Parts = append(p.Parts, pp)
	}
	return p
}
