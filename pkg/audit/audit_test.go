package audit_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	_ "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/audit"
	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func method(t *testing.T, full string) protoreflect.MethodDescriptor {
	t.Helper()
	service, name, _ := strings.Cut(full, "/")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service))
	if err != nil {
		t.Fatal(err)
	}
	return d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(name))
}

func TestMutationsAreEveryMethodButReads(t *testing.T) {
	t.Parallel()
	for full, want := range map[string]bool{
		"crm.customer.v1.CustomerService/CreateCustomer":           true,
		"crm.customer.v1.CustomerService/UpdateCustomer":           true,
		"crm.customer.v1.CustomerService/EraseCustomer":            true,
		"crm.customer.v1.CustomerService/MergeCustomers":           true,
		"crm.customer.v1.CustomerService/GetCustomer":              false,
		"crm.customer.v1.CustomerService/BatchGetCustomers":        false,
		"crm.customer.v1.CustomerService/SearchCustomers":          false,
		"crm.customer.v1.CustomerService/FindDuplicates":           false,
		"crm.customer.v1.CustomerService/WatchCustomerEvents":      false,
		"crm.interaction.v1.InteractionService/IngestInteractions": true,
		"crm.interaction.v1.InteractionService/SummarizeActivity":  false,
		"crm.loyalty.v1.LoyaltyService/EarnPoints":                 true,
		"crm.loyalty.v1.LoyaltyService/PreviewEarning":             false, // a POST that changes nothing
	} {
		if got := audit.IsMutation(method(t, full)); got != want {
			t.Errorf("%s: mutation %v, want %v", full, got, want)
		}
	}
}

// harness records calls into a fresh database as ann, through client
// console.
type harness struct {
	db    *mongo.Database
	store *audit.Store
	rec   *audit.Recorder
	ctx   context.Context
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	db := dbtest.Database(t)
	s := audit.New(db)
	return &harness{db: db, store: s, ctx: auth.WithPrincipal(context.Background(), auth.Principal{Subject: "ann", Client: "console"}),
		rec: &audit.Recorder{Store: s, Log: slog.New(slog.DiscardHandler), Code: status.Code}}
}

func (h *harness) call(t *testing.T, full string, req, resp any, err error) {
	t.Helper()
	_, got := h.rec.Unary(h.ctx, req, &grpc.UnaryServerInfo{FullMethod: "/" + full}, func(context.Context, any) (any, error) { return resp, err })
	if !errors.Is(got, err) {
		t.Fatalf("%s: the interceptor changed the outcome: %v", full, got)
	}
}

func (h *harness) list(t *testing.T, f audit.Filter) []audit.Entry {
	t.Helper()
	es, err := h.store.List(context.Background(), f, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestAnUpdateIsRecordedWithItsMaskAndWithoutValues(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	req := &customerv1.UpdateCustomerRequest{
		Customer:   &customerv1.Customer{Name: "customers/c1", DisplayName: "Ada Secretname", Emails: []*customerv1.EmailAddress{{Address: "ada@secret.example"}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"emails", "display_name"}},
		RequestId:  "req-1",
	}
	h.call(t, "crm.customer.v1.CustomerService/UpdateCustomer", req, &customerv1.UpdateCustomerResponse{Customer: req.GetCustomer()}, nil)
	h.call(t, "crm.customer.v1.CustomerService/GetCustomer", &customerv1.GetCustomerRequest{Name: "customers/c1"}, &customerv1.GetCustomerResponse{}, nil)

	es := h.list(t, audit.Filter{})
	if len(es) != 1 {
		t.Fatalf("entries %+v, want the update only", es)
	}
	e := es[0]
	if e.Subject != "ann" || e.Client != "console" || e.Method != "/crm.customer.v1.CustomerService/UpdateCustomer" ||
		e.Resource != "customers/c1" || e.Customer != "customers/c1" || e.RequestID != "req-1" || e.Code != "OK" ||
		!slices.Equal(e.Paths, []string{"display_name", "emails"}) || time.Since(e.Time) > time.Minute {
		t.Errorf("entry %+v", e)
	}
	var raw []bson.M
	cur, err := h.db.Collection(audit.Collection).Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.All(context.Background(), &raw); err != nil {
		t.Fatal(err)
	}
	text, err := bson.MarshalExtJSON(bson.M{"all": raw}, false, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"Secretname", "ada@secret"} {
		if strings.Contains(string(text), v) {
			t.Errorf("the stored entry holds the value %q: %s", v, text)
		}
	}
}

func TestWithoutAMaskThePathsAreTheSetFields(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	req := &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{Customer: "customers/c2", Summary: "private words", Subject: "hello"}}
	resp := &interactionv1.LogInteractionResponse{Interaction: &interactionv1.Interaction{Name: "interactions/i1", Customer: "customers/c2"}}
	h.call(t, "crm.interaction.v1.InteractionService/LogInteraction", req, resp, nil)
	h.call(t, "crm.customer.v1.CustomerService/DeleteCustomer", &customerv1.DeleteCustomerRequest{Name: "customers/c3"}, nil,
		status.Error(codes.FailedPrecondition, "no"))

	es := h.list(t, audit.Filter{})
	if len(es) != 2 {
		t.Fatalf("entries %+v", es)
	}
	byMethod := map[string]audit.Entry{}
	for _, e := range es {
		byMethod[e.Method[strings.LastIndex(e.Method, "/")+1:]] = e
	}
	logged := byMethod["LogInteraction"]
	if logged.Resource != "interactions/i1" || logged.Customer != "customers/c2" || logged.RequestID != "" ||
		!slices.Equal(logged.Paths, []string{"interaction.customer", "interaction.subject", "interaction.summary"}) {
		t.Errorf("logged %+v", logged)
	}
	deleted := byMethod["DeleteCustomer"]
	if deleted.Code != "FAILED_PRECONDITION" || deleted.Resource != "customers/c3" || deleted.Customer != "customers/c3" || !slices.Equal(deleted.Paths, []string{"name"}) {
		t.Errorf("deleted %+v", deleted)
	}
}

func TestFiltersAndPages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i, e := range []audit.Entry{
		{ID: "a", Subject: "ann", Resource: "customers/c1", Customer: "customers/c1", Time: base},
		{ID: "b", Subject: "bob", Resource: "programs/gold", Customer: "customers/c1", Time: base.Add(time.Hour)},
		{ID: "c", Subject: "ann", Resource: "customers/c2", Customer: "customers/c2", Time: base.Add(2 * time.Hour)},
		{ID: "d", Subject: "ann", Resource: "customers/c1", Customer: "customers/c1", Time: base.Add(2 * time.Hour)},
	} {
		if err := h.store.Record(ctx, e); err != nil {
			t.Fatal(i, err)
		}
	}
	ids := func(es []audit.Entry) string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		f    audit.Filter
		want string
	}{
		{audit.Filter{}, "d,c,b,a"},
		{audit.Filter{Customer: "customers/c1"}, "d,b,a"},
		{audit.Filter{Resource: "customers/c1"}, "d,a"},
		{audit.Filter{Actor: "ann"}, "d,c,a"},
		{audit.Filter{Start: base.Add(time.Hour), End: base.Add(2 * time.Hour)}, "b"},
	} {
		if got := ids(h.list(t, tc.f)); got != tc.want {
			t.Errorf("filter %+v: %s, want %s", tc.f, got, tc.want)
		}
	}
	// Pages of two, the second after the first's last (a tie on time).
	first, err := h.store.List(ctx, audit.Filter{}, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	after := first[1].Position()
	second, err := h.store.List(ctx, audit.Filter{}, &after, 2)
	if err != nil {
		t.Fatal(err)
	}
	if ids(first) != "d,c" || ids(second) != "b,a" {
		t.Errorf("pages %s then %s", ids(first), ids(second))
	}
}

func TestSweepRemovesEntriesPastRetention(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	for id, age := range map[string]time.Duration{"old": 401 * 24 * time.Hour, "young": 399 * 24 * time.Hour} {
		if err := h.store.Record(context.Background(), audit.Entry{ID: id, Time: now.Add(-age)}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := h.store.Sweep(context.Background(), audit.DefaultRetention)
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v", n, err)
	}
	if es := h.list(t, audit.Filter{}); len(es) != 1 || es[0].ID != "young" {
		t.Errorf("left %+v", es)
	}
}

func TestErasureKeepsTheEntriesWithoutTheCustomer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	update := func(name, requestID string) {
		h.call(t, "crm.customer.v1.CustomerService/UpdateCustomer", &customerv1.UpdateCustomerRequest{
			Customer: &customerv1.Customer{Name: name}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"tags"}}, RequestId: requestID,
		}, &customerv1.UpdateCustomerResponse{}, nil)
	}
	update("customers/c1", "ada-lovelace-1")
	update("customers/c2", "other-1")
	h.call(t, "crm.interaction.v1.InteractionService/LogInteraction",
		&interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{Customer: "customers/c1"}},
		&interactionv1.LogInteractionResponse{Interaction: &interactionv1.Interaction{Name: "interactions/i1"}}, nil)
	h.call(t, "crm.customer.v1.CustomerService/EraseCustomer", &customerv1.EraseCustomerRequest{Name: "customers/c1", Reason: "ticket 9"},
		&customerv1.EraseCustomerResponse{}, nil)

	if es := h.list(t, audit.Filter{Customer: "customers/c1"}); len(es) != 0 {
		t.Errorf("entries still name the erased customer: %+v", es)
	}
	if es := h.list(t, audit.Filter{Resource: "customers/c1"}); len(es) != 0 {
		t.Errorf("entries still name the erased customer as resource: %+v", es)
	}
	erased := h.list(t, audit.Filter{Customer: audit.Erased})
	if len(erased) != 3 {
		t.Fatalf("erased entries %+v, want the update, the interaction and the erasure", erased)
	}
	for _, e := range erased {
		if e.Subject != "ann" || e.RequestID != "" || len(e.Paths) == 0 {
			t.Errorf("erased entry %+v: want its actor and paths, no request id", e)
		}
	}
	if es := h.list(t, audit.Filter{Customer: "customers/c2"}); len(es) != 1 || es[0].RequestID != "other-1" {
		t.Errorf("another customer's entries changed: %+v", es)
	}
}

// ingestStream is a client stream of two requests.
type ingestStream struct {
	grpc.ServerStream
	ctx  context.Context
	reqs []*interactionv1.IngestInteractionsRequest
}

func (s *ingestStream) Context() context.Context    { return s.ctx }
func (s *ingestStream) SetHeader(metadata.MD) error { return nil }
func (s *ingestStream) SendMsg(any) error           { return nil }
func (s *ingestStream) RecvMsg(m any) error {
	if len(s.reqs) == 0 {
		return io.EOF
	}
	proto.Merge(m.(proto.Message), s.reqs[0])
	s.reqs = s.reqs[1:]
	return nil
}

func TestAClientStreamIsOneEntry(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	item := func(customer string) *interactionv1.LogInteractionRequest {
		return &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{Customer: customer, Summary: "x"}}
	}
	ss := &ingestStream{ctx: h.ctx, reqs: []*interactionv1.IngestInteractionsRequest{
		{Requests: []*interactionv1.LogInteractionRequest{item("customers/c1")}},
		{Requests: []*interactionv1.LogInteractionRequest{item("customers/c1"), item("customers/c1")}},
	}}
	err := h.rec.Stream(nil, ss, &grpc.StreamServerInfo{FullMethod: "/crm.interaction.v1.InteractionService/IngestInteractions", IsClientStream: true},
		func(_ any, s grpc.ServerStream) error {
			for {
				var req interactionv1.IngestInteractionsRequest
				if err := s.RecvMsg(&req); errors.Is(err, io.EOF) {
					return s.SendMsg(&interactionv1.IngestInteractionsResponse{Accepted: 3})
				} else if err != nil {
					return err
				}
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	es := h.list(t, audit.Filter{})
	if len(es) != 1 || es[0].Customer != "customers/c1" || !slices.Equal(es[0].Paths, []string{"requests"}) || es[0].Subject != "ann" {
		t.Errorf("entries %+v", es)
	}
}
