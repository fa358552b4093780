package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/peer"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/pkg/server/servertest"
	"github.com/opencrm/crm/pkg/telemetry"
	interaction "github.com/opencrm/crm/services/interaction/service"
	"github.com/opencrm/crm/services/loyalty/service"
	profile "github.com/opencrm/crm/services/profile/service"
)

// storeCalls runs call under a caller's trace and returns the names of the
// store spans it made.
func storeCalls(ctx context.Context, t *testing.T, tp *sdktrace.TracerProvider, exp *tracetest.InMemoryExporter, call func(context.Context) error) []string {
	t.Helper()
	exp.Reset()
	cctx, span := tp.Tracer("test").Start(context.Background(), "caller")
	carrier := propagation.MapCarrier{}
	telemetry.Propagator.Inject(cctx, carrier)
	if err := call(metadata.AppendToOutgoingContext(ctx, "traceparent", carrier["traceparent"])); err != nil {
		t.Fatal(err)
	}
	span.End()
	var names []string
	for _, sp := range exp.GetSpans() {
		if sp.SpanContext.TraceID() == span.SpanContext().TraceID() && !strings.Contains(sp.Name, "LoyaltyService") && sp.Name != "caller" {
			names = append(names, sp.Name)
		}
	}
	return names
}

// One earn or redeem makes exactly ten store calls, all in the caller's
// trace: the nine of the change itself (the feed's end hint is written
// every few publishes, not by each) and its audit entry.
func TestEarnAndRedeemStoreCalls(t *testing.T) {
	t.Parallel()
	e := start(t)
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	o := service.Options{
		Profile:       peer.Options{Addr: e.profile.Addr(), Token: servertest.Token(t, "customers.read", "customers.events"), Timeout: 2 * time.Second},
		Interaction:   peer.Options{Addr: e.interaction.Addr(), Token: servertest.Token(t, "interactions.events"), Timeout: 2 * time.Second},
		SweepInterval: time.Hour,
		IDKey:         []byte("test account id key, 32+ characters"),
	}
	s := servertest.StartWith(t, service.Name, dbtest.Config(t), service.SetupWith(o),
		server.Options{Telemetry: &telemetry.Telemetry{Tracer: tp, Meter: metricnoop.NewMeterProvider()}})
	s.WaitReady(t)
	client := loyaltyv1.NewLoyaltyServiceClient(s.Conn)
	if _, err := client.CreateProgram(e.ctx, &loyaltyv1.CreateProgramRequest{Program: &loyaltyv1.Program{Id: "flat", DisplayName: "Flat", CurrencyCode: "EUR", PointsPerUnit: 1}}); err != nil {
		t.Fatal(err)
	}
	c := e.customer(t, "Traced")
	if _, err := client.EnrolCustomer(e.ctx, &loyaltyv1.EnrolCustomerRequest{Program: "programs/flat", Customer: c}); err != nil {
		t.Fatal(err)
	}
	earn := storeCalls(e.ctx, t, tp, exp, func(ctx context.Context) error {
		_, err := client.EarnPoints(ctx, &loyaltyv1.EarnPointsRequest{Program: "programs/flat", Customer: c, RequestId: "t-1",
			Purchase: &loyaltyv1.PurchaseInput{OrderId: "o", Amount: eur(10, 0)}})
		return err
	})
	redeem := storeCalls(e.ctx, t, tp, exp, func(ctx context.Context) error {
		_, err := client.RedeemPoints(ctx, &loyaltyv1.RedeemPointsRequest{Program: "programs/flat", Customer: c, Points: 1, RequestId: "t-2"})
		return err
	})
	if len(earn) != 10 || len(redeem) != 10 {
		t.Fatalf("store calls: earn %d %v; redeem %d %v", len(earn), earn, len(redeem), redeem)
	}
}

// A purchase logged in interaction-log earns points under the caller's
// trace: loyalty's consumption of the event, its store calls and its own
// event carry the trace id the caller started.
func TestPurchaseTraceReachesLoyalty(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	traced := server.Options{Telemetry: &telemetry.Telemetry{Tracer: tp, Meter: metricnoop.NewMeterProvider()}}
	p := servertest.Start(t, profile.Name, profile.Setup(config.FromMap(nil)))
	p.WaitReady(t)
	ienv := config.FromMap(map[string]string{"CRM_PROFILE_ADDR": p.Addr(), "CRM_PROFILE_TOKEN": servertest.Token(t, "customers.read", "customers.events")})
	i := servertest.StartWith(t, interaction.Name, dbtest.Config(t), interaction.Setup(ienv), traced)
	i.WaitReady(t)
	e := &env{profile: p, interaction: i,
		customers: customerv1.NewCustomerServiceClient(p.Conn), interactions: interactionv1.NewInteractionServiceClient(i.Conn),
		ctx: servertest.Ctx(t, "loyalty.read", "loyalty.write", "loyalty.admin", "loyalty.events", "interactions.read", "interactions.write", "customers.write")}
	o := service.Options{
		Profile:       peer.Options{Addr: p.Addr(), Token: servertest.Token(t, "customers.read", "customers.events"), Timeout: 2 * time.Second},
		Interaction:   peer.Options{Addr: i.Addr(), Token: servertest.Token(t, "interactions.events"), Timeout: 2 * time.Second},
		SweepInterval: time.Hour,
		IDKey:         []byte("test account id key, 32+ characters"),
	}
	e.srv = servertest.StartWith(t, service.Name, dbtest.Config(t), service.SetupWith(o), traced)
	e.srv.WaitReady(t)
	e.client = loyaltyv1.NewLoyaltyServiceClient(e.srv.Conn)
	prog := e.program(t, club("club", true))
	c := e.customer(t, "Traced Buyer")

	ctx, span := tp.Tracer("test").Start(context.Background(), "caller")
	carrier := propagation.MapCarrier{}
	telemetry.Propagator.Inject(ctx, carrier)
	callCtx := metadata.AppendToOutgoingContext(e.ctx, "traceparent", carrier["traceparent"])
	_, err := e.interactions.LogInteraction(callCtx, &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{
		Customer: c, Channel: interactionv1.Channel_CHANNEL_WEB, Direction: interactionv1.Direction_DIRECTION_INBOUND,
		Kind: interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE, OccurTime: timestamppb.Now(),
		Purchase: &interactionv1.Purchase{OrderId: "traced-1", Amount: eur(20, 0)}}})
	if err != nil {
		t.Fatal(err)
	}
	span.End()
	eventually(t, "the purchase earns", func() bool { return e.balance(prog, c)() == 70 })

	// The consumer's span ends just after the account is stored.
	var consumed, stored bool
	deadline := time.Now().Add(30 * time.Second)
	for (!consumed || !stored) && time.Now().Before(deadline) {
		for _, sp := range exp.GetSpans() {
			if sp.SpanContext.TraceID() != span.SpanContext().TraceID() {
				continue
			}
			switch {
			case sp.Name == "apply crm.interaction.v1.InteractionLogged":
				consumed = true
			case strings.Contains(sp.Name, "accounts"):
				stored = true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !consumed || !stored {
		t.Fatalf("in the caller's trace: loyalty consumed the event %v, stored the account %v", consumed, stored)
	}
	// loyalty's own event carries the same trace on.
	wctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	stream, err := e.client.WatchLoyaltyEvents(wctx, &loyaltyv1.WatchLoyaltyEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatal("no loyalty event in the caller's trace")
		}
		if resp.GetEvent().GetType() == "crm.loyalty.v1.LedgerEntryRecorded" &&
			strings.Contains(resp.GetEvent().GetTraceContext()["traceparent"], span.SpanContext().TraceID().String()) {
			break
		}
	}
}
