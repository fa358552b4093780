// Package api is loyalty's gRPC surface: it decodes requests, calls the
// book, and encodes results; validation, authorisation and error mapping
// are the shared interceptors' work.
package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/fieldmask"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/money"
	"github.com/opencrm/crm/pkg/pagetoken"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/loyaltypb"
	"github.com/opencrm/crm/services/loyalty/internal/names"
	"github.com/opencrm/crm/services/loyalty/internal/points"
	"github.com/opencrm/crm/services/loyalty/internal/program"
)

const defaultPage = 50

// Handler implements loyaltyv1.LoyaltyServiceServer.
type Handler struct {
	loyaltyv1.UnimplementedLoyaltyServiceServer
	book  *points.Book
	keys  *idempotency.Store
	pages *pagetoken.Codec
	feed  *feed.Producer
}

var _ loyaltyv1.LoyaltyServiceServer = (*Handler)(nil)

// New returns the handler over the book, answering repeated requests
// from keys, paging with pages and watching the feed of producer.
func New(book *points.Book, keys *idempotency.Store, pages *pagetoken.Codec, producer *feed.Producer) *Handler {
	return &Handler{book: book, keys: keys, pages: pages, feed: producer}
}

// member returns the ids of a request's program and customer.
func member(program, customer string) (string, string, error) {
	p, err := names.Programs.Parse("program", program)
	if err != nil {
		return "", "", err
	}
	c, err := resname.Customers.Parse("customer", customer)
	return p, c, err
}

// CreateProgram implements the API method.
func (h *Handler) CreateProgram(ctx context.Context, req *loyaltyv1.CreateProgramRequest) (*loyaltyv1.CreateProgramResponse, error) {
	if req.GetProgram().GetId() == "" {
		return nil, apperr.Invalid("program.id", "is required: 1 to 40 lower-case letters, digits and hyphens")
	}
	p := loyaltypb.ProgramFromProto(req.GetProgram())
	if err := h.book.CreateProgram(ctx, p); err != nil {
		return nil, err
	}
	return &loyaltyv1.CreateProgramResponse{Program: loyaltypb.ProgramToProto(p)}, nil
}

// GetProgram implements the API method.
func (h *Handler) GetProgram(ctx context.Context, req *loyaltyv1.GetProgramRequest) (*loyaltyv1.GetProgramResponse, error) {
	id, err := names.Programs.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	p, err := h.book.StoredProgram(ctx, id)
	if err != nil {
		return nil, err
	}
	return &loyaltyv1.GetProgramResponse{Program: loyaltypb.ProgramToProto(p)}, nil
}

// ListPrograms implements the API method.
func (h *Handler) ListPrograms(ctx context.Context, req *loyaltyv1.ListProgramsRequest) (*loyaltyv1.ListProgramsResponse, error) {
	page, next, err := pagetoken.Page(h.pages, req, defaultPage, func(after *string, limit int64) ([]*program.Program, error) {
		return h.book.Programs(ctx, pagetoken.After(after), limit)
	}, func(p *program.Program) string { return p.ID })
	if err != nil {
		return nil, err
	}
	resp := &loyaltyv1.ListProgramsResponse{NextPageToken: next}
	for _, p := range page {
		resp.Programs = append(resp.Programs, loyaltypb.ProgramToProto(p))
	}
	return resp, nil
}

// updatable are the fields of a program an update may change.
var updatable = []string{"display_name", "points_per_unit", "tiers", "earning_rules", "max_points_per_purchase",
	"points_validity_months", "pending_days", "qualifying_period_months", "auto_enrol", "refund_policy", "tier_basis"}

// UpdateProgram implements the API method.
func (h *Handler) UpdateProgram(ctx context.Context, req *loyaltyv1.UpdateProgramRequest) (*loyaltyv1.UpdateProgramResponse, error) {
	in := req.GetProgram()
	id, err := names.Programs.Parse("program.name", in.GetName())
	if err != nil {
		return nil, err
	}
	paths, err := fieldmask.Check(req.GetUpdateMask().GetPaths(), updatable, "")
	if err != nil {
		return nil, err
	}
	want, err := etag.Parse("program.etag", in.GetEtag())
	if err != nil {
		return nil, err
	}
	p, err := h.book.UpdateProgram(ctx, id, want, func(p *program.Program) error {
		loyaltypb.ApplyProgram(p, in, paths)
		// The update's message is not validated as a whole (only the
		// masked fields count): the program they make is, by the API's
		// rules.
		return validate("program", &loyaltyv1.CreateProgramRequest{Program: loyaltypb.ProgramToProto(p)})
	})
	if err != nil {
		return nil, err
	}
	return &loyaltyv1.UpdateProgramResponse{Program: loyaltypb.ProgramToProto(p)}, nil
}

// validate checks, by the API's rules, the create request that an
// update's merged result makes (an update's own message is read only for
// its masked fields, so it is not validated as a whole).
func validate(what string, create proto.Message) error {
	err := protovalidate.Validate(create)
	var verr *protovalidate.ValidationError
	if errors.As(err, &verr) && len(verr.Violations) > 0 {
		v := verr.Violations[0]
		return apperr.Invalid(protovalidate.FieldPathString(v.Proto.GetField()), "%s", v.Proto.GetMessage())
	}
	if err != nil {
		return fmt.Errorf("validate %s: %w", what, err)
	}
	return nil
}

// EnrolCustomer implements the API method.
func (h *Handler) EnrolCustomer(ctx context.Context, req *loyaltyv1.EnrolCustomerRequest) (*loyaltyv1.EnrolCustomerResponse, error) {
	prog, cust, err := member(req.GetProgram(), req.GetCustomer())
	if err != nil {
		return nil, err
	}
	a, c, err := h.book.Enrol(ctx, prog, cust, true)
	if err != nil {
		return nil, err
	}
	return &loyaltyv1.EnrolCustomerResponse{Account: loyaltypb.AccountToProto(&a.Account, c.Program, h.book.Now())}, nil
}

// GetAccount implements the API method.
func (h *Handler) GetAccount(ctx context.Context, req *loyaltyv1.GetAccountRequest) (*loyaltyv1.GetAccountResponse, error) {
	prog, cust, err := member(req.GetProgram(), req.GetCustomer())
	if err != nil {
		return nil, err
	}
	a, c, err := h.book.Account(ctx, prog, cust)
	if err != nil {
		return nil, err
	}
	return &loyaltyv1.GetAccountResponse{Account: loyaltypb.AccountToProto(&a.Account, c.Program, h.book.Now())}, nil
}

// positive returns a positive API amount in minor units.
func positive(m *typev1.Money, field string) (int64, error) {
	amount, err := money.FromProto(m, field)
	if err == nil && amount <= 0 {
		err = apperr.Invalid(field, "must be positive")
	}
	return amount, err
}

// purchase returns a point-of-sale purchase; its entries name the order.
func purchase(in *loyaltyv1.PurchaseInput) (points.Purchase, error) {
	amount, err := positive(in.GetAmount(), "purchase.amount")
	if err != nil {
		return points.Purchase{}, err
	}
	var at time.Time
	if in.GetOccurTime() != nil {
		at = in.GetOccurTime().AsTime()
	}
	return points.Purchase{Source: "order " + in.GetOrderId(), OrderID: in.GetOrderId(), Currency: in.GetAmount().GetCurrencyCode(), Amount: amount,
		Channel: strings.ToLower(in.GetChannel()), Tags: in.GetTags(), SKUs: in.GetSkus(), ItemCount: in.GetItemCount(), OccurTime: at}, nil
}

func (h *Handler) result(r points.Result) (*loyaltyv1.LedgerEntry, *loyaltyv1.Account) {
	return loyaltypb.EntryToProto(r.Entry), loyaltypb.AccountToProto(&r.Account.Account, r.Program.Program, h.book.Now())
}

// EarnPoints implements the API method.
func (h *Handler) EarnPoints(ctx context.Context, req *loyaltyv1.EarnPointsRequest) (*loyaltyv1.EarnPointsResponse, error) {
	return idempotency.Do(ctx, h.keys, "EarnPoints", req.GetRequestId(), req, func(ctx context.Context) (*loyaltyv1.EarnPointsResponse, string, error) {
		prog, cust, err := member(req.GetProgram(), req.GetCustomer())
		if err != nil {
			return nil, "", err
		}
		p, err := purchase(req.GetPurchase())
		if err != nil {
			return nil, "", err
		}
		r, err := h.book.EarnPoints(ctx, prog, cust, req.GetRequestId(), p)
		if err != nil {
			return nil, "", err
		}
		e, a := h.result(r)
		return &loyaltyv1.EarnPointsResponse{Entry: e, Account: a}, req.GetCustomer(), nil
	})
}

// ReversePoints implements the API method.
func (h *Handler) ReversePoints(ctx context.Context, req *loyaltyv1.ReversePointsRequest) (*loyaltyv1.ReversePointsResponse, error) {
	return idempotency.Do(ctx, h.keys, "ReversePoints", req.GetRequestId(), req, func(ctx context.Context) (*loyaltyv1.ReversePointsResponse, string, error) {
		prog, cust, err := member(req.GetProgram(), req.GetCustomer())
		if err != nil {
			return nil, "", err
		}
		m := req.GetAmount()
		amount, err := positive(m, "amount")
		if err != nil {
			return nil, "", err
		}
		r, err := h.book.ReversePoints(ctx, prog, cust, req.GetEarnRequestId(), req.GetRequestId(), m.GetCurrencyCode(), amount)
		if err != nil {
			return nil, "", err
		}
		e, a := h.result(r)
		return &loyaltyv1.ReversePointsResponse{Entry: e, Account: a}, req.GetCustomer(), nil
	})
}

// RedeemPoints implements the API method.
func (h *Handler) RedeemPoints(ctx context.Context, req *loyaltyv1.RedeemPointsRequest) (*loyaltyv1.RedeemPointsResponse, error) {
	return idempotency.Do(ctx, h.keys, "RedeemPoints", req.GetRequestId(), req, func(ctx context.Context) (*loyaltyv1.RedeemPointsResponse, string, error) {
		prog, cust, err := member(req.GetProgram(), req.GetCustomer())
		if err != nil {
			return nil, "", err
		}
		r, err := h.book.Redeem(ctx, prog, cust, req.GetRequestId(), req.GetPoints(), req.GetReason())
		if err != nil {
			return nil, "", err
		}
		e, a := h.result(r)
		return &loyaltyv1.RedeemPointsResponse{Entry: e, Account: a}, req.GetCustomer(), nil
	})
}

// AdjustPoints implements the API method.
func (h *Handler) AdjustPoints(ctx context.Context, req *loyaltyv1.AdjustPointsRequest) (*loyaltyv1.AdjustPointsResponse, error) {
	return idempotency.Do(ctx, h.keys, "AdjustPoints", req.GetRequestId(), req, func(ctx context.Context) (*loyaltyv1.AdjustPointsResponse, string, error) {
		prog, cust, err := member(req.GetProgram(), req.GetCustomer())
		if err != nil {
			return nil, "", err
		}
		r, err := h.book.Adjust(ctx, prog, cust, req.GetRequestId(), req.GetPoints(), req.GetReason(), req.GetOperator())
		if err != nil {
			return nil, "", err
		}
		e, a := h.result(r)
		return &loyaltyv1.AdjustPointsResponse{Entry: e, Account: a}, req.GetCustomer(), nil
	})
}

// ListLedgerEntries implements the API method.
func (h *Handler) ListLedgerEntries(ctx context.Context, req *loyaltyv1.ListLedgerEntriesRequest) (*loyaltyv1.ListLedgerEntriesResponse, error) {
	prog, cust, err := member(req.GetProgram(), req.GetCustomer())
	if err != nil {
		return nil, err
	}
	f := points.EntryFilter{Type: ledger.Type(req.GetType())}
	if req.GetTimeFrom() != nil {
		f.From = req.GetTimeFrom().AsTime()
	}
	if req.GetTimeTo() != nil {
		f.To = req.GetTimeTo().AsTime()
	}
	var acct *points.Account
	page, next, err := pagetoken.Page(h.pages, req, defaultPage, func(after *points.EntryCursor, limit int64) ([]ledger.Entry, error) {
		entries, a, err := h.book.Statement(ctx, prog, cust, f, after, limit)
		acct = a
		return entries, err
	}, func(e ledger.Entry) points.EntryCursor { return points.EntryCursor{Time: e.Time, ID: e.ID} })
	if err != nil {
		return nil, err
	}
	now := h.book.Now()
	resp := &loyaltyv1.ListLedgerEntriesResponse{NextPageToken: next, Balance: acct.Balance(now), ExpiringSoon: acct.ExpiringBy(now.Add(loyaltypb.ExpiringWindow))}
	for _, e := range page {
		resp.Entries = append(resp.Entries, loyaltypb.EntryToProto(e))
	}
	return resp, nil
}

// PreviewEarning implements the API method.
func (h *Handler) PreviewEarning(ctx context.Context, req *loyaltyv1.PreviewEarningRequest) (*loyaltyv1.PreviewEarningResponse, error) {
	prog, err := names.Programs.Parse("program", req.GetProgram())
	if err != nil {
		return nil, err
	}
	var cust string // none: a new member
	if req.GetCustomer() != "" {
		if cust, err = resname.Customers.Parse("customer", req.GetCustomer()); err != nil {
			return nil, err
		}
	}
	p, err := purchase(req.GetPurchase())
	if err != nil {
		return nil, err
	}
	calc, repaid, err := h.book.Preview(ctx, prog, cust, p)
	if err != nil {
		return nil, err
	}
	resp := &loyaltyv1.PreviewEarningResponse{Points: calc.Points, Base: calc.Base, Multiplier: calc.Multiplier, Capped: calc.Capped, DebtRepaid: repaid}
	for _, r := range calc.Rules {
		resp.Rules = append(resp.Rules, &loyaltyv1.RuleOutcome{Rule: r.Rule, Matched: r.Matched, Points: r.Points, Error: r.Err})
	}
	return resp, nil
}

// RunExpiry implements the API method.
func (h *Handler) RunExpiry(ctx context.Context, _ *loyaltyv1.RunExpiryRequest) (*loyaltyv1.RunExpiryResponse, error) {
	n, pts, err := h.book.Sweep(ctx)
	if err != nil {
		return nil, err
	}
	return &loyaltyv1.RunExpiryResponse{Accounts: int64(n), PointsExpired: pts}, nil
}

// AuditAccounts implements the API method.
func (h *Handler) AuditAccounts(ctx context.Context, req *loyaltyv1.AuditAccountsRequest) (*loyaltyv1.AuditAccountsResponse, error) {
	prog, err := names.Programs.Parse("program", req.GetProgram())
	if err != nil {
		return nil, err
	}
	n, diffs, err := h.book.Audit(ctx, prog, req.GetRepair())
	if err != nil {
		return nil, err
	}
	resp := &loyaltyv1.AuditAccountsResponse{Checked: int64(n), Repaired: req.GetRepair() && len(diffs) > 0}
	for _, d := range diffs {
		resp.Differences = append(resp.Differences, &loyaltyv1.AccountDifference{Account: loyaltypb.AccountName(d.Account), Problems: d.Problems})
	}
	return resp, nil
}

// WatchLoyaltyEvents implements the API method.
func (h *Handler) WatchLoyaltyEvents(req *loyaltyv1.WatchLoyaltyEventsRequest, stream loyaltyv1.LoyaltyService_WatchLoyaltyEventsServer) error {
	return h.feed.Watch(stream.Context(), req.GetAfterSequence(), func(ev *feedv1.Event) error {
		return stream.Send(&loyaltyv1.WatchLoyaltyEventsResponse{Event: ev})
	})
}
