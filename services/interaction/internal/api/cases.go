package api

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/pagetoken"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/interaction/internal/casework"
	"github.com/opencrm/crm/services/interaction/internal/recordpb"
	"github.com/opencrm/crm/services/interaction/internal/satisfaction"
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
	if req.GetEscalated() {
		escalated := true
		f.Escalated = &escalated
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

// UpdateCase implements the API method.
func (h *Handler) UpdateCase(ctx context.Context, req *interactionv1.UpdateCaseRequest) (*interactionv1.UpdateCaseResponse, error) {
	return idempotency.Do(ctx, h.keys, "UpdateCase", req.GetRequestId(), req, func(ctx context.Context) (*interactionv1.UpdateCaseResponse, string, error) {
		p, _ := auth.FromContext(ctx)
		id, err := casework.Names.Parse("case.name", req.GetCase().GetName())
		if err != nil {
			return nil, "", err
		}
		ch := casework.Change{Assignee: req.GetCase().GetAssignee(), Priority: casework.Priority(req.GetCase().GetPriority())}
		c, err := h.book.UpdateCase(ctx, id, ch, req.GetUpdateMask().GetPaths(), req.GetNote(), p.Subject, req.GetCase().GetEtag())
		if err != nil {
			return nil, "", err
		}
		return &interactionv1.UpdateCaseResponse{Case: recordpb.CaseToProto(c, h.book.Now())}, resname.Customers.Format(c.CustomerID), nil
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

// GetSatisfactionStatistics implements the API method.
func (h *Handler) GetSatisfactionStatistics(ctx context.Context, req *interactionv1.GetSatisfactionStatisticsRequest) (*interactionv1.GetSatisfactionStatisticsResponse, error) {
	t, err := h.book.SatisfactionStatistics(ctx, satisfaction.Query{By: satisfaction.Grouping(req.GetGroupBy()),
		From: req.GetOccurTimeFrom().AsTime(), To: req.GetOccurTimeTo().AsTime(), TimeZone: req.GetTimeZone()})
	if err != nil {
		return nil, err
	}
	total := t.Total()
	resp := &interactionv1.GetSatisfactionStatisticsResponse{Total: satisfactionToProto(&total)}
	for _, g := range t.Groups() {
		pg := &interactionv1.SatisfactionGroup{Assignee: g.Assignee, Channel: interactionv1.Channel(g.Channel), Summary: satisfactionToProto(&g.Summary)}
		if g.CaseID != "" {
			pg.Case = casework.Name(g.CaseID)
		}
		if !g.PeriodStart.IsZero() {
			pg.PeriodStart = timestamppb.New(g.PeriodStart)
		}
		resp.Groups = append(resp.Groups, pg)
	}
	return resp, nil
}

func satisfactionToProto(s *satisfaction.Summary) *interactionv1.SatisfactionSummary {
	return &interactionv1.SatisfactionSummary{Responses: s.Responses, MeanRatio: s.MeanRatio(), MeanDifference: s.MeanDifference(),
		Satisfied: s.Satisfied, Met: s.Met, Dissatisfied: s.Dissatisfied, ExperienceCounts: s.ExperienceCounts[:]}
}
