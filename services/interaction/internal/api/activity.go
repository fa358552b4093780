package api

import (
	"context"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/interaction/internal/activity"
	"github.com/opencrm/crm/services/interaction/internal/record"
	"github.com/opencrm/crm/services/interaction/internal/recordpb"
)

// GetCustomerActivity implements the API method.
func (h *Handler) GetCustomerActivity(ctx context.Context, req *interactionv1.GetCustomerActivityRequest) (*interactionv1.GetCustomerActivityResponse, error) {
	id, err := resname.Customers.Parse("customer", req.GetCustomer())
	if err != nil {
		return nil, err
	}
	s, err := h.book.Activity(ctx, id, req.GetWindowDays())
	if err != nil {
		return nil, err
	}
	return &interactionv1.GetCustomerActivityResponse{Activity: activityToProto(s)}, nil
}

// SummarizeActivity implements the API method.
func (h *Handler) SummarizeActivity(req *interactionv1.SummarizeActivityRequest, stream interactionv1.InteractionService_SummarizeActivityServer) error {
	return h.book.EachActivity(stream.Context(), req.GetWindowDays(), func(s *activity.Summary) error {
		return stream.Send(&interactionv1.SummarizeActivityResponse{Activity: activityToProto(s)})
	})
}

func amounts(m map[string]int64) []*typev1.Money {
	currencies := make([]string, 0, len(m))
	for c := range m {
		currencies = append(currencies, c)
	}
	slices.Sort(currencies)
	out := make([]*typev1.Money, 0, len(m))
	for _, c := range currencies {
		out = append(out, recordpb.MoneyToProto(record.Amount{Minor: m[c], Currency: c}))
	}
	return out
}

func activityToProto(s *activity.Summary) *interactionv1.CustomerActivity {
	p := &interactionv1.CustomerActivity{
		Customer: resname.Customers.Format(s.CustomerID), Interactions: s.Interactions,
		Purchases: s.Purchases, PurchaseAmounts: amounts(s.PurchaseAmounts),
		Refunds: s.Refunds, RefundAmounts: amounts(s.RefundAmts),
		Complaints: s.Complaints, OpenCases: s.OpenCases,
		AverageSatisfaction: s.AverageSatisfaction(), SatisfactionResponses: s.SatisfactionResponses,
	}
	if s.Interactions > 0 {
		p.FirstInteractionTime, p.LastInteractionTime = timestamppb.New(s.First), timestamppb.New(s.Last)
	}
	if s.Purchases > 0 {
		p.LastPurchaseTime = timestamppb.New(s.LastPurchase)
	}
	for _, w := range s.Windows {
		p.Windows = append(p.Windows, &interactionv1.ActivityWindow{Days: w.Days, Purchases: w.Purchases, PurchaseAmounts: amounts(w.Amounts)})
	}
	for _, c := range s.ChannelMix() {
		p.ChannelMix = append(p.ChannelMix, &interactionv1.ChannelCount{Channel: interactionv1.Channel(c.Channel), Interactions: c.Interactions})
	}
	return p
}
