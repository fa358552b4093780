package main_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/opencrm/crm/deploy/local/collector"
	"github.com/opencrm/crm/deploy/local/platform"
	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/telemetry"
)

type journey struct {
	t            *testing.T
	ctx          context.Context
	customers    customerv1.CustomerServiceClient
	interactions interactionv1.InteractionServiceClient
	segments     segmentationv1.SegmentationServiceClient
	loyalty      loyaltyv1.LoyaltyServiceClient
	n            int
}

func eur(units int64) *typev1.Money { return &typev1.Money{CurrencyCode: "EUR", Units: units} }

func code(err error) codes.Code { return grpcstatus.Code(err) }

func (j *journey) eventually(what string, cond func() bool) {
	j.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			j.t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (j *journey) customer(name, email string) string {
	j.t.Helper()
	resp, err := j.customers.CreateCustomer(j.ctx, &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{
		Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: name, Emails: []*customerv1.EmailAddress{{Address: email}}}})
	if err != nil {
		j.t.Fatalf("create %s: %v", name, err)
	}
	return resp.GetCustomer().GetName()
}

func (j *journey) log(ctx context.Context, i *interactionv1.Interaction) *interactionv1.Interaction {
	j.t.Helper()
	j.n++
	if i.GetOccurTime() == nil {
		i.OccurTime = timestamppb.New(time.Now().Add(-time.Duration(j.n) * time.Hour))
	}
	if i.GetDirection() == interactionv1.Direction_DIRECTION_UNSPECIFIED {
		i.Direction = interactionv1.Direction_DIRECTION_INBOUND
	}
	resp, err := j.interactions.LogInteraction(ctx, &interactionv1.LogInteractionRequest{Interaction: i})
	if err != nil {
		j.t.Fatalf("log %v: %v", i.GetKind(), err)
	}
	return resp.GetInteraction()
}

func (j *journey) purchase(ctx context.Context, customer, order string, units int64) *interactionv1.Interaction {
	j.t.Helper()
	return j.log(ctx, &interactionv1.Interaction{Customer: customer, Channel: interactionv1.Channel_CHANNEL_WEB,
		Kind: interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE, Purchase: &interactionv1.Purchase{OrderId: order, Amount: eur(units)}})
}

func (j *journey) account(customer string) *loyaltyv1.Account {
	j.t.Helper()
	resp, err := j.loyalty.GetAccount(j.ctx, &loyaltyv1.GetAccountRequest{Program: "programs/club", Customer: customer})
	if err != nil {
		return nil
	}
	return resp.GetAccount()
}

func (j *journey) grades(customer string) *segmentationv1.GetCustomerSegmentsResponse {
	j.t.Helper()
	resp, err := j.segments.GetCustomerSegments(j.ctx, &segmentationv1.GetCustomerSegmentsRequest{Customer: customer})
	if err != nil {
		return nil
	}
	return resp
}

func (j *journey) recompute() {
	j.t.Helper()
	for {
		resp, err := j.segments.StartRecompute(j.ctx, &segmentationv1.StartRecomputeRequest{})
		if code(err) == codes.FailedPrecondition {
			time.Sleep(200 * time.Millisecond) // a run started by a segment change is still going
			continue
		}
		if err != nil {
			j.t.Fatal(err)
		}
		j.waitRun(resp.GetRun().GetName())
		return
	}
}

func (j *journey) waitRun(name string) {
	j.t.Helper()
	stream, err := j.segments.WatchRun(j.ctx, &segmentationv1.WatchRunRequest{Name: name})
	if err != nil {
		j.t.Fatal(err)
	}
	var last *segmentationv1.Run
	for {
		m, err := stream.Recv()
		if err != nil {
			break
		}
		last = m.GetRun()
	}
	if last.GetState() != segmentationv1.RunState_RUN_STATE_SUCCEEDED {
		j.t.Fatalf("run %s: %v %s", name, last.GetState(), last.GetError())
	}
}

// testOptions start the platform as the run command does, on free ports
// and in a temporary folder. CRM_TEST_BACKEND=postgresql keeps the data in a
// private PostgreSQL cluster (as -postgresql does) instead of SQLite files.
func testOptions(t *testing.T) platform.Options {
	t.Helper()
	o := platform.Options{Data: t.TempDir(), DBAddr: "127.0.0.1:0", CollectorAddr: "127.0.0.1:0",
		ProfileAddr: "127.0.0.1:0", InteractionAddr: "127.0.0.1:0", SegmentationAddr: "127.0.0.1:0", LoyaltyAddr: "127.0.0.1:0",
		Currency: "EUR", LogOutput: io.Discard}
	switch b := os.Getenv("CRM_TEST_BACKEND"); b {
	case "", "sqlite":
	case "postgresql":
		o.PostgreSQL = true
	default:
		t.Fatalf("CRM_TEST_BACKEND=%q: want sqlite or postgresql", b)
	}
	return o
}

// The customer journey through the whole platform, started as the run
// command starts it, driven through the generated Go clients.
func TestCustomerJourney(t *testing.T) {
	ctx := context.Background()
	p, err := platform.Start(ctx, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = p.Stop()
		}
	}()
	// The test is a traced client too: its spans are the roots.
	tel, err := telemetry.TracesTo(ctx, "journey-test", p.Collector)
	if err != nil {
		t.Fatal(err)
	}
	token, err := p.Token(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dial := func(name string) *grpc.ClientConn {
		c, err := grpc.NewClient(p.Addr(name), grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(tel.Tracer), otelgrpc.WithPropagators(telemetry.Propagator))))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	cctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token), 4*time.Minute)
	defer cancel()
	j := &journey{t: t, ctx: cctx,
		customers: customerv1.NewCustomerServiceClient(dial("customer-profile")), interactions: interactionv1.NewInteractionServiceClient(dial("interaction-log")),
		segments: segmentationv1.NewSegmentationServiceClient(dial("segmentation")), loyalty: loyaltyv1.NewLoyaltyServiceClient(dial("loyalty"))}

	// A loyalty program every purchase earns in.
	if _, err := j.loyalty.CreateProgram(j.ctx, &loyaltyv1.CreateProgramRequest{Program: &loyaltyv1.Program{Id: "club", DisplayName: "Club",
		CurrencyCode: "EUR", PointsPerUnit: 1, AutoEnrol: true,
		EarningRules: []*loyaltyv1.EarningRule{{Id: "welcome", Condition: "customer.first_purchase", Points: "50"}}}}); err != nil {
		t.Fatal(err)
	}

	// Customers; a duplicate is refused.
	ann := j.customer("Ann", "ann@example.com")
	ben := j.customer("Ben", "ben@example.com")
	dup := j.customer("Ann (second account)", "ann.other@example.com")
	_, err = j.customers.CreateCustomer(j.ctx, &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{
		Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: "Ann again", Emails: []*customerv1.EmailAddress{{Address: "ANN@example.com"}}}})
	if code(err) != codes.AlreadyExists {
		t.Fatalf("duplicate customer: %v, want ALREADY_EXISTS", err)
	}

	// Interactions on several channels, purchases and a refund.
	j.log(j.ctx, &interactionv1.Interaction{Customer: ann, Channel: interactionv1.Channel_CHANNEL_EMAIL, Kind: interactionv1.InteractionKind_INTERACTION_KIND_INQUIRY, Subject: "sizes"})
	j.log(j.ctx, &interactionv1.Interaction{Customer: ann, Channel: interactionv1.Channel_CHANNEL_CHAT, ChannelApp: "WeChat", Kind: interactionv1.InteractionKind_INTERACTION_KIND_SUPPORT})
	first := j.purchase(j.ctx, ann, "A-1", 120)
	j.purchase(j.ctx, ann, "A-2", 80)
	j.purchase(j.ctx, ben, "B-1", 10)
	j.purchase(j.ctx, dup, "D-1", 40)
	j.eventually("Ann's points", func() bool { a := j.account(ann); return a != nil && a.GetPurchases() == 2 })
	before := j.account(ann).GetBalance()
	if before != 250 {
		t.Errorf("Ann's balance %d, want 120 + 80 + 50 welcome", before)
	}
	j.log(j.ctx, &interactionv1.Interaction{Customer: ann, Channel: interactionv1.Channel_CHANNEL_SERVICE_CENTRE, Kind: interactionv1.InteractionKind_INTERACTION_KIND_REFUND,
		Refund: &interactionv1.Refund{Purchase: first.GetName(), Amount: eur(30), Reason: "one item back"}})
	j.eventually("points reversed by the refund", func() bool { return j.account(ann).GetBalance() < before })

	// A complaint through its case lifecycle.
	complaint := j.log(j.ctx, &interactionv1.Interaction{Customer: ann, Channel: interactionv1.Channel_CHANNEL_PHONE, Kind: interactionv1.InteractionKind_INTERACTION_KIND_COMPLAINT,
		Subject: "late delivery", Complaint: &interactionv1.Complaint{Priority: interactionv1.CasePriority_CASE_PRIORITY_HIGH, Assignee: "lee"}})
	for _, to := range []interactionv1.CaseStatus{interactionv1.CaseStatus_CASE_STATUS_IN_PROGRESS, interactionv1.CaseStatus_CASE_STATUS_RESOLVED, interactionv1.CaseStatus_CASE_STATUS_CLOSED} {
		if _, err := j.interactions.TransitionCase(j.ctx, &interactionv1.TransitionCaseRequest{Name: complaint.GetCase(), To: to, Note: "step " + to.String()}); err != nil {
			t.Fatalf("case to %v: %v", to, err)
		}
	}
	if _, err := j.interactions.TransitionCase(j.ctx, &interactionv1.TransitionCaseRequest{Name: complaint.GetCase(), To: interactionv1.CaseStatus_CASE_STATUS_RESOLVED, Note: "again"}); code(err) != codes.FailedPrecondition {
		t.Errorf("closed -> resolved: %v, want FAILED_PRECONDITION", err)
	}

	// Segments: the run grades the base; Ann spent most.
	j.eventually("the refund in Ann's metrics", func() bool { g := j.grades(ann); return g != nil && g.GetAmount().GetUnits() == 170 })
	j.eventually("Ben and the duplicate in segmentation", func() bool { return j.grades(ben) != nil && j.grades(dup) != nil })
	j.recompute()
	g := j.grades(ann)
	if s := g.GetFacts().GetScores(); s.GetRfmSegment() == "" || s.GetPyramidBand() != "platinum" || s.GetAbcClass() != "A" {
		t.Errorf("Ann's grades: %v", s)
	}
	if s := j.grades(ben).GetFacts().GetScores(); s.GetPyramidBand() == "platinum" {
		t.Errorf("Ben (10 EUR) in the top band: %v", s)
	}
	created, err := j.segments.CreateSegment(j.ctx, &segmentationv1.CreateSegmentRequest{Segment: &segmentationv1.Segment{
		Id: "big", Rule: "metrics.amount >= 150.0"}})
	if err != nil {
		t.Fatal(err)
	}
	if created.GetRun() != "" {
		j.waitRun(created.GetRun())
	}
	member := func(c string) bool {
		g := j.grades(c)
		return g != nil && len(g.GetSegments()) == 1 && g.GetSegments()[0].GetMember()
	}
	j.eventually("Ann in the big segment", func() bool { return member(ann) })
	if member(ben) {
		t.Fatal("Ben in the big segment before his purchase")
	}
	// Ben's new purchase moves him in, without a run: the traced request.
	tracer := tel.Tracer.Tracer("journey")
	tctx, span := tracer.Start(j.ctx, "Ben buys")
	j.purchase(tctx, ben, "B-2", 200)
	span.End()
	traced := span.SpanContext().TraceID().String()
	j.eventually("Ben enters the big segment", func() bool { return member(ben) })
	j.eventually("Ben's points", func() bool { a := j.account(ben); return a != nil && a.GetPurchases() == 2 })

	// Merge: the duplicate's interactions, points and metrics follow Ann.
	annInteractions := func() int {
		resp, err := j.interactions.ListInteractions(j.ctx, &interactionv1.ListInteractionsRequest{Customer: ann, PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.GetInteractions())
	}
	n := annInteractions()
	if _, err := j.customers.MergeCustomers(j.ctx, &customerv1.MergeCustomersRequest{Survivor: ann, Loser: dup}); err != nil {
		t.Fatal(err)
	}
	j.eventually("the duplicate's purchase moves to Ann", func() bool { return annInteractions() == n+1 })
	j.eventually("the duplicate's points move to Ann", func() bool {
		a := j.account(dup)
		return a != nil && a.GetState() == loyaltyv1.AccountState_ACCOUNT_STATE_MERGED && j.account(ann).GetPurchases() == 3
	})
	j.eventually("the duplicate's metrics join Ann's", func() bool {
		return j.grades(dup) == nil && j.grades(ann).GetFacts().GetMetrics().GetPurchases() == 3
	})

	// Erasure: every service forgets Ann and the duplicate merged into
	// her, and confirms it on the erasure's receipt.
	erased, err := j.customers.EraseCustomer(j.ctx, &customerv1.EraseCustomerRequest{Name: ann, Reason: "privacy request"})
	if err != nil {
		t.Fatal(err)
	}
	var receipt *customerv1.Erasure
	j.eventually("the erasure's receipt lists four confirmations", func() bool {
		resp, err := j.customers.GetErasure(j.ctx, &customerv1.GetErasureRequest{Name: erased.GetErasure()})
		if err != nil {
			t.Fatal(err)
		}
		receipt = resp.GetErasure()
		return receipt.GetCompleteTime() != nil
	})
	counts := map[string]int64{}
	for _, c := range receipt.GetConfirmations() {
		if c.GetConfirmTime() == nil || len(c.GetCustomers()) != 2 {
			t.Errorf("confirmation of %s: %v", c.GetService(), c)
		}
		for _, n := range c.GetCounts() {
			counts[c.GetService()+"/"+n.GetKind()] += n.GetDeleted() + n.GetPseudonymised()
		}
	}
	if len(receipt.GetConfirmations()) != 4 || fmt.Sprint(receipt.GetCustomers()) != fmt.Sprint([]string{ann, dup}) || receipt.GetOverdue() ||
		counts["customer-profile/customers"] != 2 || counts["interaction-log/interactions"] != int64(n+1) ||
		counts["segmentation/metrics"] < 1 || counts["loyalty/accounts"] != 2 {
		t.Errorf("receipt %v, counts %v", receipt, counts)
	}
	listed, err := j.customers.ListErasures(j.ctx, &customerv1.ListErasuresRequest{})
	if err != nil || len(listed.GetErasures()) != 1 || listed.GetErasures()[0].GetName() != erased.GetErasure() {
		t.Errorf("ListErasures: %v, %v", listed, err)
	}
	// Nothing is found any more by the erased ids, in any service.
	for _, c := range []string{ann, dup} {
		notFound := func(what string, err error) {
			t.Helper()
			if code(err) != codes.NotFound {
				t.Errorf("%s of %s after the erasure: %v, want NOT_FOUND", what, c, err)
			}
		}
		_, err := j.customers.GetCustomer(j.ctx, &customerv1.GetCustomerRequest{Name: c})
		notFound("GetCustomer", err)
		_, err = j.customers.ListConsentHistory(j.ctx, &customerv1.ListConsentHistoryRequest{Customer: c})
		notFound("ListConsentHistory", err)
		resp, err := j.interactions.ListInteractions(j.ctx, &interactionv1.ListInteractionsRequest{Customer: c, PageSize: 100})
		if err != nil || len(resp.GetInteractions()) != 0 {
			t.Errorf("interactions of %s after the erasure: %v, %v", c, resp.GetInteractions(), err)
		}
		_, err = j.segments.GetCustomerSegments(j.ctx, &segmentationv1.GetCustomerSegmentsRequest{Customer: c})
		notFound("GetCustomerSegments", err)
		_, err = j.loyalty.GetAccount(j.ctx, &loyaltyv1.GetAccountRequest{Program: "programs/club", Customer: c})
		notFound("GetAccount", err)
		_, err = j.loyalty.ListLedgerEntries(j.ctx, &loyaltyv1.ListLedgerEntriesRequest{Program: "programs/club", Customer: c})
		notFound("ListLedgerEntries", err)
		_, err = j.loyalty.ListRedemptions(j.ctx, &loyaltyv1.ListRedemptionsRequest{Program: "programs/club", Customer: c})
		notFound("ListRedemptions", err)
	}

	// Traces: stopping flushes every service's spans to the collector.
	if err := tel.Shutdown(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	stopped = true
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	spans, err := collector.Read(p.TraceFile)
	if err != nil {
		t.Fatal(err)
	}
	services := map[string]bool{}
	for _, s := range spans {
		services[s.Service] = true
	}
	for _, want := range []string{"customer-profile", "interaction-log", "segmentation", "loyalty", "journey-test"} {
		if !services[want] {
			t.Errorf("no spans from %s (got %v)", want, services)
		}
	}
	trace := collector.InTrace(spans, traced)
	has := func(service, name string) bool {
		return slices.ContainsFunc(trace, func(s collector.Span) bool { return s.Service == service && strings.Contains(s.Name, name) })
	}
	for _, want := range []struct{ service, name string }{
		{"journey-test", "Ben buys"},
		{"journey-test", "InteractionService/LogInteraction"},
		{"interaction-log", "InteractionService/LogInteraction"},
		{"customer-profile", "CustomerService/"},
		{"loyalty", "apply crm.interaction.v1.InteractionLogged"},
		{"segmentation", "apply crm.interaction.v1.InteractionLogged"},
	} {
		if !has(want.service, want.name) {
			t.Errorf("the purchase's trace lacks %s %q", want.service, want.name)
		}
	}
	// Store calls are spans named collection.command.
	if !has("interaction-log", "interactions.insert") {
		t.Error("the purchase's trace has no store call of interaction-log")
	}
	if t.Failed() {
		for _, s := range trace {
			t.Logf("%s %s %s parent %s", s.Service, s.Name, s.SpanID, s.ParentID)
		}
	}
}
