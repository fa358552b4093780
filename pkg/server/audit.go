package server

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	auditv1 "github.com/opencrm/crm/gen/go/crm/audit/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/audit"
	"github.com/opencrm/crm/pkg/pagetoken"
)

// auditHandler serves AuditService for every service: its own audit trail.
type auditHandler struct {
	auditv1.UnimplementedAuditServiceServer
	store  *audit.Store
	tokens *pagetoken.Codec
}

// defaultAuditPage is ListAuditEntries' page size when none is asked.
const defaultAuditPage = 50

func (h *auditHandler) ListAuditEntries(ctx context.Context, req *auditv1.ListAuditEntriesRequest) (*auditv1.ListAuditEntriesResponse, error) {
	f := req.GetFilter()
	filter := audit.Filter{Resource: f.GetResource(), Customer: f.GetCustomer(), Actor: f.GetActor()}
	if f.GetStartTime() != nil {
		filter.Start = f.GetStartTime().AsTime()
	}
	if f.GetEndTime() != nil {
		filter.End = f.GetEndTime().AsTime()
	}
	if !filter.Start.IsZero() && !filter.End.IsZero() && !filter.End.After(filter.Start) {
		return nil, apperr.Invalid("filter.end_time", "must be after filter.start_time")
	}
	entries, next, err := pagetoken.Page(h.tokens, req, defaultAuditPage, func(after *audit.Position, limit int64) ([]audit.Entry, error) {
		return h.store.List(ctx, filter, after, limit)
	}, audit.Entry.Position)
	if err != nil {
		return nil, err
	}
	resp := &auditv1.ListAuditEntriesResponse{NextPageToken: next}
	for _, e := range entries {
		resp.AuditEntries = append(resp.AuditEntries, &auditv1.AuditEntry{
			Name: "auditEntries/" + e.ID, Actor: &auditv1.Actor{Subject: e.Subject, Client: e.Client}, Method: e.Method,
			Resource: e.Resource, Customer: e.Customer, CreateTime: timestamppb.New(e.Time), RequestId: e.RequestID,
			ChangedPaths: e.Paths, Code: e.Code,
		})
	}
	return resp, nil
}

var _ auditv1.AuditServiceServer = (*auditHandler)(nil)
