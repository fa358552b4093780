package api

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/customerexport"
	"github.com/opencrm/crm/pkg/money"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/segmentation/internal/celfacts"
	"github.com/opencrm/crm/services/segmentation/internal/grading"
	"github.com/opencrm/crm/services/segmentation/internal/names"
	"github.com/opencrm/crm/services/segmentation/internal/segmentationpb"
)

// ExportCustomer implements the API method.
func (h *Handler) ExportCustomer(ctx context.Context, req *segmentationv1.ExportCustomerRequest) (*segmentationv1.ExportCustomerResponse, error) {
	views, err := customerexport.Collect(ctx, req.GetCustomers(), h.engine.Export)
	if err != nil {
		return nil, err
	}
	resp := &segmentationv1.ExportCustomerResponse{}
	for _, v := range views {
		resp.Customers = append(resp.Customers, customerView(v))
	}
	return resp, nil
}

// customerView returns the API form of a customer's metrics, grades and
// segments.
func customerView(v *grading.View) *segmentationv1.GetCustomerSegmentsResponse {
	c := v.Customer
	_, window, _ := c.Window(v.Time, 0, v.WindowDays)
	resp := &segmentationv1.GetCustomerSegmentsResponse{
		Customer: resname.Customers.Format(c.ID), Facts: celfacts.Proto(v.Facts),
		Amount: money.ToProto(v.Currency, c.Amount), WindowAmount: money.ToProto(v.Currency, window),
		Clv: segmentationpb.Major(v.Currency, v.Exponent, v.Scores.CLV), ClvNote: v.Scores.CLVNote,
		ScoreTime: timestamppb.New(v.Time),
	}
	if v.Run != "" {
		resp.Run = names.Runs.Format(v.Run)
	}
	for _, m := range v.Matches {
		resp.Segments = append(resp.Segments, &segmentationv1.SegmentMatch{
			Segment: names.Segments.Format(m.Segment.ID), DisplayName: m.Segment.DisplayName, Member: m.Member, Values: m.Values, Error: m.Err,
		})
	}
	return resp
}
