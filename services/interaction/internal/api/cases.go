package api

import (
	"context"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/pagetoken"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/interaction/internal/casework"
	"github.com/opencrm/crm/services/interaction/internal/recordpb"
)

// GetCase implements the API method.
func (h *Handler) GetCase(ctx context.Context, req *interactionv1.GetCaseRequest) (*interactionv1.GetCaseResponse, error) {
	id, err := casework.Names.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	c, err := h.book.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	return &interactionv1.GetCaseResponse{Case: recordpb.CaseToProto(c, h.book.Now())}, nil
}

// ListCases implements the API method.
func (h *Handler) ListCases(ctx context.Context, req *interactionv1.ListCasesRequest) (*interactionv1.ListCasesResponse, error) {
	now := h.book.Now()
	f := casework.Filter{Status: casework.Status(req.GetStatus()), Assignee: req.GetAssignee()}
	if req.GetCustomer() != "" {
		var err error
		if f.CustomerID, err = resname.Customers.Parse("customer", req.GetCustomer()); err != nil {
			return nil, err
		}
	}
	if req.GetOverdue() {
		f.OverdueAt = &now
	}
	page, next, err := pagetoken.Page(h.pages, req, defaultPage, func(after *casework.After, limit int64) ([]*casework.Case, error) {
		return h.book.ListCases(ctx, f, after, int(limit))
	}, casework.PositionOf)
	if err != nil {
		return nil, err
	}
	resp := &interactionv1.ListCasesResponse{NextPageToken: next}
	for _, c := range page {
		resp.Cases = append(resp.Cases, recordpb.CaseToProto(c, now))
	}
	return resp, nil
}

// TransitionCase implements the API method.
func (h *Handler) TransitionCase(ctx context.Context, req *interactionv1.TransitionCaseRequest) (*interactionv1.TransitionCaseResponse, error) {
	return idempotency.Do(ctx, h.keys, "TransitionCase", req.GetRequestId(), req, func(ctx context.Context) (*interactionv1.TransitionCaseResponse, string, error) {
		p, _ := auth.FromContext(ctx)
		id, err := casework.Names.Parse("name", req.GetName())
		if err != nil {
			return nil, "", err
		}
		c, err := h.book.Transition(ctx, id, casework.Status(req.GetTo()), req.GetNote(), p.Subject, req.GetEtag())
		if err != nil {
			return nil, "", err
		}
		return &interactionv1.TransitionCaseResponse{Case: recordpb.CaseToProto(c, h.book.Now())}, resname.Customers.Format(c.CustomerID), nil
	})
}

// AddFollowUp implements the API method.
func (h *Handler) AddFollowUp(ctx context.Context, req *interactionv1.AddFollowUpRequest) (*interactionv1.AddFollowUpResponse, error) {
	return idempotency.Do(ctx, h.keys, "AddFollowUp", req.GetRequestId(), req, func(ctx context.Context) (*interactionv1.AddFollowUpResponse, string, error) {
		id, err := casework.Names.Parse("case", req.GetCase())
		if err != nil {
			return nil, "", err
		}
		c, err := h.book.AddFollowUp(ctx, id, req.GetDescription(), req.GetAssignee(), req.GetDueTime().AsTime())
		if err != nil {
			return nil, "", err
		}
		return &interactionv1.AddFollowUpResponse{Case: recordpb.CaseToProto(c, h.book.Now())}, resname.Customers.Format(c.CustomerID), nil
	})
}

// CompleteFollowUp implements the API method.
func (h *Handler) CompleteFollowUp(ctx context.Context, req *interactionv1.CompleteFollowUpRequest) (*interactionv1.CompleteFollowUpResponse, error) {
	id, err := casework.Names.Parse("case", req.GetCase())
	if err != nil {
		return nil, err
	}
	c, err := h.book.CompleteFollowUp(ctx, id, req.GetFollowUp())
	if err != nil {
		return nil, err
	}
	return &interactionv1.CompleteFollowUpResponse{Case: recordpb.CaseToProto(c, h.book.Now())}, nil
}

// GetCaseStatistics implements the API method.
func (h *Handler) GetCaseStatistics(ctx context.Context, req *interactionv1.GetCaseStatisticsRequest) (*interactionv1.GetCaseStatisticsResponse, error) {
	s, err := h.book.Statistics(ctx, req.GetOpenTimeFrom().AsTime(), req.GetOpenTimeTo().AsTime())
	if err != nil {
		return nil, err
	}
	return &interactionv1.GetCaseStatisticsResponse{
		Cases: s.Cases, Responded: s.Responded, Resolved: s.Resolved,
		FirstResponseMedianSeconds: s.FirstResponseMedian.Seconds(), FirstResponseP90Seconds: s.FirstResponseP90.Seconds(),
		ResolutionMedianSeconds: s.ResolutionMedian.Seconds(), ResolutionP90Seconds: s.ResolutionP90.Seconds(),
		ResolvedWithinSla: s.WithinSLA,
	}, nil
}
