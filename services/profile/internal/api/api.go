// Package api is customer-profile's gRPC surface: it decodes requests into
// domain values, calls the archive, and encodes the results. Validation of
// declarative rules, authorisation and error mapping happen in the shared
// interceptors (package server of pkg).
package api

import (
	"context"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/pagetoken"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/profile/internal/archive"
	"github.com/opencrm/crm/services/profile/internal/customer"
	"github.com/opencrm/crm/services/profile/internal/customerpb"
	"github.com/opencrm/crm/services/profile/internal/exports"
)

// Page sizes.
const (
	defaultListPage    = 50
	defaultSearchPage  = 20
	defaultDupGroups   = 20
	defaultHistoryPage = 100
	defaultErasurePage = 50
)

// Handler implements customerv1.CustomerServiceServer.
type Handler struct {
	customerv1.UnimplementedCustomerServiceServer
	archive *archive.Archive
	keys    *idempotency.Store
	pages   *pagetoken.Codec
	feed    *feed.Producer
	exports *exports.Exports
}

var _ customerv1.CustomerServiceServer = (*Handler)(nil)

// New returns the handler of the archive's use cases; keys keeps the
// responses of idempotent requests, pages signs page tokens, and events
// serves the customer feed.
func New(arc *archive.Archive, keys *idempotency.Store, pages *pagetoken.Codec, events *feed.Producer) *Handler {
	return &Handler{archive: arc, keys: keys, pages: pages, feed: events}
}

// CreateCustomer implements the API method.
func (h *Handler) CreateCustomer(ctx context.Context, req *customerv1.CreateCustomerRequest) (*customerv1.CreateCustomerResponse, error) {
	return idempotency.Do(ctx, h.keys, "CreateCustomer", req.GetRequestId(), req, func(ctx context.Context) (*customerv1.CreateCustomerResponse, string, error) {
		c, err := customerpb.FromProto(req.GetCustomer(), "customer")
		if err != nil {
			return nil, "", err
		}
		created, err := h.archive.Create(ctx, c, req.GetRequestId())
		if err != nil {
			return nil, "", err
		}
		return &customerv1.CreateCustomerResponse{Customer: customerpb.ToProto(created)}, customer.Name(created.ID), nil
	})
}

// GetCustomer implements the API method.
func (h *Handler) GetCustomer(ctx context.Context, req *customerv1.GetCustomerRequest) (*customerv1.GetCustomerResponse, error) {
	id, err := resname.Customers.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	c, err := h.archive.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &customerv1.GetCustomerResponse{Customer: customerpb.ToProto(c)}, nil
}

// BatchGetCustomers implements the API method.
func (h *Handler) BatchGetCustomers(ctx context.Context, req *customerv1.BatchGetCustomersRequest) (*customerv1.BatchGetCustomersResponse, error) {
	ids := make([]string, len(req.GetNames()))
	for i, n := range req.GetNames() {
		id, err := resname.Customers.Parse(fmt.Sprintf("names[%d]", i), n)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	cs, err := h.archive.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	return &customerv1.BatchGetCustomersResponse{Customers: toProtos(cs)}, nil
}

func toProtos(cs []*customer.Customer) []*customerv1.Customer {
	out := make([]*customerv1.Customer, len(cs))
	for i, c := range cs {
		out[i] = customerpb.ToProto(c)
	}
	return out
}

func parseOrder(s string) customer.Order {
	field, dir, _ := strings.Cut(strings.TrimSpace(s), " ")
	o := customer.Order{Field: field, Desc: dir == "desc"}
	switch field {
	case "", "create_time":
		o.Field = "create_time"
	case "display_name":
		o.Field = "name_key"
	}
	return o
}

func timePtr(ts *timestamppb.Timestamp) *time.Time {
	if ts == nil {
		return nil
	}
	t := ts.AsTime()
	return &t
}

// page runs a cursor-paged List and builds the next token.
func (h *Handler) page(ctx context.Context, req pagetoken.Request, defaultSize int, f customer.Filter, o customer.Order) ([]*customer.Customer, string, error) {
	return pagetoken.Page(h.pages, req, defaultSize, func(after *customer.After, limit int64) ([]*customer.Customer, error) {
		return h.archive.List(ctx, f, o, after, int(limit))
	}, func(c *customer.Customer) customer.After { return customer.PositionOf(c, o) })
}

// ListCustomers implements the API method.
func (h *Handler) ListCustomers(ctx context.Context, req *customerv1.ListCustomersRequest) (*customerv1.ListCustomersResponse, error) {
	fp := req.GetFilter()
	attrs, err := customerpb.AttributesFromProto(fp.GetAttributes(), "filter.attributes")
	if err != nil {
		return nil, err
	}
	f := customer.Filter{
		States:      []customer.State{customer.StateActive},
		Stage:       customer.Stage(fp.GetLifecycleStage()),
		Tag:         strings.ToLower(strings.TrimSpace(fp.GetTag())),
		CountryCode: fp.GetCountryCode(),
		Owner:       fp.GetOwner(),
		CreateFrom:  timePtr(fp.GetCreateTimeFrom()),
		CreateTo:    timePtr(fp.GetCreateTimeTo()),
		UpdateFrom:  timePtr(fp.GetUpdateTimeFrom()),
		UpdateTo:    timePtr(fp.GetUpdateTimeTo()),
		Attributes:  attrs,
	}
	if req.GetShowDeleted() {
		f.States = append(f.States, customer.StateDeleted)
	}
	cs, next, err := h.page(ctx, req, defaultListPage, f, parseOrder(req.GetOrderBy()))
	if err != nil {
		return nil, err
	}
	return &customerv1.ListCustomersResponse{Customers: toProtos(cs), NextPageToken: next}, nil
}

// SearchCustomers implements the API method. An e-mail address or a phone
// number is looked up through its contact claim; anything else by the
// words of the names (see customer.ParseQuery).
func (h *Handler) SearchCustomers(ctx context.Context, req *customerv1.SearchCustomersRequest) (*customerv1.SearchCustomersResponse, error) {
	q, err := customer.ParseQuery("query", req.GetQuery())
	if err != nil {
		return nil, err
	}
	hits, next, err := pagetoken.Page(h.pages, req, defaultSearchPage, func(after *customer.SearchPos, limit int64) ([]customer.Hit, error) {
		return h.archive.Search(ctx, q, after, int(limit))
	}, func(hit customer.Hit) customer.SearchPos { return hit.Pos })
	if err != nil {
		return nil, err
	}
	resp := &customerv1.SearchCustomersResponse{NextPageToken: next}
	for _, hit := range hits {
		resp.Customers = append(resp.Customers, customerpb.ToProto(hit.Customer))
	}
	return resp, nil
}

// UpdateCustomer implements the API method.
func (h *Handler) UpdateCustomer(ctx context.Context, req *customerv1.UpdateCustomerRequest) (*customerv1.UpdateCustomerResponse, error) {
	return idempotency.Do(ctx, h.keys, "UpdateCustomer", req.GetRequestId(), req, func(ctx context.Context) (*customerv1.UpdateCustomerResponse, string, error) {
		name := req.GetCustomer().GetName()
		id, err := resname.Customers.Parse("customer.name", name)
		if err != nil {
			return nil, "", err
		}
		patch, err := customerpb.FromProto(req.GetCustomer(), "customer")
		if err != nil {
			return nil, "", err
		}
		c, err := h.archive.Update(ctx, id, patch, req.GetUpdateMask().GetPaths(), req.GetCustomer().GetEtag())
		if err != nil {
			return nil, "", err
		}
		return &customerv1.UpdateCustomerResponse{Customer: customerpb.ToProto(c)}, name, nil
	})
}

// DeleteCustomer implements the API method.
func (h *Handler) DeleteCustomer(ctx context.Context, req *customerv1.DeleteCustomerRequest) (*customerv1.DeleteCustomerResponse, error) {
	return idempotency.Do(ctx, h.keys, "DeleteCustomer", req.GetRequestId(), req, func(ctx context.Context) (*customerv1.DeleteCustomerResponse, string, error) {
		id, err := resname.Customers.Parse("name", req.GetName())
		if err != nil {
			return nil, "", err
		}
		c, err := h.archive.Delete(ctx, id, req.GetEtag())
		if err != nil {
			return nil, "", err
		}
		return &customerv1.DeleteCustomerResponse{Customer: customerpb.ToProto(c)}, req.GetName(), nil
	})
}

// UndeleteCustomer implements the API method.
func (h *Handler) UndeleteCustomer(ctx context.Context, req *customerv1.UndeleteCustomerRequest) (*customerv1.UndeleteCustomerResponse, error) {
	return idempotency.Do(ctx, h.keys, "UndeleteCustomer", req.GetRequestId(), req, func(ctx context.Context) (*customerv1.UndeleteCustomerResponse, string, error) {
		id, err := resname.Customers.Parse("name", req.GetName())
		if err != nil {
			return nil, "", err
		}
		c, err := h.archive.Undelete(ctx, id)
		if err != nil {
			return nil, "", err
		}
		return &customerv1.UndeleteCustomerResponse{Customer: customerpb.ToProto(c)}, req.GetName(), nil
	})
}

// EraseCustomer implements the API method.
func (h *Handler) EraseCustomer(ctx context.Context, req *customerv1.EraseCustomerRequest) (*customerv1.EraseCustomerResponse, error) {
	return idempotency.Do(ctx, h.keys, "EraseCustomer", req.GetRequestId(), req, func(ctx context.Context) (*customerv1.EraseCustomerResponse, string, error) {
		id, err := resname.Customers.Parse("name", req.GetName())
		if err != nil {
			return nil, "", err
		}
		e, err := h.archive.Erase(ctx, id, req.GetReason())
		if err != nil {
			return nil, "", err
		}
		return &customerv1.EraseCustomerResponse{Name: req.GetName(), EraseTime: timestamppb.New(e.EraseTime),
			Erasure: customer.Erasures.Format(e.ID)}, req.GetName(), nil
	})
}

// FindDuplicates implements the API method.
func (h *Handler) FindDuplicates(ctx context.Context, req *customerv1.FindDuplicatesRequest) (*customerv1.FindDuplicatesResponse, error) {
	limit := int(req.GetPageSize())
	if limit == 0 {
		limit = defaultDupGroups
	}
	var id string
	if req.GetCustomer() != "" {
		var err error
		if id, err = resname.Customers.Parse("customer", req.GetCustomer()); err != nil {
			return nil, err
		}
	}
	groups, err := h.archive.Duplicates(ctx, id, limit)
	if err != nil {
		return nil, err
	}
	resp := &customerv1.FindDuplicatesResponse{}
	for _, g := range groups {
		resp.Groups = append(resp.Groups, &customerv1.DuplicateGroup{Reason: customerv1.DuplicateReason(g.Reason), Key: g.Key, Customers: toProtos(g.Customers)})
	}
	return resp, nil
}

// MergeCustomers implements the API method.
func (h *Handler) MergeCustomers(ctx context.Context, req *customerv1.MergeCustomersRequest) (*customerv1.MergeCustomersResponse, error) {
	return idempotency.Do(ctx, h.keys, "MergeCustomers", req.GetRequestId(), req, func(ctx context.Context) (*customerv1.MergeCustomersResponse, string, error) {
		p, _ := auth.FromContext(ctx)
		survivor, err := resname.Customers.Parse("survivor", req.GetSurvivor())
		if err != nil {
			return nil, "", err
		}
		loser, err := resname.Customers.Parse("loser", req.GetLoser())
		if err != nil {
			return nil, "", err
		}
		c, m, err := h.archive.Merge(ctx, survivor, loser, p.Subject)
		if err != nil {
			return nil, "", err
		}
		return &customerv1.MergeCustomersResponse{Customer: customerpb.ToProto(c), Merge: customerpb.MergeToProto(m)}, req.GetSurvivor(), nil
	})
}

// ListConsentHistory implements the API method.
func (h *Handler) ListConsentHistory(ctx context.Context, req *customerv1.ListConsentHistoryRequest) (*customerv1.ListConsentHistoryResponse, error) {
	id, err := resname.Customers.Parse("customer", req.GetCustomer())
	if err != nil {
		return nil, err
	}
	changes, next, err := pagetoken.Page(h.pages, req, defaultHistoryPage, func(after *int64, limit int64) ([]customer.ConsentChange, error) {
		return h.archive.ConsentHistory(ctx, id, pagetoken.After(after), int(limit))
	}, func(c customer.ConsentChange) int64 { return c.Sequence })
	if err != nil {
		return nil, err
	}
	resp := &customerv1.ListConsentHistoryResponse{NextPageToken: next}
	for _, c := range changes {
		resp.Changes = append(resp.Changes, customerpb.ConsentChangeToProto(c))
	}
	return resp, nil
}

// ListMerges implements the API method.
func (h *Handler) ListMerges(ctx context.Context, req *customerv1.ListMergesRequest) (*customerv1.ListMergesResponse, error) {
	id, err := resname.Customers.Parse("customer", req.GetCustomer())
	if err != nil {
		return nil, err
	}
	ms, err := h.archive.Merges(ctx, id)
	if err != nil {
		return nil, err
	}
	resp := &customerv1.ListMergesResponse{}
	for _, m := range ms {
		resp.Merges = append(resp.Merges, customerpb.MergeToProto(m))
	}
	return resp, nil
}

// WatchCustomerEvents implements the API method.
func (h *Handler) WatchCustomerEvents(req *customerv1.WatchCustomerEventsRequest, stream customerv1.CustomerService_WatchCustomerEventsServer) error {
	return h.feed.Watch(stream.Context(), req.GetAfterSequence(), func(ev *feedv1.Event) error {
		return stream.Send(&customerv1.WatchCustomerEventsResponse{Event: ev})
	})
}

// GetErasure implements the API method.
func (h *Handler) GetErasure(ctx context.Context, req *customerv1.GetErasureRequest) (*customerv1.GetErasureResponse, error) {
	id, err := customer.Erasures.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	e, err := h.archive.GetErasure(ctx, id)
	if err != nil {
		return nil, err
	}
	return &customerv1.GetErasureResponse{Erasure: customerpb.ErasureToProto(e)}, nil
}

// ListErasures implements the API method.
func (h *Handler) ListErasures(ctx context.Context, req *customerv1.ListErasuresRequest) (*customerv1.ListErasuresResponse, error) {
	es, next, err := pagetoken.Page(h.pages, req, defaultErasurePage, func(after *customer.ErasurePos, limit int64) ([]*customer.Erasure, error) {
		return h.archive.ListErasures(ctx, req.GetIncompleteOnly(), after, int(limit))
	}, func(e *customer.Erasure) customer.ErasurePos { return customer.ErasurePos{Time: e.EraseTime, ID: e.ID} })
	if err != nil {
		return nil, err
	}
	resp := &customerv1.ListErasuresResponse{NextPageToken: next}
	for _, e := range es {
		resp.Erasures = append(resp.Erasures, customerpb.ErasureToProto(e))
	}
	return resp, nil
}
